"""The built-in annotation store, used when Prodigy is not installed: Prodigy's Database API on Prodigy's tables."""

from .backend import Target, resolve_target
from .database import Database, DatasetInfo, check_dataset_name, connect, disconnect_all

__all__ = ["Database", "DatasetInfo", "Target", "check_dataset_name", "connect", "disconnect_all", "resolve_target"]
