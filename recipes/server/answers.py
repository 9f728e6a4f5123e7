"""The answers of the annotation server: checked, tagged, committed to the database before they are acknowledged,
and counted.
"""

import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Set

from ..hashing import INPUT_HASH_ATTR, TASK_HASH_ATTR, set_hashes
from .assignment import TOUCH_EVERY
from .sessions import Session

Task = Dict[str, Any]


class AnswerError(Exception):
    """Answers the recipe's ``validate_answer`` refused; nothing of the batch was stored."""

    def __init__(self, errors: List[Dict[str, Any]]) -> None:
        self.errors = errors
        super().__init__("; ".join(e["error"] for e in errors))


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


class AnswerStore:
    """Validation, deduplication and commit of a :class:`~.controller.Controller`'s answers (its state, under its
    lock; the commit itself outside it)."""

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

    def stored(self) -> int:
        """Answers in the target dataset as the database has them (including other writers', such as review's)."""
        if self.db is None or not self.dataset:
            return self._total
        count = getattr(self.db, "count_dataset", None)
        return count(self.dataset) if count else len(self.db.get_dataset_examples(self.dataset))

    @staticmethod
    def _hashed(task: Task) -> Task:
        if INPUT_HASH_ATTR not in task or TASK_HASH_ATTR not in task:
            set_hashes(task)
        return task

    def key(self, task: Task) -> int:
        """The hash that decides whether two tasks are the same question (``exclude_by``)."""
        return task[INPUT_HASH_ATTR] if self.exclude_by == "input" else task[TASK_HASH_ATTR]

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
