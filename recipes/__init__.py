"""prodigy-quotes: find direct quotes, their speakers and cue words in news text.

The package holds the Prodigy recipes (``recipes.quotes``), the rule-based quote finder
(``recipes.finder``), the trainable model (``recipes.model``), the dataset store
(``recipes.store``) and the bundled annotation server (``recipes.server``).
"""
__version__ = "0.1.0"
