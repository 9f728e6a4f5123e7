"""German syntax that works offline: the ``quote_tagger_de`` component (HanTa, the Hanover Tagger).

HanTa (LGPL-3.0+, on PyPI) ships its trained German model inside its wheel, so it works after
``pip install`` with no download. It gives STTS tags and lemmas; it is pure Python, so the
component tags only what the quote finder and the linkers look at (see :mod:`.tagger`).
"""

from .tagger import STTS_TO_UPOS, QuoteTagger, add_syntax, has_tagger, make_quote_tagger

__all__ = ["QuoteTagger", "STTS_TO_UPOS", "add_syntax", "has_tagger", "make_quote_tagger"]
