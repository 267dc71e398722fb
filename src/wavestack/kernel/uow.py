"""The unit of work: one transaction per use case; events and jobs leave only after it commits."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from sqlalchemy.orm import Session

from wavestack.kernel.db import Database
from wavestack.kernel.messages import Envelope, Event, Job
from wavestack.kernel.outbox import OutboxRecord


class OutboxSink(Protocol):
    """Where committed outbox rows go: the dispatcher of this process."""

    def lease_for_new_rows(self) -> tuple[str, datetime] | None:
        """Return (owner, until) to write new rows already leased, or None to leave them free."""

    def committed(self, records: list[OutboxRecord]) -> None:
        """Take the rows a transaction just committed."""


class UnitOfWork:
    """Wrap one transaction; `publish` and `enqueue` write outbox rows inside it.

    Entering it again while it is open joins the open transaction: a service function called
    by another service's use case reads and writes in the caller's transaction, and only the
    outermost `commit` commits.
    """

    session: Session

    def __init__(
        self, db: Database, *, write: bool = True, outbox: OutboxSink | None = None
    ) -> None:
        self._db = db
        self._write = write
        self._outbox = outbox
        self._records: list[OutboxRecord] = []
        self._depth = 0
        self._committed = False

    def __enter__(self) -> Self:
        if self._depth == 0:
            self.session = self._db.session(write=self._write)
            self._records = []
            self._committed = False
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
            if not self._committed:
                self.session.rollback()
            self.session.close()

    def publish(self, event: Event) -> Envelope:
        """Record an event to be dispatched once this transaction commits."""
        envelope = Envelope.wrap(event)
        self._record(OutboxRecord.for_event(envelope))
        return envelope

    def enqueue(self, job: Job, *, eta: datetime | None = None) -> None:
        """Record a job to be queued once this transaction commits."""
        self._record(OutboxRecord.for_job(job, eta=eta))

    def _record(self, record: OutboxRecord) -> None:
        # Rows written already leased to this process's dispatcher go out right after the
        # commit without a claim; if the process dies first, the lease expires and any
        # dispatcher sends them.
        lease = self._outbox.lease_for_new_rows() if self._outbox is not None else None
        if lease is not None:
            record.lease_owner, record.lease_until = lease
        self.session.add(record)
        self._records.append(record)

    def commit(self) -> None:
        """Commit, then hand what was recorded to the outbox dispatcher."""
        if self._depth > 1:
            return
        self.session.commit()
        self._committed = True
        records, self._records = self._records, []
        if records and self._outbox is not None:
            self._outbox.committed(records)

    def rollback(self) -> None:
        """Roll back and forget recorded messages."""
        self.session.rollback()
        self._committed = False
        self._records = []
