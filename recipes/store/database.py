"""Prodigy's ``Database`` API on Prodigy's own tables (dataset, example, link).

Every annotation is an ``example`` row holding the full task as JSON; ``link`` rows put it in
one or more datasets, normally the target dataset and the session's own dataset
(``session=1``). Examples are append-only. Each method is one transaction.
"""

import json
import time
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple, Union

from ..config import get_config
from ..errors import QuotesError
from ..hashing import INPUT_HASH_ATTR, TASK_HASH_ATTR
from .backend import SQLiteBackend, Target, open_backend, resolve_target

PAGE = 500
BY_COLUMNS = {"task_hash": "task_hash", "input_hash": "input_hash", "id": "id"}


@dataclass
class DatasetInfo:
    """A row of the ``dataset`` table."""

    id: int
    name: str
    created: int
    meta: Dict[str, Any] = field(default_factory=dict)
    session: bool = False


def _dumps(value: Any, what: str) -> bytes:
    try:
        return json.dumps(value, separators=(",", ":")).encode("ascii")
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"Can't store {what} as JSON: {err}. Convert it to plain lists, dicts, strings and numbers."
        ) from err


def _loads(blob: Union[bytes, memoryview, str]) -> Any:
    if isinstance(blob, memoryview):
        blob = blob.tobytes()
    if isinstance(blob, bytes):
        try:
            blob = blob.decode("utf8")
        except UnicodeDecodeError:  # peewee stores str in a BlobField as raw_unicode_escape
            blob = blob.decode("raw_unicode_escape")
    return json.loads(blob)


def check_dataset_name(name: Any) -> str:
    """A dataset name as Prodigy allows it: a non-empty string without commas or whitespace."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"Dataset names must be non-empty strings, not {name!r}")
    if "," in name or any(ch.isspace() for ch in name):
        raise ValueError(f"Dataset name {name!r} can't include commas or whitespace")
    return name


INSERT_ROWS = 300  # examples per INSERT statement (SQLite allows 999 parameters in older builds)


def _chunks(items: Sequence[Any], size: int = PAGE) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class Database:
    """The annotation store: datasets of examples, with Prodigy's method names and behaviour."""

    def __init__(self, backend: SQLiteBackend) -> None:
        self.backend = backend
        self.target: Target = backend.target
        self.db_id = self.target.db_id
        self.db_name = self.target.display_name

    # -- datasets -----------------------------------------------------------------------------

    def __bool__(self) -> bool:
        return True

    def __len__(self) -> int:
        """The number of (non-session) datasets."""
        return len(self.datasets)

    def __contains__(self, name: object) -> bool:
        """Whether a dataset (or session dataset) of this name exists."""
        return bool(self.backend.query('SELECT 1 FROM "dataset" WHERE "name" = ?', (name,)))

    def _names(self, session: bool) -> List[str]:
        rows = self.backend.query(
            'SELECT "name" FROM "dataset" WHERE "session" = ? ORDER BY "created", "id"', (bool(session),)
        )
        return [row[0] for row in rows]

    @property
    def datasets(self) -> List[str]:
        """Names of the datasets, oldest first, without session datasets."""
        return self._names(False)

    @property
    def sessions(self) -> List[str]:
        """Names of the session datasets, oldest first."""
        return self._names(True)

    def _dataset(self, name: str) -> Optional[DatasetInfo]:
        rows = self.backend.query(
            'SELECT "id", "name", "created", "meta", "session" FROM "dataset" WHERE "name" = ?', (name,)
        )
        if not rows:
            return None
        id_, name, created, meta, session = rows[0]
        return DatasetInfo(id_, name, int(created), _loads(meta) if meta else {}, bool(session))

    def add_dataset(self, name: str, meta: Optional[Dict[str, Any]] = None, session: bool = False) -> DatasetInfo:
        """Get or create a dataset; ``session=True`` marks the per-session datasets."""
        check_dataset_name(name)
        with self.backend.transaction():
            found = self._dataset(name)
            if found is not None:
                return found
            created = int(time.time())
            meta = dict(meta or {})
            # ON CONFLICT: another server may create the same dataset at the same moment
            self.backend.execute(
                'INSERT INTO "dataset" ("name", "created", "meta", "session") VALUES (?, ?, ?, ?) '
                'ON CONFLICT ("name") DO NOTHING',
                (name, created, _dumps(meta, "the dataset meta"), bool(session)),
            )
            found = self._dataset(name)
            assert found is not None
            return found

    def get_meta(self, name: str) -> Optional[Dict[str, Any]]:
        """The dataset's meta with its ``created`` timestamp, or None if there is no such dataset."""
        found = self._dataset(name)
        if found is None:
            return None
        return {**found.meta, "created": found.created}

    get_dataset_meta = get_meta

    def is_session(self, name: str) -> bool:
        """Whether ``name`` is a session dataset."""
        found = self._dataset(name)
        return bool(found and found.session)

    # -- examples -----------------------------------------------------------------------------

    def add_examples(self, examples: Iterable[Dict[str, Any]], datasets: Sequence[str] = ()) -> None:
        """Store examples (each with both hashes) and link them to every dataset named; all or nothing."""
        if not isinstance(datasets, (list, tuple)):
            raise ValueError(f"datasets must be a list or tuple of names, not {type(datasets).__name__}")
        for name in datasets:
            check_dataset_name(name)
        rows = []
        for i, eg in enumerate(examples):
            if not isinstance(eg, dict) or INPUT_HASH_ATTR not in eg or TASK_HASH_ATTR not in eg:
                raise ValueError(
                    f"Example {i} has no {INPUT_HASH_ATTR}/{TASK_HASH_ATTR}; hash it with set_hashes() first"
                )
            rows.append((int(eg[INPUT_HASH_ATTR]), int(eg[TASK_HASH_ATTR]), _dumps(eg, f"example {i}")))
        with self.backend.transaction():
            ids: List[int] = []
            if not getattr(self.backend, "returning", True):  # SQLite before 3.35: one row at a time
                rows_sql = 'INSERT INTO "example" ("input_hash", "task_hash", "content") VALUES (?, ?, ?)'
                ids = [int(self.backend.execute(rows_sql, row) or 0) for row in rows]
                rows = []
            for chunk in _chunks(rows, INSERT_ROWS):  # one statement per chunk: a round trip on a server database
                values = ", ".join("(?, ?, ?)" for _ in chunk)
                found = self.backend.query(
                    f'INSERT INTO "example" ("input_hash", "task_hash", "content") VALUES {values} RETURNING "id"',
                    [v for row in chunk for v in row],
                )
                ids.extend(sorted(int(r[0]) for r in found))  # ids grow in insertion order
            self._link_all([(name, ids) for name in datasets])

    def link(self, dataset: str, example_ids: Iterable[int]) -> None:
        """Add existing examples (by row id) to a dataset, creating the dataset if needed."""
        self._link_all([(dataset, list(example_ids))])

    def _link_all(self, groups: Sequence[Tuple[str, Sequence[int]]]) -> None:
        """Link examples to datasets (created if needed), in one statement."""
        with self.backend.transaction():
            rows = []
            for dataset, example_ids in groups:
                info = self.add_dataset(dataset)
                rows += [(int(i), info.id) for i in example_ids]
            if rows:
                self.backend.executemany('INSERT INTO "link" ("example_id", "dataset_id") VALUES (?, ?)', rows)

    def unlink(self, dataset: str) -> None:
        """Remove every example from a dataset (the examples themselves stay)."""
        with self.backend.transaction():
            self.backend.execute(
                'DELETE FROM "link" WHERE "dataset_id" IN (SELECT "id" FROM "dataset" WHERE "name" = ?)', (dataset,)
            )

    def iter_dataset_examples(self, name: str, session: bool = False) -> Iterator[Dict[str, Any]]:
        """The dataset's examples in the order they were added, read in pages."""
        info = self._dataset(name)
        if info is None or (session and not info.session):
            return
        last = 0
        while True:
            rows = self.backend.query(
                'SELECT "link"."id", "example"."content" FROM "link" JOIN "example" ON "example"."id" = "link"."example_id" '
                'WHERE "link"."dataset_id" = ? AND "link"."id" > ? ORDER BY "link"."id" LIMIT ?',
                (info.id, last, PAGE),
            )
            if not rows:
                return
            for link_id, content in rows:
                yield _loads(content)
            last = rows[-1][0]

    def get_dataset_examples(self, name: str, session: bool = False) -> List[Dict[str, Any]]:
        """All examples of a dataset (empty if it doesn't exist)."""
        return list(self.iter_dataset_examples(name, session=session))

    def get_dataset(self, name: str, default: Any = None, session: bool = False) -> Any:
        """Legacy name: the dataset's examples, or ``default`` if there is no such dataset."""
        if name not in self:
            return default
        return self.get_dataset_examples(name, session=session)

    def count_dataset(self, name: str, session: bool = False) -> int:
        """How many examples the dataset holds."""
        info = self._dataset(name)
        if info is None or (session and not info.session):
            return 0
        return int(self.backend.query('SELECT COUNT(*) FROM "link" WHERE "dataset_id" = ?', (info.id,))[0][0])

    def get_examples(self, ids: Union[int, Iterable[int]], by: str = "task_hash") -> List[Dict[str, Any]]:
        """Examples whose ``task_hash`` (or ``input_hash``/``id``) is among ``ids``."""
        column = self._by(by)
        values = [ids] if isinstance(ids, int) else list(ids)
        found = []
        for chunk in _chunks(values):
            marks = ",".join("?" * len(chunk))
            rows = self.backend.query(
                f'SELECT "content" FROM "example" WHERE "{column}" IN ({marks}) ORDER BY "id"', chunk
            )
            found.extend(_loads(row[0]) for row in rows)
        return found

    @staticmethod
    def _by(by: str) -> str:
        if by not in BY_COLUMNS:
            raise ValueError(f"Can't look examples up by {by!r}; use one of {', '.join(BY_COLUMNS)}")
        return BY_COLUMNS[by]

    def _hashes(self, column: str, names: Sequence[Any]) -> Set[int]:
        flat: List[str] = []
        for name in names:  # Prodigy takes *names; forum code passes one list
            flat.extend(name if isinstance(name, (list, tuple, set)) else [name])
        if not flat:
            return set()
        marks = ",".join("?" * len(flat))
        rows = self.backend.query(
            f'SELECT DISTINCT "example"."{column}" FROM "example" JOIN "link" ON "link"."example_id" = "example"."id" '
            f'JOIN "dataset" ON "dataset"."id" = "link"."dataset_id" WHERE "dataset"."name" IN ({marks})',
            flat,
        )
        return {int(row[0]) for row in rows}

    def get_input_hashes(self, *names: Any) -> Set[int]:
        """Input hashes of all examples in the named datasets."""
        return self._hashes("input_hash", names)

    def get_task_hashes(self, *names: Any) -> Set[int]:
        """Task hashes of all examples in the named datasets."""
        return self._hashes("task_hash", names)

    def get_dataset_session_ids(self, name: str) -> List[str]:
        """The session datasets that share examples with ``name`` (who annotated it)."""
        rows = self.backend.query(
            'SELECT DISTINCT s."name", s."created", s."id" FROM "dataset" d JOIN "link" l1 ON l1."dataset_id" = d."id" '
            'JOIN "link" l2 ON l2."example_id" = l1."example_id" JOIN "dataset" s ON s."id" = l2."dataset_id" '
            'WHERE d."name" = ? AND s."session" = ? AND s."id" != d."id" ORDER BY s."created", s."id"',
            (name, True),
        )
        return [row[0] for row in rows]

    # -- task assignments (the annotation server's, kept across restarts) ---------------------

    def get_assignments(self, dataset: str) -> List[Tuple[int, int, str, float]]:
        """``(key, task_hash, session id, since)`` of the unanswered tasks sessions hold in ``dataset``'s feed."""
        rows = self.backend.query(
            'SELECT "key", "task_hash", "session", "since" FROM "quotes_assignment" WHERE "dataset" = ?', (dataset,)
        )
        return [(int(k), int(t), str(s), float(w)) for k, t, s, w in rows]

    def set_assignments(self, dataset: str, rows: Sequence[Tuple[int, int, str, float]]) -> None:
        """Record that sessions hold tasks: ``(key, task_hash, session id, since)``, replacing earlier holders."""
        with self.backend.transaction():
            self.backend.executemany(
                'INSERT INTO "quotes_assignment" ("dataset", "key", "task_hash", "session", "since") '
                'VALUES (?, ?, ?, ?, ?) ON CONFLICT ("dataset", "key") DO UPDATE SET "task_hash" = '
                'excluded."task_hash", "session" = excluded."session", "since" = excluded."since"',
                [(dataset, int(k), int(t), s, float(w)) for k, t, s, w in rows],
            )

    def claim_tasks(
        self, dataset: str, rows: Sequence[Tuple[int, int, str, float]], by: str, expired: float
    ) -> Set[int]:
        """Atomically give tasks ``(key, task_hash, session id, since)`` to sessions, as several servers on one
        database need: a task is claimed only if no answer to it is in ``dataset`` (keys are ``by`` hashes:
        ``input_hash`` or ``task_hash``) and no other session holds it since after ``expired``. The keys
        claimed; the others belong to someone else."""
        column = self._by(by)
        keys = [int(k) for k, _, _, _ in rows]
        if not keys:
            return set()
        marks = ",".join("?" * len(keys))
        with self.backend.transaction():
            answered = {
                int(r[0])
                for r in self.backend.query(
                    f'SELECT e."{column}" FROM "example" e JOIN "link" l ON l."example_id" = e."id" '
                    f'JOIN "dataset" d ON d."id" = l."dataset_id" WHERE d."name" = ? AND e."{column}" IN ({marks})',
                    (dataset, *keys),
                )
            }
            free = [r for r in rows if int(r[0]) not in answered]
            if not free:
                return set()
            self.backend.executemany(
                'INSERT INTO "quotes_assignment" ("dataset", "key", "task_hash", "session", "since") '
                'VALUES (?, ?, ?, ?, ?) ON CONFLICT ("dataset", "key") DO UPDATE SET "session" = excluded."session", '
                '"since" = excluded."since", "task_hash" = excluded."task_hash" '
                'WHERE "quotes_assignment"."session" = excluded."session" OR "quotes_assignment"."since" < ?',
                [(dataset, int(k), int(t), sid, float(w), float(expired)) for k, t, sid, w in free],
            )
            sessions = {sid for _, _, sid, _ in free}
            found = self.backend.query(
                f'SELECT "key", "session" FROM "quotes_assignment" WHERE "dataset" = ? AND "key" IN ({marks})',
                (dataset, *keys),
            )
        mine = {int(k): sid for k, _, sid, _ in free}
        return {int(k) for k, sid in found if sid in sessions and mine.get(int(k)) == sid}

    def touch_assignments(self, dataset: str, session: str, since: float) -> None:
        """The session is alive: its tasks' claims are renewed (not taken by another server after a time-out)."""
        self.backend.execute(
            'UPDATE "quotes_assignment" SET "since" = ? WHERE "dataset" = ? AND "session" = ?',
            (float(since), dataset, session),
        )

    def drop_assignments(self, dataset: str, keys: Iterable[int]) -> None:
        """Forget the holders of these tasks (answered, or given back)."""
        values = [int(k) for k in keys]
        with self.backend.transaction():
            for chunk in _chunks(values):
                marks = ",".join("?" * len(chunk))
                self.backend.execute(
                    f'DELETE FROM "quotes_assignment" WHERE "dataset" = ? AND "key" IN ({marks})', (dataset, *chunk)
                )

    # -- deleting -----------------------------------------------------------------------------

    def drop_dataset(self, name: str) -> bool:
        """Delete a dataset and every example no other dataset links to; False if there was none."""
        with self.backend.transaction():
            info = self._dataset(name)
            if info is None:
                return False
            self.backend.execute('DELETE FROM "link" WHERE "dataset_id" = ?', (info.id,))
            self.backend.execute('DELETE FROM "dataset" WHERE "id" = ?', (info.id,))
            self.backend.execute('DELETE FROM "quotes_assignment" WHERE "dataset" = ?', (name,))
            self.backend.execute('DELETE FROM "example" WHERE "id" NOT IN (SELECT "example_id" FROM "link")')
        return True

    def drop_examples(self, ids: Union[int, Iterable[int]], by: str = "task_hash") -> None:
        """Delete examples by task hash (or ``input_hash``/``id``) from every dataset."""
        column = self._by(by)
        values = [ids] if isinstance(ids, int) else list(ids)
        with self.backend.transaction():
            for chunk in _chunks(values):
                marks = ",".join("?" * len(chunk))
                self.backend.execute(
                    f'DELETE FROM "link" WHERE "example_id" IN (SELECT "id" FROM "example" WHERE "{column}" IN ({marks}))',
                    chunk,
                )
                self.backend.execute(f'DELETE FROM "example" WHERE "{column}" IN ({marks})', chunk)

    # -- connection ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection; any later call reconnects."""
        self.backend.close()

    def reconnect(self) -> None:
        """Close and reopen the connection."""
        self.backend.close()
        self.backend.connect()

    def save(self) -> None:
        """Nothing to do: every method commits before it returns (kept for Prodigy's API)."""

    def __repr__(self) -> str:
        return f"<Database {self.db_name} {self.target.location}>"


_INSTANCES: Dict[Any, Database] = {}


def _entry_point_db(db_id: Any) -> Optional[Any]:
    if not isinstance(db_id, str):
        return None
    for ep in metadata.entry_points(group="prodigy_db"):
        if ep.name == db_id:
            return ep.load()
    return None


def connect(db_id: Optional[str] = None, db_settings: Optional[Dict[str, Any]] = None) -> Database:
    """The shared database: ``db_id`` ``"sqlite"`` or a URL (``sqlite:///path.db``), else prodigy.json's ``db``."""
    custom = _entry_point_db(db_id)
    if custom is not None:
        return custom
    if db_id in (None, True, False) or db_settings in (None, True, False):
        config = get_config()
        if db_id in (None, True, False):
            db_id = config.get("db") or "sqlite"
        if db_settings in (None, True, False):
            settings = config.get("db_settings") or {}
            db_settings = settings.get(db_id, {}) if isinstance(settings, dict) else {}
    if not isinstance(db_settings, dict):
        raise QuotesError(
            "db_settings must be a JSON object", f'Got {db_settings!r}; e.g. {{"sqlite": {{"name": "prodigy.db"}}}}.'
        )
    target = resolve_target(db_id, db_settings)
    found = _INSTANCES.get(target.key)
    if found is None:
        found = _INSTANCES[target.key] = Database(open_backend(target))
    return found


def disconnect_all() -> None:
    """Close and forget every shared database (tests call this between cases)."""
    for db in _INSTANCES.values():
        db.close()
    _INSTANCES.clear()
