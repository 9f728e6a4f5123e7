"""All prodigy-quotes recipes in one module, for ``prodigy ... -F recipes/quotes.py``.

Importing this module registers every recipe (with Prodigy when installed) and every
CLI-only command. The recipes themselves live in modules named for what they do. Loaded as a
file from a checkout where the package is not installed, it first loads its own folder as the
package ``prodigy_quotes``.
"""

import importlib.util
import sys
from pathlib import Path

if __package__ != "prodigy_quotes" and importlib.util.find_spec("prodigy_quotes") is None:
    _here = Path(__file__).resolve().parent
    _spec = importlib.util.spec_from_file_location(
        "prodigy_quotes", _here / "__init__.py", submodule_search_locations=[str(_here)]
    )
    assert _spec is not None and _spec.loader is not None
    sys.modules["prodigy_quotes"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules["prodigy_quotes"])

from prodigy_quotes import dbcommands  # noqa: E402,F401  (db-in, db-out, stats, drop)
from prodigy_quotes.annotate import quotes_correct, quotes_manual  # noqa: E402,F401
from prodigy_quotes.evaluate import quotes_evaluate  # noqa: E402,F401
from prodigy_quotes.export import quotes_export  # noqa: E402,F401
from prodigy_quotes.extract import quotes_extract  # noqa: E402,F401
from prodigy_quotes.report import quotes_report  # noqa: E402,F401  (a command: quotes report)
from prodigy_quotes.review import quotes_review  # noqa: E402,F401
from prodigy_quotes.training import quotes_train, quotes_train_curve  # noqa: E402,F401

__all__ = [
    "quotes_correct",
    "quotes_evaluate",
    "quotes_export",
    "quotes_extract",
    "quotes_manual",
    "quotes_review",
    "quotes_train",
    "quotes_train_curve",
]
