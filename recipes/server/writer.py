"""Group commit: answers of concurrent requests are written in one transaction, by one thread.

A commit costs one disk sync whether it holds one answer or fifty. While one commit runs, the
answers that arrive wait for the next one, so throughput grows with the number of annotators
and each request is acknowledged only after its own answers are committed.
"""

import threading
from concurrent.futures import Future
from contextlib import nullcontext
from typing import Any, ContextManager, Dict, List, Optional, Sequence, Set, Tuple

Task = Dict[str, Any]
Job = Tuple[str, List[Task], List[Task], "Future[None]"]  # session id, answers, session-only answers, done


def transaction(db: Any) -> ContextManager[Any]:
    """One transaction on our store (``backend.transaction``) or Prodigy's peewee one (``db.atomic``)."""
    backend = getattr(db, "backend", None)
    if backend is not None and hasattr(backend, "transaction"):
        return backend.transaction()
    peewee_db = getattr(db, "db", None)
    if peewee_db is not None and hasattr(peewee_db, "atomic"):
        return peewee_db.atomic()
    return nullcontext()


class AnswerWriter:
    """Commits ``(session id, answers)`` jobs to the target and session datasets, in groups."""

    def __init__(self, db: Any, dataset: str) -> None:
        self.db = db
        self.dataset = dataset
        self._jobs: List[Job] = []
        self._cond = threading.Condition()
        self._closed = False
        self._sessions: Set[str] = set()  # session datasets known to exist
        self._thread = threading.Thread(target=self._run, name="answer-writer", daemon=True)
        self._thread.start()

    def write(self, session_id: str, answers: List[Task], session_only: Sequence[Task] = ()) -> "Future[None]":
        """A future that is done once ``answers`` (to the target and session datasets) and ``session_only`` (to the
        session dataset alone: another annotator's answer to the same task is already in the target) are
        committed, or failed with the error."""
        future: "Future[None]" = Future()
        if not answers and not session_only or self.db is None:
            future.set_result(None)
            return future
        with self._cond:
            if self._closed:
                raise RuntimeError("the answer writer is closed")
            self._jobs.append((session_id, answers, list(session_only), future))
            self._cond.notify()
        return future

    def _store(self, jobs: List[Job]) -> None:
        for session_id, answers, session_only, _ in jobs:
            if session_id not in self._sessions:
                self.db.add_dataset(session_id, session=True)
                self._sessions.add(session_id)
            if answers:
                self.db.add_examples(answers, datasets=[self.dataset, session_id])
            if session_only:
                self.db.add_examples(session_only, datasets=[session_id])

    def _commit(self, jobs: List[Job]) -> None:
        known = set(self._sessions)
        try:
            with transaction(self.db):
                self._store(jobs)
        except Exception as err:
            self._sessions = known  # datasets created in the rolled-back transaction are gone too
            if len(jobs) == 1:
                jobs[0][3].set_exception(err)
                return
            for job in jobs:  # find the bad job; the others still get stored
                self._commit([job])
            return
        for *_, future in jobs:
            future.set_result(None)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._jobs and not self._closed:
                    self._cond.wait()
                if not self._jobs and self._closed:
                    return
                jobs, self._jobs = self._jobs, []
            self._commit(jobs)

    def close(self, timeout: Optional[float] = 30) -> None:
        """Commit what is queued, then stop the thread."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join(timeout)
