"""prodigy-quotes: find direct quotes, their speakers and cue words in news text.

Installed as ``prodigy_quotes`` from the folder ``recipes/``. The package holds the Prodigy
recipes (``prodigy_quotes.quotes``), the rule-based quote finder (``prodigy_quotes.finder``),
the trainable model (``prodigy_quotes.model``), the dataset store (``prodigy_quotes.store``)
and the bundled annotation server (``prodigy_quotes.server``).
"""

__version__ = "0.1.0"
