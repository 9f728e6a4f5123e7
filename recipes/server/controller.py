"""The feed behind the annotation server: sessions, routing, exclusion and storage of answers.

One :class:`Controller` holds a recipe's components (the dict a Prodigy recipe returns: dataset, stream, view_id, config, ...) and hands tasks to sessions:

* ``feed_overlap: false`` (default): every task goes to exactly one session; a task handed out
  stays with that session until it is answered, the session ends (the page calls ``/end_session``
  when it closes), the session stops asking for ``release_after`` seconds (default 600; the page
  says it is alive every 30 s), or, once nothing else is left, an idle annotator takes it
  (``allow_work_stealing``, default true: the tasks the holder would reach last, never the one a
  live holder has open). Who holds what is kept in the database, so after a restart a task an open
  page holds is not handed to someone else; a page learns which of its tasks went stale.
* ``feed_overlap: true``: every session sees every task once.

Tasks already answered (``auto_exclude_current``) or present in ``exclude`` datasets are skipped,
compared by input or task hash (``exclude_by``). Answers are committed to the database (target
dataset and session dataset, see :mod:`.writer`) before they are acknowledged, so an
acknowledged answer is never lost; unanswered tasks are simply served again after a restart.
All state is guarded by one lock; the answers' commit happens outside it.
"""

import inspect
import threading
import time
from collections import deque
from typing import Any, Callable, Deque, Dict, Iterable, Iterator, List, Optional, Set, Tuple

from ..compat import connect
from ..hashing import TASK_HASH_ATTR
from .answers import AnswerError, AnswerStore, Batch
from .assignment import Assignments
from .sessions import Session, SessionError, SessionRegistry, allowed_sessions_from_env
from .writer import AnswerWriter

__all__ = ["Controller", "AnswerError", "Batch", "Session", "SessionError", "allowed_sessions_from_env"]

Task = Dict[str, Any]
DEFAULTS: Dict[str, Any] = {
    "feed_overlap": False,
    "batch_size": 10,
    "history_size": 10,
    "exclude_by": "task",
    "auto_exclude_current": True,
    "force_stream_order": False,
    "auto_count_stream": False,
    "allow_work_stealing": True,
    "release_after": 600,
}


class Controller(SessionRegistry, Assignments, AnswerStore):
    """Serves a recipe's stream to sessions and stores their answers (Prodigy's Controller API). Its parts, each a
    module: the session registry (:mod:`.sessions`), the assignment policy (:mod:`.assignment`) and the answer store
    (:mod:`.answers`), all working on the state set up here under one lock."""

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
        self.work_stealing = bool(self.config["allow_work_stealing"])
        self.release_after = float(self.config["release_after"])
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
        self._since: Dict[int, float] = {}  # no overlap: key -> when its holder got it
        self._held_early: Dict[int, Tuple[str, float]] = {}  # _task_hash -> (holder, since) of tasks not yet pulled
        self._by_task_hash: Dict[int, int] = {}  # _task_hash -> key of the tasks pulled
        self._elsewhere: Deque[Task] = deque()  # held or answered through another server on the same database
        self._owned: Optional[Task] = None  # the task last taken over with its claim already written (no new claim)
        self._started = time.time()
        self._outside = 0  # answers in the dataset for tasks that are not (or no longer) in the stream
        self._refreshed = time.time()  # when answers stored through other servers were last counted
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
        self._pending_by: Dict[str, Set[int]] = {}  # no overlap: the keys being committed, by session
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

    @staticmethod
    def _connect(db_setting: Any) -> Any:
        if db_setting is False or db_setting is None:
            return None
        if db_setting is not True:
            return db_setting  # a Database object given by the recipe
        return connect()

    def get_questions(
        self, session_id: Optional[str] = None, held: Optional[Iterable[int]] = None, n: Optional[int] = None
    ) -> List[Task]:
        """The next batch for a session: lost or (force_stream_order) unanswered tasks first, then new ones.

        ``held`` lists the ``_task_hash`` of tasks the client still has: tasks handed to this session but
        not held are sent again (the annotator reloaded the page); held tasks nobody else has become this
        session's again (after a restart); :meth:`stale` then tells which held tasks it lost.
        """
        n = n or self.batch_size
        with self._lock:
            sess = self.get_session(session_id)
            now = time.time()
            sess.last_seen, sess.restored = now, False
            if not self.feed_overlap:
                self._expire(now)
                if held is not None:
                    sess.revoked.update(self._reclaim(sess, held))
            if self.config.get("force_stream_order"):
                batch = list(sess.inflight.values())
            elif held is not None:
                keep = set(held)
                batch = [t for t in sess.inflight.values() if t[TASK_HASH_ATTR] not in keep]
            else:
                batch = []
            claims: List[Task] = []
            while len(batch) + len(claims) < n:
                task = self._next_for(sess) if self.feed_overlap else self._next_shared(sess)
                if task is None:
                    break
                owned, self._owned = task is self._owned, None
                self._give(sess, task, now)
                (batch if owned or self.feed_overlap or not self._persists else claims).append(task)
            if not batch and not claims and self._elsewhere:  # what another server held: free again?
                claims = self._from_elsewhere(sess, n, now)
        if self._persists and held is not None:  # the page is alive: its claims are renewed
            self._touch(sess, now)
            self._refresh_answered()
        if claims:  # the database's claim, outside the lock: other requests go on meanwhile
            claimed = self._claim(sess, claims, now)
            with self._lock:
                for task in claims:
                    if self.key(task) in claimed:
                        batch.append(task)
                    else:  # another server's session has it, or answered it
                        self._ungive(sess, task)
                        self._elsewhere.append(task)
        with self._lock:
            return [dict(t) for t in batch]

    def progress(
        self, sess: Session, answers: Optional[List[Task]] = None, update_result: Any = None
    ) -> Optional[float]:
        """0..1 from the recipe's ``progress`` callback, else the share of the work answered (None while the stream
        is not known to its end). The work is the stream's tasks plus every task answered in the dataset, so the
        figure is the same before and after a restart, when the recipe's stream skips what is answered."""
        if self.progress_cb is not None:
            n_params = len(inspect.signature(self.progress_cb).parameters)
            if n_params >= 4:
                return self.progress_cb(self, sess, answers or [], update_result)
            return self.progress_cb(sess.id, self._total)
        counts = self._work(sess)
        if counts is None:
            return None
        done, total = counts
        return done / total if total else 1.0

    def _work(self, sess: Session) -> Optional[Tuple[int, int]]:
        """(answered, all) tasks of the work: the whole dataset's, or with overlap this session's."""
        if not self._stream_done:
            return None
        if self.feed_overlap:
            outside = len(sess.answered - self._todo)
            return sess.done_count + outside, len(self._todo) + outside
        return self._done_count + self._outside, len(self._todo) + self._outside

    @property
    def total(self) -> int:
        """Answers in the target dataset."""
        return self._total

    def status(self, session_id: Optional[str] = None) -> Dict[str, Any]:
        """Figures for a session's progress counter, as the database has them (the same after a restart)."""
        with self._lock:
            sess = self.get_session(session_id)
            work = self._work(sess)
            return {
                "session_id": sess.id,
                "total": self._total,
                "session_total": sess.stored_before + sess.total_annotated,
                "progress": self.progress(sess),
                "remaining": self._remaining(sess),
                "work_total": work[1] if work else None,
                "held_by_others": self.held_by_others(sess),
                "stale": sorted(sess.revoked),
            }

    def nothing_to_do(self) -> Optional[str]:
        """Why no session could get a task (an empty source, or every task answered), or None; known only for a
        counted stream."""
        if not self._stream_done or self._stream_keys - self._excluded and self.feed_overlap:
            return None
        if not self._stream_keys and not self._answered:
            return "the source holds no texts"
        if not self.feed_overlap and len(self._todo) - self._done_count <= 0:
            return f"every task is answered already ({self._done_count + self._outside} in dataset '{self.dataset}')"
        return None

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
        self._outside = len(self._answered - self._todo)
        for sess in self._sessions.values():
            sess.done_count = len(self._todo & sess.answered)

    def on_exit(self) -> None:
        """Commit what is queued, then run the recipe's ``on_exit(ctrl)`` once the server stops."""
        if self._writer is not None:
            self._writer.close()
        if self.on_exit_cb is not None:
            self.on_exit_cb(self)
