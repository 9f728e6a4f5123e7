"""Prodigy-style settings: ``prodigy.json`` files and environment overrides, read in Prodigy's order.

Later sources win: ``$PRODIGY_HOME/prodigy.json`` (global), ``./prodigy.json`` (project), the
file named by ``$PRODIGY_CONFIG``, then the JSON object in ``$PRODIGY_CONFIG_OVERRIDES``.
The store and the annotation server read the same merged dict, so one file configures both.
"""

import json
import os
from pathlib import Path
from typing import Any, Dict, Optional

from .errors import QuotesError

CONFIG_NAME = "prodigy.json"


def prodigy_home() -> Path:
    """The folder holding ``prodigy.json`` and ``prodigy.db``: ``$PRODIGY_HOME`` or ``~/.prodigy``."""
    home = os.environ.get("PRODIGY_HOME")
    return Path(home).expanduser() if home else Path.home() / ".prodigy"


def _read_json_file(path: Path) -> Dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig") or "{}")
    except json.JSONDecodeError as err:
        raise QuotesError(
            f"Can't read the settings in {path}",
            f"Line {err.lineno}, column {err.colno}: {err.msg}. Fix the JSON or remove the file.",
        ) from err
    except OSError as err:
        raise QuotesError(f"Can't read the settings in {path}", str(err)) from err
    if not isinstance(data, dict):
        raise QuotesError(
            f"Can't read the settings in {path}", 'The file must hold one JSON object, e.g. {"port": 8080}.'
        )
    return data


def env_overrides() -> Dict[str, Any]:
    """The JSON object in ``$PRODIGY_CONFIG_OVERRIDES`` ({} when unset), checked."""
    raw = os.environ.get("PRODIGY_CONFIG_OVERRIDES", "").strip()
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as err:
        raise QuotesError(
            "PRODIGY_CONFIG_OVERRIDES is not valid JSON", f"{err.msg} at column {err.colno}; e.g. '{{\"port\": 8081}}'."
        ) from err
    if not isinstance(data, dict):
        raise QuotesError("PRODIGY_CONFIG_OVERRIDES must be a JSON object", "For example '{\"port\": 8081}'.")
    return data


def _merge(base: Dict[str, Any], extra: Dict[str, Any]) -> Dict[str, Any]:
    """Merge ``extra`` into ``base``; nested ``db_settings`` dicts merge per key."""
    merged = dict(base)
    for key, value in extra.items():
        if key == "db_settings" and isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def config_files(cwd: Optional[Path] = None) -> list:
    """The settings files that exist, in the order they are applied."""
    candidates = [prodigy_home() / CONFIG_NAME, (cwd or Path.cwd()) / CONFIG_NAME]
    explicit = os.environ.get("PRODIGY_CONFIG")
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise QuotesError(
                f"PRODIGY_CONFIG names {path}, which is not a file", "Point it at a prodigy.json or unset it."
            )
        candidates.append(path)
    seen, files = set(), []
    for path in candidates:
        resolved = path.resolve() if path.exists() else None
        if resolved is not None and path.is_file() and resolved not in seen:
            seen.add(resolved)
            files.append(path)
    return files


def get_config(cwd: Optional[Path] = None) -> Dict[str, Any]:
    """The merged settings from all ``prodigy.json`` files and the environment."""
    config: Dict[str, Any] = {}
    for path in config_files(cwd):
        config = _merge(config, _read_json_file(path))
    return _merge(config, env_overrides())
