"""The ``quotes`` command line: one sub-command per recipe, built from its annotations.

``quotes.manual`` becomes ``quotes manual`` with the same arguments, options and help text as
under Prodigy. A recipe that returns components with a stream starts an annotation session
(Prodigy's server when installed, ours otherwise); CLI-only commands (``db-in`` ...) come from
:data:`prodigy_quotes.compat.COMMANDS`.
"""

import inspect
import shlex
import sys
import typing
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import typer

from . import __version__
from . import quotes as _recipes  # noqa: F401  (registers every recipe and command)
from .compat import COMMANDS, HAS_PRODIGY, RECIPES, ArgSpec, RecipeSpec, prodigy, split_string
from .errors import QuotesError

app = typer.Typer(
    name="quotes",
    help="Find direct quotes, their speakers and cue words in news text, and annotate them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_CLI_TYPES = (str, int, float, bool, Path)


def _unwrap_optional(hint: Any) -> Any:
    if typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return args[0] if len(args) == 1 else str
    return hint


def _cli_type(hint: Any) -> Tuple[Any, Optional[Callable[[str], Any]]]:
    """The type the CLI parses and the converter that turns it into the recipe's value."""
    hint = _unwrap_optional(hint)
    if typing.get_origin(hint) in (list, List, tuple):
        return str, split_string
    if hint in _CLI_TYPES:
        return hint, None
    return str, None  # Language and other objects: recipes accept the name as a string


def _parameter(
    param: inspect.Parameter, spec: Optional[ArgSpec], hint: Any
) -> Tuple[inspect.Parameter, Optional[Callable]]:
    cli_type, converter = _cli_type(hint)
    if spec is not None and spec.converter is not None:
        cli_type, converter = str, spec.converter
    help_text = spec.help if spec else ""
    required = param.default is inspect.Parameter.empty
    positional = spec.positional if spec else required
    if positional:
        info = typer.Argument(... if required else param.default, help=help_text, show_default=not required)
    else:
        names = [spec.option if spec and spec.option else "--" + param.name.replace("_", "-")]
        if spec and spec.short:
            names.append(spec.short)
        default = None if required else param.default
        if cli_type is bool:
            cli_type, default = bool, bool(default)
        elif default is not None and converter is not None and not isinstance(default, str):
            default = ",".join(map(str, default)) if isinstance(default, (list, tuple)) else str(default)
        info = typer.Option(default, *names, help=help_text)
    annotation = cli_type if (positional and required) or cli_type is bool else Optional[cli_type]
    new = inspect.Parameter(param.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=info, annotation=annotation)
    return new, converter


def _wrap(spec: RecipeSpec, serve_result: bool) -> Callable[..., Any]:
    """A function with a Typer-readable signature that converts values and runs the recipe."""
    signature = inspect.signature(spec.func)
    hints = typing.get_type_hints(spec.func)
    params, converters = [], {}
    for name, param in signature.parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        new, converter = _parameter(param, spec.args.get(name), hints.get(name, str))
        params.append(new)
        if converter is not None:
            converters[name] = converter

    def command(**kwargs: Any) -> None:
        for name, convert in converters.items():
            if kwargs.get(name) is not None and isinstance(kwargs[name], str):
                kwargs[name] = convert(kwargs[name])
        try:
            result = spec.func(**kwargs)
            if serve_result and isinstance(result, dict) and "stream" in result:
                _serve(spec.name, result)
        except QuotesError as err:
            typer.secho(f"✘ {err.title}", fg="red", err=True, bold=True)
            if err.detail:
                typer.echo(err.detail, err=True)
            raise typer.Exit(1)

    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__doc__ = inspect.getdoc(spec.func)
    command.__name__ = spec.name.replace(".", "_").replace("-", "_")
    return command


def _serve(name: str, components: Dict[str, Any]) -> None:
    """Start an annotation session: Prodigy's server when installed, else ours."""
    if HAS_PRODIGY and hasattr(prodigy, "serve"):
        prodigy.serve(" ".join([name] + [shlex.quote(a) for a in sys.argv[2:]]))
        return
    from .server.serve import serve  # FastAPI and uvicorn load only for a session

    serve(components)


def _command_name(name: str) -> str:
    return name.split(".", 1)[1] if name.startswith("quotes.") else name


for _spec in RECIPES.values():
    if _spec.name.startswith("quotes."):
        app.command(_command_name(_spec.name))(_wrap(_spec, serve_result=True))
for _spec in COMMANDS.values():
    app.command(_spec.name)(_wrap(_spec, serve_result=False))


def _version(value: bool) -> None:
    if value:
        typer.echo(f"prodigy-quotes {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Find direct quotes, their speakers and cue words in news text, and annotate them."""


def run() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    run()
