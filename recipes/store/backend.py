"""Where the store lives and how it talks SQL: settings or a URL in, a connection out.

SQLite (the default, a file in PRODIGY_HOME) and PostgreSQL (``"db": "postgresql"`` with
Prodigy's ``db_settings``, libpq's ``PG*`` environment variables, or a ``postgresql://`` URL;
needs ``pip install "prodigy-quotes[postgres]"``). The :class:`Database` above this module uses
nothing but ``query``, ``execute``, ``executemany``, ``transaction`` and ``dialect`` of a backend,
with ``?`` placeholders; the PostgreSQL backend turns them into psycopg's. Both create the tables
Prodigy's peewee models create on that database, so Prodigy reads our datasets and we read its.
"""

import os
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple
from urllib.parse import unquote, urlparse

from ..config import prodigy_home
from ..errors import QuotesError

MEMORY = ":memory:"

# The indexes peewee creates for Prodigy's models, the same on every database
INDEXES = ('CREATE UNIQUE INDEX IF NOT EXISTS "dataset_name" ON "dataset" ("name")',)
# The tables Prodigy's peewee models create (dataset, example, link), spelled as peewee spells them for
# SQLite, so a Prodigy installation pointed at the same file reads our datasets.
SCHEMA = (
    'CREATE TABLE IF NOT EXISTS "dataset" ("id" INTEGER NOT NULL PRIMARY KEY, "name" VARCHAR(255) NOT NULL, '
    '"created" INTEGER NOT NULL, "meta" BLOB NOT NULL, "session" INTEGER NOT NULL)',
    'CREATE TABLE IF NOT EXISTS "example" ("id" INTEGER NOT NULL PRIMARY KEY, "input_hash" INTEGER NOT NULL, '
    '"task_hash" INTEGER NOT NULL, "content" BLOB NOT NULL)',
    'CREATE TABLE IF NOT EXISTS "link" ("id" INTEGER NOT NULL PRIMARY KEY, "example_id" INTEGER NOT NULL, '
    '"dataset_id" INTEGER NOT NULL, FOREIGN KEY ("example_id") REFERENCES "example" ("id"), '
    'FOREIGN KEY ("dataset_id") REFERENCES "dataset" ("id"))',
    # ours, not Prodigy's (it ignores the table): which session holds which unanswered task, so a restarted
    # server does not hand a task an open page holds to someone else
    'CREATE TABLE IF NOT EXISTS "quotes_assignment" ("dataset" VARCHAR(255) NOT NULL, "key" INTEGER NOT NULL, '
    '"task_hash" INTEGER NOT NULL, "session" VARCHAR(255) NOT NULL, "since" REAL NOT NULL, '
    'PRIMARY KEY ("dataset", "key"))',
) + INDEXES


@dataclass(frozen=True)
class Target:
    """A resolved database: its id (``sqlite``), display name and location."""

    db_id: str
    display_name: str
    location: str

    @property
    def key(self) -> Tuple[str, str]:
        return (self.db_id, self.location)


def _unsupported(db_id: str) -> QuotesError:
    return QuotesError(
        f"The built-in store can't use '{db_id}'",
        'It supports SQLite (the default) and PostgreSQL ("db": "postgresql"). Install Prodigy to use MySQL.',
    )


POSTGRES_IDS = ("postgresql", "postgres")
POSTGRES_DB_KEYS = ("dbname", "database", "db", "name")  # Prodigy accepts each for the database name


def _conninfo_value(value: Any) -> str:
    """A value in a libpq connection string: quoted, with backslashes and quotes escaped."""
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def postgres_target(**settings: Any) -> Target:
    """Prodigy's ``db_settings.postgresql`` (host, port, dbname/database/db/name, user, password, any libpq
    parameter) as a libpq connection string; what is not given comes from libpq's PG* environment variables."""
    params: Dict[str, Any] = {}
    for key, value in settings.items():
        if value is None:
            continue
        params["dbname" if key in POSTGRES_DB_KEYS else key] = value
    if "dbname" not in params and not os.environ.get("PGDATABASE"):
        params["dbname"] = "prodigy"  # Prodigy's default database name
    dsn = " ".join(f"{key}={_conninfo_value(value)}" for key, value in sorted(params.items()))
    user = params.get("user", os.environ.get("PGUSER", ""))
    host = params.get("host", os.environ.get("PGHOST", "localhost"))
    display = f"PostgreSQL {user}@{host}/{params.get('dbname', os.environ.get('PGDATABASE', ''))}"
    return Target("postgresql", display, dsn)


def sqlite_target(name: str = "prodigy.db", path: Optional[str] = None, **_: Any) -> Target:
    """Prodigy's ``db_settings.sqlite``: file ``name`` in folder ``path`` (default PRODIGY_HOME)."""
    if name == MEMORY:
        return Target("sqlite", "SQLite", MEMORY)
    folder = Path(path).expanduser() if path else prodigy_home()
    return Target("sqlite", "SQLite", str((folder / name).resolve()))


def url_target(url: str) -> Target:
    """A database URL: ``sqlite:///relative.db``, ``sqlite:////abs/path.db``, ``sqlite://`` (memory)."""
    parsed = urlparse(url)
    scheme = parsed.scheme.split("+", 1)[0].lower()
    if scheme in POSTGRES_IDS:
        host = f" {parsed.hostname}" if parsed.hostname else ""
        return Target("postgresql", f"PostgreSQL{host}{parsed.path}", url.replace("+psycopg", "", 1))
    if scheme != "sqlite":
        raise _unsupported(scheme or url)
    path = unquote(url.split("://", 1)[1])
    if path in ("", "/", "/" + MEMORY):
        return Target("sqlite", "SQLite", MEMORY)
    path = path[1:] if path.startswith("/") else path  # sqlite:///x.db -> x.db, sqlite:////abs -> /abs
    return Target("sqlite", "SQLite", str(Path(path).expanduser().resolve()))


def resolve_target(db_id: Any, db_settings: Optional[Dict[str, Any]]) -> Target:
    """The database that ``connect(db_id, db_settings)`` means."""
    if isinstance(db_id, str) and "://" in db_id:
        return url_target(db_id)
    if db_id in POSTGRES_IDS:
        return postgres_target(**(db_settings or {}))
    if db_id != "sqlite":
        raise _unsupported(str(db_id))
    return sqlite_target(**(db_settings or {}))


class SQLiteBackend:
    """One SQLite connection shared by all threads, guarded by a lock; WAL so readers don't block."""

    dialect = "sqlite"
    returning = sqlite3.sqlite_version_info >= (3, 35, 0)  # INSERT ... RETURNING

    placeholder = "?"

    def __init__(self, target: Target) -> None:
        self.target = target
        self._lock = threading.RLock()
        self._depth = 0
        self._conn: Optional[sqlite3.Connection] = None
        self.connect()

    def connect(self) -> None:
        """Open the connection (creating the folder and tables when needed)."""
        location = self.target.location
        if location != MEMORY:
            try:
                Path(location).parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise QuotesError(f"Can't create the folder for the database {location}", str(err)) from err
        try:
            conn = sqlite3.connect(location, timeout=30, isolation_level=None, check_same_thread=False)
            if location != MEMORY:
                conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=30000")
            for statement in SCHEMA:
                conn.execute(statement)
        except sqlite3.DatabaseError as err:
            raise QuotesError(f"Can't open the database {location}", f"{err}. Is it an SQLite file?") from err
        self._conn = conn

    @property
    def is_closed(self) -> bool:
        return self._conn is None

    def close(self) -> None:
        """Close the connection; the next call reopens it."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self.connect()
        assert self._conn is not None
        return self._conn

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All statements inside commit together or not at all; nested uses join the outer one."""
        with self._lock:
            conn = self._connection()
            outer = self._depth == 0
            if outer:
                conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                conn.execute("COMMIT")

    def query(self, sql: str, params: Sequence[Any] = ()) -> List[tuple]:
        """Rows of a SELECT."""
        with self._lock:
            return self._connection().execute(sql, tuple(params)).fetchall()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Optional[int]:
        """Run a statement; the id of an inserted row."""
        with self._lock:
            return self._connection().execute(sql, tuple(params)).lastrowid

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run a statement once per row."""
        with self._lock:
            self._connection().executemany(sql, rows)


# Prodigy's peewee models as peewee creates them on PostgreSQL (SERIAL ids, BYTEA blobs, a BOOLEAN session flag)
POSTGRES_SCHEMA = (
    'CREATE TABLE IF NOT EXISTS "dataset" ("id" SERIAL NOT NULL PRIMARY KEY, "name" VARCHAR(255) NOT NULL, '
    '"created" INTEGER NOT NULL, "meta" BYTEA NOT NULL, "session" BOOLEAN NOT NULL)',
    'CREATE TABLE IF NOT EXISTS "example" ("id" SERIAL NOT NULL PRIMARY KEY, "input_hash" BIGINT NOT NULL, '
    '"task_hash" BIGINT NOT NULL, "content" BYTEA NOT NULL)',
    'CREATE TABLE IF NOT EXISTS "link" ("id" SERIAL NOT NULL PRIMARY KEY, "example_id" INTEGER NOT NULL, '
    '"dataset_id" INTEGER NOT NULL, FOREIGN KEY ("example_id") REFERENCES "example" ("id"), '
    'FOREIGN KEY ("dataset_id") REFERENCES "dataset" ("id"))',
    'CREATE TABLE IF NOT EXISTS "quotes_assignment" ("dataset" VARCHAR(255) NOT NULL, "key" BIGINT NOT NULL, '
    '"task_hash" BIGINT NOT NULL, "session" VARCHAR(255) NOT NULL, "since" DOUBLE PRECISION NOT NULL, '
    'PRIMARY KEY ("dataset", "key"))',
) + INDEXES
SCHEMA_LOCK = 7301  # a PostgreSQL advisory lock: two servers starting at once create the tables once


def _psycopg() -> Any:
    """psycopg 3, or a clear message naming the extra to install."""
    try:
        import psycopg
    except ImportError as err:
        raise QuotesError(
            "PostgreSQL needs the psycopg driver", 'Install it with: pip install "prodigy-quotes[postgres]"'
        ) from err
    return psycopg


class PostgresBackend:
    """The same calls as :class:`SQLiteBackend` on a PostgreSQL server (one connection, guarded by a lock;
    each statement commits on its own unless inside :meth:`transaction`)."""

    dialect = "postgresql"

    def __init__(self, target: Target) -> None:
        self.target = target
        self._lock = threading.RLock()
        self._conn: Any = None
        self._depth = 0
        self.connect()

    def connect(self) -> None:
        psycopg = _psycopg()
        try:
            conn = psycopg.connect(self.target.location, autocommit=True)
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
                for statement in POSTGRES_SCHEMA:
                    conn.execute(statement)
        except psycopg.Error as err:
            raise QuotesError(
                f"Can't open the database {self.target.display_name}",
                f"{str(err).strip()}. Check db_settings.postgresql in prodigy.json or the PG* environment variables.",
            ) from err
        self._conn = conn

    @property
    def is_closed(self) -> bool:
        return self._conn is None or self._conn.closed

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _connection(self) -> Any:
        if self.is_closed:
            self.connect()
        return self._conn

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("?", "%s")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All statements inside commit together or not at all; nested uses join the outer one."""
        with self._lock:
            conn = self._connection()
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._depth = 1
            try:
                with conn.transaction():
                    yield
            finally:
                self._depth = 0

    def query(self, sql: str, params: Sequence[Any] = ()) -> List[tuple]:
        with self._lock:
            return self._connection().execute(self._sql(sql), tuple(params)).fetchall()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Optional[int]:
        """Run a statement; the id of a row inserted into a table with ids."""
        sql = self._sql(sql)
        returning = sql.lstrip().upper().startswith("INSERT") and "RETURNING" not in sql.upper()
        returning = returning and '"quotes_assignment"' not in sql
        with self._lock:
            cur = self._connection().execute(sql + (' RETURNING "id"' if returning else ""), tuple(params))
            if returning:
                row = cur.fetchone()
                return int(row[0]) if row else None
            return None

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self._lock:
            with self._connection().cursor() as cur:
                cur.executemany(self._sql(sql), [tuple(r) for r in rows])


def open_backend(target: Target) -> Any:
    """The backend for a resolved target."""
    if target.db_id == "postgresql":
        return PostgresBackend(target)
    if target.db_id == "sqlite":
        return SQLiteBackend(target)
    raise _unsupported(target.db_id)
