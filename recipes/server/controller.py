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
import re
import threading
import time
from collections import OrderedDict, deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable, Deque, Dict, Iterable, Iterator, List, Optional, Set, Tuple

from ..compat import connect
from ..hashing import INPUT_HASH_ATTR, TASK_HASH_ATTR, set_hashes
from .writer import AnswerWriter

Task = Dict[str, Any]
TOUCH_EVERY = 10.0  # seconds between renewals of a live session's claims (release_after is minutes)
SESSION_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
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
    stored_before: int = 0  # answers in the session's dataset when this run first saw it
    done_count: int = 0  # stream tasks this session answered (overlap progress)
    last_seen: float = 0.0  # when the session last asked for tasks, answered or said it is alive
    revoked: Set[int] = field(default_factory=set)  # _task_hash of tasks it held that went to others
    restored: bool = False  # holds tasks from before a restart and has not come back yet: none is stolen
    touched: float = 0.0  # when its claims in the database were last renewed


@dataclass
class Batch:
    """Answers checked and tagged, waiting for their commit."""

    session: Session
    answers: List[Task]
    keys: List[int]
    to_store: List[Task]
    duplicates: int
    update_result: Any = None
    kept: List[Task] = field(default_factory=list)  # answers to tasks another session answered first


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
        self._restore_assignments()

    @property
    def _persists(self) -> bool:
        """Whether the database keeps who holds which task (our store does; Prodigy's has no such table)."""
        return not self.feed_overlap and self.db is not None and hasattr(self.db, "claim_tasks")

    def _claim(self, sess: Session, tasks: List[Task], now: float) -> Set[int]:
        """Claim tasks for a session in the database (one transaction), so another server on the same database
        never hands them out too; the keys claimed (not those another server's live session holds or that are
        answered there)."""
        if not self._persists or not tasks:
            return {self.key(t) for t in tasks}
        by = "input_hash" if self.exclude_by == "input" else "task_hash"
        rows = [(self.key(t), t[TASK_HASH_ATTR], sess.id, now) for t in tasks]
        return self.db.claim_tasks(self.dataset, rows, by, now - self.release_after)

    def _touch(self, sess: Session, now: float) -> None:
        """Renew the session's claims in the database (at most every ``TOUCH_EVERY`` seconds: each is a commit)."""
        if now - sess.touched >= TOUCH_EVERY:
            sess.touched = now
            self.db.touch_assignments(self.dataset, sess.id, now)

    def _ungive(self, sess: Session, task: Task) -> None:
        key = self.key(task)
        sess.inflight.pop(key, None)
        if self._assigned.get(key) == sess.id:
            del self._assigned[key]
            self._since.pop(key, None)

    def _give(self, sess: Session, task: Task, now: float) -> None:
        """Hand a task to a session (in this server's memory; the database's claim is made by the caller)."""
        key = self.key(task)
        sess.inflight[key] = task
        if not self.feed_overlap:
            self._assigned[key] = sess.id
            self._since[key] = now

    def _restore_assignments(self) -> None:
        """Tasks sessions held when the server last stopped stay theirs until they time out (counted from now)."""
        if not self._persists:
            return
        answered = self._answered if self.config.get("auto_exclude_current", True) else self._hashes(self.dataset)
        rows = self.db.get_assignments(self.dataset)
        done = [key for key, _, _, _ in rows if key in answered]
        if done:
            self.db.drop_assignments(self.dataset, done)
        for key, task_hash, session, _ in rows:
            if key not in answered:
                self._held_early[task_hash] = (session, self._started)

    def _persist(self, rows: List[Tuple[int, int, str, float]], dropped: Iterable[int] = ()) -> None:
        """Write assignment changes (outside the lock: a slow disk holds up no other request)."""
        if not self._persists:
            return
        dropped = list(dropped)
        if rows:
            self.db.set_assignments(self.dataset, rows)
        if dropped:
            self.db.drop_assignments(self.dataset, dropped)

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
                sess = Session(id=sid, name=name, last_seen=time.time())
                if self.db is not None and sid in self.db:
                    count = getattr(self.db, "count_dataset", None)
                    sess.stored_before = count(sid) if count else len(self.db.get_dataset_examples(sid))
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

    def _pull(self, sess: Optional[Session] = None) -> Optional[Task]:
        """The next new task from the stream for ``sess``, skipping excluded and repeated ones and those another
        session held before."""
        for task in self._stream:
            key = self.key(self._hashed(task))
            if not self._counted:
                self._stream_keys.add(key)
            if key in self._pulled or key in self._excluded:
                continue
            if not self.feed_overlap and key in self._answered:
                continue
            self._pulled.add(key)
            self._by_task_hash[task[TASK_HASH_ATTR]] = key
            if not self.feed_overlap and self._hold_early(task, key, sess):
                continue  # held by an open page (from before a restart): not this requester's
            return task
        if not self._stream_done:
            self._stream_finished()
        return None

    def _hold_early(self, task: Task, key: int, sess: Optional[Session]) -> bool:
        """Give a freshly pulled task to the session that held it before (a restart, a page's ``held`` list);
        False when nobody did, or the requester itself did."""
        early = self._held_early.pop(task[TASK_HASH_ATTR], None)
        if early is None or sess is not None and early[0] == sess.id:
            return False
        known = early[0] in self._sessions
        holder = self.get_session(early[0])
        if not known:
            holder.restored = True
        holder.inflight[key] = task
        self._assigned[key] = holder.id
        self._since[key] = early[1]
        return True

    def _next_shared(self, sess: Session) -> Optional[Task]:
        while self._released:
            task = self._released.popleft()
            key = self.key(task)
            if key not in self._answered and key not in self._assigned:
                return task
        task = self._pull(sess)
        if task is None and self.work_stealing:
            task = self._steal(sess)
        return task

    def _steal(self, sess: Session) -> Optional[Task]:
        """An unanswered task another session holds, for an idle one: from the session seen least recently, the
        task it would reach last; a session seen lately keeps the task it has open (its first)."""
        now = time.time()
        others = sorted(
            (o for o in self._sessions.values() if o is not sess and o.inflight and not o.restored),
            key=lambda o: o.last_seen,
        )
        for other in others:
            keys = list(other.inflight)
            live = now - other.last_seen < self.release_after
            for key in reversed(keys[1:] if live else keys):
                if key in self._pending or key in self._answered:
                    continue
                task = other.inflight.pop(key)
                other.revoked.add(task[TASK_HASH_ATTR])
                self._assigned.pop(key, None)
                self._take_over(sess, task, key)
                return task
        return None

    def _expire(self, now: float) -> None:
        """Give back the tasks of sessions that stopped asking ``release_after`` seconds ago, and forget early
        holders that never came back."""
        for other in self._sessions.values():
            if other.inflight and now - other.last_seen >= self.release_after:
                self._give_back(other)
        for k, (_, since) in list(self._held_early.items()):
            if now - since >= self.release_after:
                del self._held_early[k]

    def _give_back(self, sess: Session) -> List[Task]:
        """Move a session's unanswered tasks to the front of the shared queue; its page learns they are stale."""
        returned = list(sess.inflight.values())
        sess.inflight.clear()
        for task in returned:
            key = self.key(task)
            self._assigned.pop(key, None)
            self._since.pop(key, None)
            sess.revoked.add(task[TASK_HASH_ATTR])
        self._released.extendleft(reversed(returned))
        return returned

    def _reclaim(self, sess: Session, held: Iterable[int]) -> List[int]:
        """Make the tasks a page holds its session's again where nobody else has them (after a restart, a
        time-out or the page being hidden); the ``_task_hash`` of those it lost."""
        stale = []
        held = [h for h in held if isinstance(h, int)]
        for task_hash in held:
            if not isinstance(task_hash, int):
                continue
            key = self._by_task_hash.get(task_hash)
            if key is None:  # not pulled yet: keep it for this session when it is
                holder = self._held_early.get(task_hash)
                if holder is not None and holder[0] != sess.id:
                    stale.append(task_hash)
                elif holder is None:
                    self._held_early[task_hash] = (sess.id, time.time())
                continue
            if key in self._answered or key in self._pending:
                continue  # answered (maybe by this page, waiting in its outbox): a duplicate is reported on save
            holder_id = self._assigned.get(key)
            if holder_id == sess.id:
                sess.revoked.discard(task_hash)
                continue
            if holder_id is not None:
                stale.append(task_hash)
                continue
            task = next((t for t in self._released if self.key(t) == key), None)
            if task is None:
                continue
            self._released.remove(task)
            sess.inflight[key] = task
            self._assigned[key] = sess.id
            self._since[key] = time.time()
            self._take_over(sess, task, key)
            sess.revoked.discard(task_hash)
        holding = set(held)
        stale.extend(h for h in sess.revoked if h in holding and h not in stale)  # not held: the page dropped it
        sess.revoked.clear()
        return stale

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

    def _take_over(self, sess: Session, task: Task, key: int) -> None:
        """Record in the database that a task this server holds moves to another of its sessions."""
        if self._persists:
            self.db.set_assignments(self.dataset, [(key, task[TASK_HASH_ATTR], sess.id, time.time())])
        self._owned = task

    def _from_elsewhere(self, sess: Session, n: int, now: float) -> List[Task]:
        """Up to ``n`` tasks another server held, to claim again (its session may have gone quiet or ended)."""
        picked: List[Task] = []
        for _ in range(len(self._elsewhere)):
            if len(picked) >= n:
                break
            task = self._elsewhere.popleft()
            if self.key(task) in self._answered or self.key(task) in self._assigned:
                continue
            self._give(sess, task, now)
            picked.append(task)
        return picked

    def keep_alive(self, session_id: Optional[str] = None, held: Optional[Iterable[int]] = None) -> Dict[str, Any]:
        """A page says it is still open (its tasks are not released) and which tasks it holds; the status, with the
        ``stale`` tasks it should drop (another annotator has them)."""
        with self._lock:
            sess = self.get_session(session_id)
            sess.last_seen, sess.restored = time.time(), False
            if not self.feed_overlap and held is not None:
                sess.revoked.update(self._reclaim(sess, held))
            touch = self._persists
        if touch:
            self._touch(sess, sess.last_seen)
            self._refresh_answered()
        return self.status(session_id)

    def _refresh_answered(self) -> None:
        """Count the answers other servers on the same database stored (at most every ``TOUCH_EVERY`` seconds), so
        progress and "left" are the team's, and a page drops a task someone answered through another server."""
        now = time.time()
        if now - self._refreshed < TOUCH_EVERY:
            return
        self._refreshed = now
        answered = self._hashes(self.dataset)
        total = self.stored()
        with self._lock:
            for key in answered - self._answered - self._pending:
                self._answered.add(key)
                if key in self._todo:
                    self._done_count += 1
                elif self._stream_done:
                    self._outside += 1
                holder = self._assigned.pop(key, None)
                sess = self._sessions.get(holder) if holder else None
                task = sess.inflight.pop(key, None) if sess else None
                if task is not None:
                    sess.revoked.add(task[TASK_HASH_ATTR])
            self._total = max(self._total, total)

    def held_by_others(self, sess: Session) -> int:
        """Unanswered tasks other sessions hold (what an annotator without tasks may still get)."""
        if self.feed_overlap:
            return 0
        held = sum(len(o.inflight) for o in self._sessions.values() if o is not sess)
        return held + sum(1 for holder, _ in self._held_early.values() if holder != sess.id)

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

    def _own_duplicate(self, sess: Session, key: int) -> bool:
        """The session sent this answer before (a retry after a lost reply): nothing new to keep."""
        return key in sess.answered or (sess.id, key) in self._pending or key in self._pending_by.get(sess.id, set())

    def prepare_answers(self, answers: List[Task], session_id: Optional[str] = None) -> Batch:
        """Validate, drop duplicates, tag and run ``update``/``before_db``; reserve the answers' keys."""
        with self._lock:
            sess = self.get_session(session_id)
            sess.last_seen, sess.restored = time.time(), False
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
            kept: List[Task] = []
            keys: List[int] = []
            for answer in answers:
                key = self.key(self._hashed(answer))
                if key in keys or self._duplicate(sess, key) and self._own_duplicate(sess, key):
                    continue
                answer.update(
                    {"_view_id": self.view_id, "_session_id": sess.id, "_annotator_id": sess.id, "_timestamp": now}
                )
                if self._duplicate(sess, key):  # another annotator answered it first: kept in this session's dataset
                    kept.append(answer)
                    continue
                keys.append(key)
                fresh.append(answer)
            update_result = self.update(fresh) if self.update and fresh else None
            to_store = self.before_db(fresh) if self.before_db and fresh else fresh
            self._pending.update((sess.id, k) if self.feed_overlap else k for k in keys)
            self._pending_by.setdefault(sess.id, set()).update(keys)
            return Batch(
                sess,
                fresh,
                keys,
                to_store if self.db is not None else [],
                len(answers) - len(fresh),
                update_result,
                kept if self.db is not None else [],
            )

    def write(self, batch: Batch) -> "Future[None]":
        """Commit a prepared batch (grouped with concurrent ones); the future is done once committed."""
        return self._writer.write(batch.session.id, batch.to_store, batch.kept) if self._writer else _done()

    def release(self, batch: Batch) -> None:
        """Forget the reservation of a batch that could not be stored (the client will send it again)."""
        with self._lock:
            self._pending.difference_update((batch.session.id, k) if self.feed_overlap else k for k in batch.keys)
            self._pending_by.get(batch.session.id, set()).difference_update(batch.keys)

    def finish_answers(self, batch: Batch) -> Dict[str, Any]:
        """Book committed answers: no longer in flight, counted; the figures for the client."""
        with self._lock:
            sess = batch.session
            self._pending_by.get(sess.id, set()).difference_update(batch.keys)
            for key in batch.keys:
                self._pending.discard((sess.id, key) if self.feed_overlap else key)
                if key not in self._answered:
                    self._answered.add(key)
                    if key in self._todo:
                        self._done_count += 1
                    elif self._stream_done:
                        self._outside += 1
                if key not in sess.answered:
                    sess.answered.add(key)
                    if key in self._todo:
                        sess.done_count += 1
                sess.inflight.pop(key, None)
                self._since.pop(key, None)
                holder = self._assigned.pop(key, None)
                if holder and holder != sess.id and holder in self._sessions:
                    other = self._sessions[holder]
                    task = other.inflight.pop(key, None)
                    if task is not None:  # its page still shows it: tell it the task is done
                        other.revoked.add(task[TASK_HASH_ATTR])
            for answer in batch.kept:
                sess.answered.add(self.key(answer))
            sess.total_annotated += len(batch.answers) + len(batch.kept)
            self._total += len(batch.to_store)
            result = {
                "progress": self.progress(sess, batch.answers, batch.update_result),
                "total": self._total,
                "session_total": sess.stored_before + sess.total_annotated,
                "remaining": self._remaining(sess),
                "stored": len(batch.to_store),
                "duplicates": batch.duplicates,
                "kept_in_session": len(batch.kept),
                "stale": sorted(sess.revoked),
                "session_id": sess.id,
            }
        return result  # the answered tasks' claims stay: a claim never wins over an answer, and a restart clears them

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
            if not self.feed_overlap:
                returned = self._give_back(sess)
                for task_hash, (holder, _) in list(self._held_early.items()):
                    if holder == sess.id:
                        del self._held_early[task_hash]
            else:
                returned = list(sess.inflight.values())
                sess.inflight.clear()
                for task in returned:  # it will see them again later, in stream order
                    sess.pos = min(sess.pos, self._buffer.index(task)) if task in self._buffer else sess.pos
            result = {
                "session_id": sess.id,
                "returned": len(returned),
                "total": sess.stored_before + sess.total_annotated,
            }
        if not self.feed_overlap:
            self._persist([], [self.key(t) for t in returned])
        return result

    # -- progress and shutdown -------------------------------------------------------------

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
