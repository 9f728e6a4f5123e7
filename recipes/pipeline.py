"""Load the spaCy pipeline a user names on the command line."""

from pathlib import Path
from typing import Union

import spacy
from spacy.language import Language
from spacy.util import get_model_meta, load_config, load_model_from_config

from . import model as _model  # noqa: F401  (registers our factories, also where entry points are not installed)
from .errors import QuotesError
from .finder import add_quote_finder
from .schema import QUOTE_FACTORIES


def load_nlp(model: Union[str, Path, Language]) -> Language:
    """A pipeline from ``blank:xx``, an installed package, a folder, or an already loaded one."""
    if isinstance(model, Language):
        return model
    name = str(model)
    if name.startswith("blank:"):
        lang = name.split(":", 1)[1]
        try:
            return spacy.blank(lang)
        except (ImportError, KeyError) as err:
            raise QuotesError(
                f"Unknown language '{lang}' in '{name}'", "Use a spaCy language code such as blank:de or blank:en."
            ) from err
    try:
        return _load_saved(Path(name)) if Path(name, "config.cfg").exists() else spacy.load(name)
    except OSError as err:
        raise QuotesError(
            f"Can't load the pipeline '{name}'",
            "Give blank:de, blank:en, the name of an installed spaCy pipeline or the folder of a "
            "trained one (e.g. output/model-best).",
        ) from err


RETIRED_SETTINGS = {"quote_finder": ("patterns_dir",)}  # config keys of earlier versions' factories


def _load_saved(path: Path) -> Language:
    """A pipeline folder, also one saved by an earlier version whose config still holds a setting since retired
    (the finder's ``patterns_dir``, now given to ``initialize``): the key is dropped in memory, the folder left as
    it is."""
    config = load_config(path / "config.cfg")
    retired = [
        (block, key)
        for block in config.get("components", {}).values()
        for key in RETIRED_SETTINGS.get(block.get("factory", ""), ())
        if key in block
    ]
    if not retired:
        return spacy.load(path)
    for block, key in retired:
        del block[key]
    return load_model_from_config(config, meta=get_model_meta(path)).from_disk(path)


PATTERNS_PREFIX = "patterns:"


def has_quote_components(nlp: Language) -> bool:
    """Whether the pipeline already finds quotes (rules or a trained model)."""
    return any(nlp.get_pipe_meta(name).factory in QUOTE_FACTORIES for name in nlp.pipe_names)


def load_quote_pipeline(model: Union[str, Path, Language], patterns_dir: Union[str, Path, None] = None) -> Language:
    """A pipeline that finds quotes: ``patterns:de`` = rules on blank:de; others get the rules if they lack a quote model."""
    name = model if isinstance(model, Language) else str(model)
    if isinstance(name, str) and name.startswith(PATTERNS_PREFIX):
        name = "blank:" + name[len(PATTERNS_PREFIX) :]
    nlp = load_nlp(name)
    if patterns_dir is not None or not has_quote_components(nlp):
        nlp = add_quote_finder(nlp, patterns_dir=patterns_dir)
    return nlp
