"""Sessions of the annotation server: who may annotate, each session's view of the feed, and the registry that
names, finds and ends them.
"""

import re
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Set

Task = Dict[str, Any]

SESSION_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


class SessionError(Exception):
    """A session that may not annotate (not in PRODIGY_ALLOWED_SESSIONS, bad name)."""


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


def allowed_sessions_from_env(value: Optional[str]) -> Optional[List[str]]:
    """Names from ``PRODIGY_ALLOWED_SESSIONS`` ("anna,ben"); None when unset or empty."""
    names = [n.strip() for n in (value or "").split(",") if n.strip()]
    return names or None


class SessionRegistry:
    """The sessions of a :class:`~.controller.Controller` (its state, under its lock): names, lookup, liveness, end."""

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
