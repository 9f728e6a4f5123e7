"""Trainable quote components (importing this registers the spaCy factories)."""

from .components import (
    QuoteDetector,
    QuoteLinker,
    make_quote_cue_linker,
    make_quote_detector,
    make_quote_speaker_linker,
)

__all__ = ["QuoteDetector", "QuoteLinker", "make_quote_detector", "make_quote_speaker_linker", "make_quote_cue_linker"]
