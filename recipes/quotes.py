"""All prodigy-quotes recipes in one module, for ``prodigy ... -F recipes/quotes.py``.

Importing this module registers every recipe (with Prodigy when installed) and every
CLI-only command. The recipes themselves live in modules named for what they do.
"""
from recipes.extract import quotes_extract  # noqa: F401

__all__ = ["quotes_extract"]
