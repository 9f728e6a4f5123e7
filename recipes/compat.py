"""One import point for Prodigy's API: the real thing when installed, our own otherwise.

``recipe``, ``Arg``, ``set_hashes``, ``connect`` and ``get_stream`` keep Prodigy's call
signatures, so recipe modules never check whether Prodigy is there. Every recipe is also kept
in :data:`RECIPES`, from which the ``quotes`` command line builds one sub-command per recipe.
"""

import importlib
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable, Dict, Optional


def _import(name: str) -> Optional[ModuleType]:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


prodigy = _import("prodigy")
HAS_PRODIGY = prodigy is not None


@dataclass
class Arg:
    """A recipe argument in radicli's style: no ``option`` means positional."""

    option: Optional[str] = None
    short: Optional[str] = None
    help: Optional[str] = None
    count: bool = False
    converter: Optional[Callable[[str], Any]] = None


if HAS_PRODIGY:  # prefer Prodigy's own Arg so its CLI understands our recipes
    _core = _import("prodigy.core")
    Arg = getattr(_core, "Arg", None) or getattr(_import("radicli"), "Arg", Arg)  # type: ignore  # noqa: F811


@dataclass
class ArgSpec:
    """An argument as the CLI needs it."""

    name: str
    positional: bool
    option: Optional[str] = None
    short: Optional[str] = None
    help: str = ""
    converter: Optional[Callable[[str], Any]] = None


@dataclass
class RecipeSpec:
    """A registered recipe or command: its function and how its arguments are spelled."""

    name: str
    func: Callable[..., Any]
    args: Dict[str, ArgSpec] = field(default_factory=dict)


RECIPES: Dict[str, RecipeSpec] = {}
COMMANDS: Dict[str, RecipeSpec] = {}


def _arg_spec(name: str, annotation: Any) -> ArgSpec:
    """Read a radicli-style ``Arg`` (ours or Prodigy's): no ``option`` means positional."""
    option = getattr(annotation, "option", None)
    short = getattr(annotation, "short", None)
    return ArgSpec(
        name=name,
        positional=option is None,
        option=option,
        short=short,
        help=getattr(annotation, "help", None) or "",
        converter=getattr(annotation, "converter", None),
    )


def _register(registry: Dict[str, RecipeSpec], name: str, func: Callable, args: Dict[str, Any]) -> None:
    registry[name] = RecipeSpec(name, func, {k: _arg_spec(k, v) for k, v in args.items()})


def recipe(name: str, **args: Any) -> Callable[[Callable], Callable]:
    """Register a recipe (with Prodigy too, when installed) and return the plain function."""

    def decorator(func: Callable) -> Callable:
        _register(RECIPES, name, func, args)
        if HAS_PRODIGY and hasattr(prodigy, "recipe"):
            func = prodigy.recipe(name, **args)(func) or func
        return func

    return decorator


def command(name: str, **args: Any) -> Callable[[Callable], Callable]:
    """Register a CLI-only command (``db-in``, ``stats`` ...) with the same argument style."""

    def decorator(func: Callable) -> Callable:
        _register(COMMANDS, name, func, args)
        return func

    return decorator


def split_string(text: Optional[str]) -> list:
    """Split a comma-separated CLI value into a list, ignoring blanks."""
    if not text:
        return []
    if isinstance(text, (list, tuple)):
        return list(text)
    return [part.strip() for part in str(text).split(",") if part.strip()]


def _pick(module_name: str, attr: str, fallback_module: str) -> Callable:
    module = _import(module_name) if HAS_PRODIGY else None
    found = getattr(module, attr, None) if module is not None else None
    if found is not None:
        return found
    return getattr(importlib.import_module(fallback_module), attr)


def set_hashes(task: Dict[str, Any], *args: Any, **kwargs: Any) -> Dict[str, Any]:
    """``prodigy.util.set_hashes`` when installed, else our identical implementation."""
    return _pick("prodigy.util", "set_hashes", "prodigy_quotes.hashing")(task, *args, **kwargs)


def connect(*args: Any, **kwargs: Any) -> Any:
    """``prodigy.components.db.connect`` when installed, else our SQLite store."""
    return _pick("prodigy.components.db", "connect", "prodigy_quotes.store")(*args, **kwargs)


def get_stream(source: Any, *args: Any, **kwargs: Any) -> Any:
    """``prodigy.components.stream.get_stream`` when installed, else our loaders."""
    return _pick("prodigy.components.stream", "get_stream", "prodigy_quotes.loaders")(source, *args, **kwargs)
