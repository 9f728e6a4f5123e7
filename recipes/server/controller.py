"""The feed behind the annotation server: sessions, routing, exclusion and storage of answers.

One :class:`Controller` holds a recipe's components (the dict a Prodigy recipe returns: dataset, stream, view_id, config, ...) and hands tasks to sessions:

* ``feed_overlap: false`` (default): every task goes to exactly one session; a task handed out
  stays with that session until it is answered or the session ends.
* ``feed_overlap: true``: every session sees every task once.

Tasks already answered (``auto_exclude_current``) or present in ``exclude`` datasets are skipped,
compared by input or task hash (``exclude_by``). Answers are committed to the database (target
dataset and session dataset, see :mod:`.writer`) before they are acknowledged, so an
acknowledged answer is never lost; unanswered tasks are simply served again after a restart.
All state is guarded by one lock; the answers' commit happens outside it.
"""

import inspect
import re
import threading
import time
from collections import OrderedDict, deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable, Deque, Dict, Iterable, Iterator, List, Optional, Set

from ..compat import connect
from ..hashing import INPUT_HASH_ATTR, TASK_HASH_ATTR, set_hashes
from .writer import AnswerWriter

Task = Dict[str, Any]
SESSION_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
DEFAULTS: Dict[str, Any] = {
    "feed_overlap": False,
    "batch_size": 10,
    "history_size": 10,
    "exclude_by": "task",
    "auto_exclude_current": True,
    "force_stream_order": False,
    "auto_count_stream": False,
}


class SessionError(Exception):
    """A session that may not annotate (not in PRODIGY_ALLOWED_SESSIONS, bad name)."""


class AnswerError(Exception):
    """Answers the recipe's ``validate_answer`` refused; nothing of the batch was stored."""

    def __init__(self, errors: List[Dict[str, Any]]) -> None:
        self.errors = errors
        super().__init__("; ".join(e["error"] for e in errors))


@dataclass
class Session:
    """One annotator's view of the feed."""

    id: str
    name: Optional[str]
    inflight: "OrderedDict[int, Task]" = field(default_factory=OrderedDict)  # key -> task sent, unanswered
    answered: Set[int] = field(default_factory=set)  # keys this session answered (overlap exclusion)
    pos: int = 0  # overlap mode: next index in the shared buffer
    total_annotated: int = 0  # answers stored in this server run
    done_count: int = 0  # stream tasks this session answered (overlap progress)


@dataclass
class Batch:
    """Answers checked and tagged, waiting for their commit."""

    session: Session
    answers: List[Task]
    keys: List[int]
    to_store: List[Task]
    duplicates: int
    update_result: Any = None


def _done() -> "Future[None]":
    future: "Future[None]" = Future()
    future.set_result(None)
    return future


def allowed_sessions_from_env(value: Optional[str]) -> Optional[List[str]]:
    """Names from ``PRODIGY_ALLOWED_SESSIONS`` ("anna,ben"); None when unset or empty."""
    names = [n.strip() for n in (value or "").split(",") if n.strip()]
    return names or None


class Controller:
    """Serves a recipe's stream to sessions and stores their answers (Prodigy's Controller API)."""

    def __init__(
        self,
        components: Dict[str, Any],
        config: Optional[Dict[str, Any]] = None,
        db: Any = None,
        allowed_sessions: Optional[Iterable[str]] = None,
    ) -> None:
        self.components = components
        self.dataset: str = components["dataset"]
        self.view_id: str = components.get("view_id", "relations")
        self.config: Dict[str, Any] = {**DEFAULTS, **(components.get("config") or {}), **(config or {})}
        self.exclude_by: str = self.config["exclude_by"]
        if self.exclude_by not in ("task", "input"):
            raise ValueError(f'exclude_by must be "task" or "input", not {self.exclude_by!r}')
        self.batch_size = int(self.config["batch_size"])
        self.feed_overlap = bool(self.config["feed_overlap"])
        self.allowed_sessions = set(allowed_sessions) if allowed_sessions else None
        self.update: Optional[Callable] = components.get("update")
        self.before_db: Optional[Callable] = components.get("before_db")
        self.validate_answer: Optional[Callable] = components.get("validate_answer")
        self.on_exit_cb: Optional[Callable] = components.get("on_exit")
        self.progress_cb: Optional[Callable] = components.get("progress")
        self._lock = threading.RLock()
        self.db = db if db is not None else self._connect(components.get("db", True))
        self._sessions: Dict[str, Session] = {}
        get_id = components.get("get_session_id")
        self.default_session_id: str = get_id() if get_id else time.strftime("%Y-%m-%d_%H-%M-%S")
        self._excluded: Set[int] = set()  # keys from `exclude` datasets (never served)
        self._answered: Set[int] = set()  # keys answered in the target dataset
        self._assigned: Dict[int, str] = {}  # no overlap: key -> session holding it
        self._released: Deque[Task] = deque()  # no overlap: tasks given back by ended sessions
        self._pulled: Set[int] = set()  # keys taken from the stream (in-stream duplicates are dropped)
        self._buffer: List[Task] = []  # overlap: every task pulled, in order
        self._stream_keys: Set[int] = set()
        self._stream_done = False
        self._total = 0
        self._load_existing()
        stream = components.get("stream") or []
        self._todo: Set[int] = set()  # stream keys to answer, once the stream is known
        self._done_count = 0  # of _todo answered in the dataset
        self._pending: Set[Any] = set()  # keys (or (session, key) with overlap) being committed
        self._writer = AnswerWriter(self.db, self.dataset) if self.db is not None else None
        if self.config.get("auto_count_stream") or hasattr(stream, "__len__"):
            stream = list(stream)
            self._stream_keys = {self.key(self._hashed(t)) for t in stream}
            self._stream_finished()
            self._counted = True
        else:
            self._counted = False
        self._stream: Iterator[Task] = iter(stream)
        if components.get("on_load"):
            components["on_load"](self)

    # -- setup -----------------------------------------------------------------------------

    @staticmethod
    def _connect(db_setting: Any) -> Any:
        if db_setting is False or db_setting is None:
            return None
        if db_setting is not True:
            return db_setting  # a Database object given by the recipe
        return connect()

    def _hashes(self, *names: str) -> Set[int]:
        if self.db is None:
            return set()
        names = tuple(n for n in names if n in self.db)
        if not names:
            return set()
        get = self.db.get_input_hashes if self.exclude_by == "input" else self.db.get_task_hashes
        return set(get(*names))

    def _load_existing(self) -> None:
        """Read what is already answered, so a restart serves exactly the unanswered tasks."""
        if self.db is None or not self.dataset:
            return
        self.db.add_dataset(self.dataset)
        exclude = [d for d in (self.components.get("exclude") or []) if d != self.dataset]
        self._excluded = self._hashes(*exclude)
        if self.config.get("auto_exclude_current", True):
            self._answered = self._hashes(self.dataset)
        self._total = self.stored()

    def stored(self) -> int:
        """Answers in the target dataset as the database has them (including other writers', such as review's)."""
        if self.db is None or not self.dataset:
            return self._total
        count = getattr(self.db, "count_dataset", None)
        return count(self.dataset) if count else len(self.db.get_dataset_examples(self.dataset))

    # -- hashes ----------------------------------------------------------------------------

    @staticmethod
    def _hashed(task: Task) -> Task:
        if INPUT_HASH_ATTR not in task or TASK_HASH_ATTR not in task:
            set_hashes(task)
        return task

    def key(self, task: Task) -> int:
        """The hash that decides whether two tasks are the same question (``exclude_by``)."""
        return task[INPUT_HASH_ATTR] if self.exclude_by == "input" else task[TASK_HASH_ATTR]

    # -- sessions --------------------------------------------------------------------------

    def session_id_for(self, session: Optional[str]) -> str:
        """The full session id for a name (``anna`` -> ``<dataset>-anna``), or the default session."""
        if not session:
            if self.allowed_sessions is not None:
                raise SessionError(
                    "This server only accepts named sessions: open the page with "
                    f"?session=NAME (one of {', '.join(sorted(self.allowed_sessions))})."
                )
            return self.default_session_id
        if session == self.default_session_id or session in self._sessions:
            return session
        name = session[len(self.dataset) + 1 :] if session.startswith(f"{self.dataset}-") else session
        if not SESSION_NAME.match(name):
            raise SessionError(f"Invalid session name {name!r}: use letters, digits, '.', '_', '-' or '@'.")
        if self.allowed_sessions is not None and name not in self.allowed_sessions:
            raise SessionError(
                f"Session {name!r} is not allowed here (PRODIGY_ALLOWED_SESSIONS: "
                f"{', '.join(sorted(self.allowed_sessions))})."
            )
        return f"{self.dataset}-{name}"

    def get_session(self, session: Optional[str] = None) -> Session:
        """The session for a name or id, created on first use."""
        with self._lock:
            sid = self.session_id_for(session)
            if sid not in self._sessions:
                name = None if sid == self.default_session_id else sid[len(self.dataset) + 1 :]
                sess = Session(id=sid, name=name)
                if self.feed_overlap and self.config.get("auto_exclude_current", True):
                    sess.answered = self._hashes(sid)
                if self._stream_done:
                    sess.done_count = len(self._todo & sess.answered)
                self._sessions[sid] = sess
            return self._sessions[sid]

    @property
    def never_blocks(self) -> bool:
        """True when no call can run recipe code that may be slow (stream already counted, no update)."""
        return self._counted and self.update is None

    @property
    def session_ids(self) -> List[str]:
        """Ids of the sessions seen in this run."""
        return list(self._sessions)

    def get_session_name(self, prefix: str) -> str:
        """``<prefix>-<default session id>`` (Prodigy's helper of the same name)."""
        return f"{prefix}-{self.default_session_id}"

    # -- the feed --------------------------------------------------------------------------

    def _pull(self) -> Optional[Task]:
        """The next new task from the stream, skipping excluded and repeated ones."""
        for task in self._stream:
            key = self.key(self._hashed(task))
            if not self._counted:
                self._stream_keys.add(key)
            if key in self._pulled or key in self._excluded:
                continue
            if not self.feed_overlap and key in self._answered:
                continue
            self._pulled.add(key)
            return task
        if not self._stream_done:
            self._stream_finished()
        return None

    def _next_shared(self) -> Optional[Task]:
        while self._released:
            task = self._released.popleft()
            key = self.key(task)
            if key not in self._answered and key not in self._assigned:
                return task
        return self._pull()

    def _next_for(self, sess: Session) -> Optional[Task]:
        while True:
            if sess.pos >= len(self._buffer):
                task = self._pull()
                if task is None:
                    return None
                self._buffer.append(task)
            task = self._buffer[sess.pos]
            sess.pos += 1
            key = self.key(task)
            if key not in sess.answered and key not in sess.inflight:
                return task

    def get_questions(
        self, session_id: Optional[str] = None, held: Optional[Iterable[int]] = None, n: Optional[int] = None
    ) -> List[Task]:
        """The next batch for a session: lost or (force_stream_order) unanswered tasks first, then new ones.

        ``held`` lists the ``_task_hash`` of tasks the client still has; tasks handed to this session
        but not held are sent again (e.g. the annotator reloaded the page).
        """
        n = n or self.batch_size
        with self._lock:
            sess = self.get_session(session_id)
            if self.config.get("force_stream_order"):
                batch = list(sess.inflight.values())
            elif held is not None:
                keep = set(held)
                batch = [t for t in sess.inflight.values() if t[TASK_HASH_ATTR] not in keep]
            else:
                batch = []
            while len(batch) < n:
                task = self._next_for(sess) if self.feed_overlap else self._next_shared()
                if task is None:
                    break
                key = self.key(task)
                sess.inflight[key] = task
                if not self.feed_overlap:
                    self._assigned[key] = sess.id
                batch.append(task)
            return [dict(t) for t in batch]

    # -- answers ---------------------------------------------------------------------------

    def validate(self, answer: Task) -> Optional[str]:
        """The recipe's ``validate_answer`` message for an answer, or None when it passes."""
        if self.validate_answer is None:
            return None
        try:
            self.validate_answer(answer)
        except Exception as err:  # the recipe's message is meant for the annotator
            return str(err) or err.__class__.__name__
        return None

    def _duplicate(self, sess: Session, key: int) -> bool:
        if self.feed_overlap:
            return key in sess.answered or (sess.id, key) in self._pending
        return key in self._answered or key in self._pending

    def prepare_answers(self, answers: List[Task], session_id: Optional[str] = None) -> Batch:
        """Validate, drop duplicates, tag and run ``update``/``before_db``; reserve the answers' keys."""
        with self._lock:
            sess = self.get_session(session_id)
            errors = []
            for answer in answers:
                if answer.get("answer") not in ("accept", "reject", "ignore"):
                    errors.append(
                        {
                            "_task_hash": answer.get(TASK_HASH_ATTR),
                            "error": f'answer must be "accept", "reject" or "ignore", not {answer.get("answer")!r}',
                        }
                    )
                    continue
                message = self.validate(answer)
                if message:
                    errors.append({"_task_hash": answer.get(TASK_HASH_ATTR), "error": message})
            if errors:
                raise AnswerError(errors)
            now = int(time.time())
            fresh: List[Task] = []
            keys: List[int] = []
            for answer in answers:
                key = self.key(self._hashed(answer))
                if self._duplicate(sess, key) or key in keys:
                    continue
                keys.append(key)
                answer.update(
                    {"_view_id": self.view_id, "_session_id": sess.id, "_annotator_id": sess.id, "_timestamp": now}
                )
                fresh.append(answer)
            update_result = self.update(fresh) if self.update and fresh else None
            to_store = self.before_db(fresh) if self.before_db and fresh else fresh
            self._pending.update((sess.id, k) if self.feed_overlap else k for k in keys)
            return Batch(
                sess, fresh, keys, to_store if self.db is not None else [], len(answers) - len(fresh), update_result
            )

    def write(self, batch: Batch) -> "Future[None]":
        """Commit a prepared batch (grouped with concurrent ones); the future is done once committed."""
        return self._writer.write(batch.session.id, batch.to_store) if self._writer else _done()

    def release(self, batch: Batch) -> None:
        """Forget the reservation of a batch that could not be stored (the client will send it again)."""
        with self._lock:
            self._pending.difference_update((batch.session.id, k) if self.feed_overlap else k for k in batch.keys)

    def finish_answers(self, batch: Batch) -> Dict[str, Any]:
        """Book committed answers: no longer in flight, counted; the figures for the client."""
        with self._lock:
            sess = batch.session
            for key in batch.keys:
                self._pending.discard((sess.id, key) if self.feed_overlap else key)
                if key not in self._answered:
                    self._answered.add(key)
                    if key in self._todo:
                        self._done_count += 1
                if key not in sess.answered:
                    sess.answered.add(key)
                    if key in self._todo:
                        sess.done_count += 1
                sess.inflight.pop(key, None)
                holder = self._assigned.pop(key, None)
                if holder and holder != sess.id and holder in self._sessions:
                    self._sessions[holder].inflight.pop(key, None)
            sess.total_annotated += len(batch.answers)
            self._total += len(batch.to_store)
            return {
                "progress": self.progress(sess, batch.answers, batch.update_result),
                "total": self._total,
                "session_total": sess.total_annotated,
                "remaining": self._remaining(sess),
                "stored": len(batch.to_store),
                "duplicates": batch.duplicates,
                "session_id": sess.id,
            }

    def receive_answers(self, answers: List[Task], session_id: Optional[str] = None) -> Dict[str, Any]:
        """Validate, tag and commit answers; return progress figures once they are in the database."""
        batch = self.prepare_answers(answers, session_id)
        try:
            self.write(batch).result()
        except BaseException:
            self.release(batch)
            raise
        return self.finish_answers(batch)

    def end_session(self, session_id: Optional[str] = None) -> Dict[str, Any]:
        """Give the session's unanswered tasks back to the others (no overlap) and forget its queue."""
        with self._lock:
            sess = self.get_session(session_id)
            returned = list(sess.inflight.values())
            sess.inflight.clear()
            if not self.feed_overlap:
                for task in returned:
                    self._assigned.pop(self.key(task), None)
                self._released.extendleft(reversed(returned))
            else:
                for task in returned:  # it will see them again later, in stream order
                    sess.pos = min(sess.pos, self._buffer.index(task)) if task in self._buffer else sess.pos
            return {"session_id": sess.id, "returned": len(returned), "total": sess.total_annotated}

    # -- progress and shutdown -------------------------------------------------------------

    def progress(
        self, sess: Session, answers: Optional[List[Task]] = None, update_result: Any = None
    ) -> Optional[float]:
        """0..1 from the recipe's ``progress`` callback, else the share of the stream answered (None if unknown)."""
        if self.progress_cb is not None:
            n_params = len(inspect.signature(self.progress_cb).parameters)
            if n_params >= 4:
                return self.progress_cb(self, sess, answers or [], update_result)
            return self.progress_cb(sess.id, self._total)
        if not self._stream_done:
            return None
        if not self._todo:
            return 1.0
        return (sess.done_count if self.feed_overlap else self._done_count) / len(self._todo)

    @property
    def total(self) -> int:
        """Answers in the target dataset."""
        return self._total

    def status(self, session_id: Optional[str] = None) -> Dict[str, Any]:
        """Figures for a session's progress counter."""
        with self._lock:
            sess = self.get_session(session_id)
            return {
                "session_id": sess.id,
                "total": self._total,
                "session_total": sess.total_annotated,
                "progress": self.progress(sess),
                "remaining": self._remaining(sess),
            }

    def _remaining(self, sess: Session) -> Optional[int]:
        """Tasks of the stream not yet answered (by this session with overlap); None while unknown."""
        if not self._stream_done:
            return None
        return len(self._todo) - (sess.done_count if self.feed_overlap else self._done_count)

    def _stream_finished(self) -> None:
        """The whole stream is known: count once what is done, then keep counting per answer."""
        self._stream_done = True
        self._todo = self._stream_keys - self._excluded
        self._done_count = len(self._todo & self._answered)
        for sess in self._sessions.values():
            sess.done_count = len(self._todo & sess.answered)

    def on_exit(self) -> None:
        """Commit what is queued, then run the recipe's ``on_exit(ctrl)`` once the server stops."""
        if self._writer is not None:
            self._writer.close()
        if self.on_exit_cb is not None:
            self.on_exit_cb(self)
