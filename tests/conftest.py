"""Shared fixtures: every test gets its own PRODIGY_HOME, so nothing touches ~/.prodigy."""

from pathlib import Path
from typing import Iterator

import pytest
from prodigy_quotes.store import disconnect_all


@pytest.fixture(autouse=True)
def prodigy_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh, empty PRODIGY_HOME (and no config overrides) for each test."""
    home = tmp_path / "prodigy_home"
    home.mkdir()
    monkeypatch.setenv("PRODIGY_HOME", str(home))
    for var in ("PRODIGY_CONFIG", "PRODIGY_CONFIG_OVERRIDES"):
        monkeypatch.delenv(var, raising=False)
    disconnect_all()
    yield home
    disconnect_all()
