"""Who holds which task: the assignment policy of the annotation server without feed overlap.

A task handed out is claimed by its session (in memory, and in the database so a restart keeps it), renewed while
the page is alive, expired after ``release_after`` seconds of silence, given back when the session ends, and stolen
by an idle annotator once nothing else is left (``allow_work_stealing``; never the task a live holder has open).
"""

import time
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

from ..hashing import TASK_HASH_ATTR
from .sessions import Session

Task = Dict[str, Any]

TOUCH_EVERY = 10.0  # seconds between renewals of a live session's claims (release_after is minutes)


class Assignments:
    """Claims, renewals, expiry and stealing of a :class:`~.controller.Controller`'s tasks (its state, under its lock)."""

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

    def held_by_others(self, sess: Session) -> int:
        """Unanswered tasks other sessions hold (what an annotator without tasks may still get)."""
        if self.feed_overlap:
            return 0
        held = sum(len(o.inflight) for o in self._sessions.values() if o is not sess)
        return held + sum(1 for holder, _ in self._held_early.values() if holder != sess.id)
