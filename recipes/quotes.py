"""All prodigy-quotes recipes in one module, for ``prodigy ... -F recipes/quotes.py``.

Importing this module registers every recipe (with Prodigy when installed) and every
CLI-only command. The recipes themselves live in modules named for what they do.
"""
from recipes import dbcommands  # noqa: F401  (db-in, db-out, stats, drop)
from recipes.annotate import quotes_correct, quotes_manual  # noqa: F401
from recipes.evaluate import quotes_evaluate  # noqa: F401
from recipes.export import quotes_export  # noqa: F401
from recipes.extract import quotes_extract  # noqa: F401
from recipes.review import quotes_review  # noqa: F401
from recipes.training import quotes_train, quotes_train_curve  # noqa: F401

__all__ = [
    "quotes_correct", "quotes_evaluate", "quotes_export", "quotes_extract", "quotes_manual", "quotes_review",
    "quotes_train", "quotes_train_curve",
]
