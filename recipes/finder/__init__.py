"""Rule-based quote finder: quotation marks, cue verbs and source markers from pattern files.

``add_quote_finder(nlp)`` adds the ``quote_finder`` component; see :mod:`.patterns` for the
pattern file format.
"""

from pathlib import Path
from typing import Optional, Union

from spacy.language import Language

from ..syntax import add_syntax
from .component import QuoteFinder, make_quote_finder
from .patterns import PatternError, Patterns, default_patterns_dir, load_patterns

__all__ = [
    "add_quote_finder",
    "QuoteFinder",
    "make_quote_finder",
    "PatternError",
    "default_patterns_dir",
    "load_patterns",
    "finder_patterns",
]


def add_quote_finder(
    nlp: Language, patterns_dir: Optional[Union[str, Path]] = None, name: str = "quote_finder"
) -> Language:
    """Add (or replace) the rule-based quote finder; it needs no parser or sentence splitter.

    The patterns are read now (a missing folder, an unsupported language or a bad line is reported
    here, not at the first document) and given to the component, so a saved pipeline carries them
    and its config names no folder of this machine.
    """
    patterns = load_patterns(patterns_dir if patterns_dir is not None else default_patterns_dir(nlp.lang))
    # German without a tagger of its own: HanTa's tags tell the rules what can be a speaker
    add_syntax(nlp, patterns.cue_words(), patterns.quote_marks())
    if name in nlp.pipe_names:
        finder = nlp.replace_pipe(name, "quote_finder")
    else:
        finder = nlp.add_pipe("quote_finder", name=name, last=True)
    finder.set_patterns(patterns)
    return nlp


def finder_patterns(nlp: Language) -> Optional[Patterns]:
    """The patterns of the pipeline's (last) quote finder, a user's ``--patterns`` included; None without one."""
    patterns = None
    for name in nlp.pipe_names:
        if nlp.get_pipe_meta(name).factory == "quote_finder":
            patterns = nlp.get_pipe(name).rules.patterns
    return patterns
