"""The unit of work: one transaction per use case; events and jobs leave only after it commits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session

from wavestack.kernel.db import Database
from wavestack.kernel.messages import Envelope, Event, Job
from wavestack.kernel.outbox import OutboxRecord


class UnitOfWork:
    """Wrap one transaction; `publish` and `enqueue` write outbox rows inside it.

    Entering it again while it is open joins the open transaction: a service function called
    by another service's use case reads and writes in the caller's transaction, and only the
    outermost `commit` commits.
    """

    session: Session

    def __init__(
        self, db: Database, *, write: bool = True, on_commit: Callable[[], None] | None = None
    ) -> None:
        self._db = db
        self._write = write
        self._on_commit = on_commit
        self._pending_outbox = False
        self._depth = 0

    def __enter__(self) -> Self:
        if self._depth == 0:
            self.session = self._db.session(write=self._write)
            self._pending_outbox = False
        self._depth += 1
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth == 0:
            # Anything not committed explicitly is rolled back: all or nothing.
            self.session.rollback()
            self.session.close()

    def publish(self, event: Event) -> Envelope:
        """Record an event to be dispatched once this transaction commits."""
        envelope = Envelope.wrap(event)
        self.session.add(OutboxRecord.for_event(envelope))
        self._pending_outbox = True
        return envelope

    def enqueue(self, job: Job, *, eta: datetime | None = None) -> None:
        """Record a job to be queued once this transaction commits."""
        self.session.add(OutboxRecord.for_job(job, eta=eta))
        self._pending_outbox = True

    def commit(self) -> None:
        """Commit, then wake the outbox dispatcher if anything was recorded."""
        if self._depth > 1:
            return
        self.session.commit()
        if self._pending_outbox and self._on_commit is not None:
            self._pending_outbox = False
            self._on_commit()

    def rollback(self) -> None:
        """Roll back and forget recorded messages."""
        self.session.rollback()
        self._pending_outbox = False
