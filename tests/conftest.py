"""Shared fixtures: every test gets its own PRODIGY_HOME, so nothing touches ~/.prodigy."""

import json
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


# -- a real PostgreSQL server for the store's PostgreSQL tests --------------------------------------

import glob  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import uuid  # noqa: E402


def _pg_bin() -> str:
    """The folder of PostgreSQL's server programs (Debian's /usr/lib/postgresql/N/bin, or on PATH), or ""."""
    found = shutil.which("pg_ctl")
    if found:
        return str(Path(found).resolve().parent)
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return str(Path(versions[-1]).parent) if versions else ""


def _as_postgres(args: list) -> list:
    """Run a server program as the postgres user when we are root (PostgreSQL refuses to run as root)."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL server for this test run: QUOTES_TEST_POSTGRES (a postgresql:// URL) when set, else one
    started here from the installed server programs. Skips without either, except in CI (.ci/run installs it)."""
    given = os.environ.get("QUOTES_TEST_POSTGRES")
    if given:
        yield given
        return
    pg_bin = _pg_bin()
    if not pg_bin:
        if os.environ.get("CI"):
            pytest.fail("CI must have PostgreSQL: .ci/run installs Debian's postgresql")
        pytest.skip("needs a PostgreSQL server: apt-get install postgresql, or set QUOTES_TEST_POSTGRES")
    folder = Path(tempfile.mkdtemp(prefix="quotes-pg-"))  # not under pytest's root-only folder: postgres reads it
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data = folder / "data"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    run = lambda args: subprocess.run(_as_postgres(args), check=True, capture_output=True)  # noqa: E731
    run([f"{pg_bin}/initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"])
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    run([f"{pg_bin}/pg_ctl", "-D", str(data), "-o", options, "-w", "-l", str(folder / "log"), "start"])
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        run([f"{pg_bin}/pg_ctl", "-D", str(data), "-m", "immediate", "stop"])
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres(postgres_server: str, prodigy_home: Path) -> Iterator[dict]:
    """A fresh, empty database on the test server, set as the store in prodigy.json (Prodigy's settings)."""
    psycopg = pytest.importorskip("psycopg", reason='needs psycopg: pip install -e ".[postgres]"')
    name = f"quotes_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = postgres_server.rsplit("/", 1)[0] + "/" + name
    from urllib.parse import urlparse

    parsed = urlparse(url)
    settings = {"host": parsed.hostname, "port": parsed.port, "user": parsed.username, "dbname": name}
    (prodigy_home / "prodigy.json").write_text(
        json.dumps({"db": "postgresql", "db_settings": {"postgresql": settings}}), encoding="utf8"
    )
    yield {"url": url, "settings": settings, "name": name}
    disconnect_all()
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def speaker_task(text: str, quote: str, speaker: str) -> dict:
    """An accepted task of ``text`` whose ``quote`` is linked to its ``speaker`` (both found by their text)."""
    q = {"start": text.index(quote), "end": text.index(quote) + len(quote), "label": "QUOTE"}
    s = {"start": text.index(speaker), "end": text.index(speaker) + len(speaker), "label": "SPEAKER"}
    return {
        "text": text,
        "answer": "accept",
        "spans": [q, s],
        "relations": [{"label": "SPEAKER", "head_span": q, "child_span": s}],
    }
