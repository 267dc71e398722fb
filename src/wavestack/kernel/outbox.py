"""The transactional outbox: rows written with the change, sent after commit, at least once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Row,
    String,
    Table,
    Text,
    bindparam,
    delete,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from wavestack.kernel.bus import LiveBus
from wavestack.kernel.clock import as_utc, utcnow
from wavestack.kernel.db import Base, Database
from wavestack.kernel.ids import new_id
from wavestack.kernel.jobs import JobQueue, RetryPolicy
from wavestack.kernel.logging import get_logger
from wavestack.kernel.messages import Envelope, Job

log = get_logger(__name__)

HANDLE_EVENT_TASK = "kernel.handle_event"
LEASE = timedelta(seconds=30)


class OutboxRecord(Base):
    """One event or job waiting to leave; written in the same transaction as the change."""

    __tablename__ = "kernel_outbox"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(8))  # "event" | "job"
    name: Mapped[str] = mapped_column(String(120))
    org_id: Mapped[str | None] = mapped_column(String(36))
    payload: Mapped[dict[str, Any]]
    eta: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(index=True)
    lease_owner: Mapped[str | None] = mapped_column(String(36))
    lease_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

    @classmethod
    def for_event(cls, envelope: Envelope) -> OutboxRecord:
        """Build the row for an event envelope."""
        return cls(
            id=envelope.id,
            kind="event",
            name=envelope.type,
            org_id=envelope.org_id,
            payload=envelope.model_dump(mode="json"),
        )

    @classmethod
    def for_job(cls, job: Job, *, eta: datetime | None) -> OutboxRecord:
        """Build the row for a job."""
        return cls(
            id=new_id(), kind="job", name=job.job_name, payload=job.model_dump(mode="json"), eta=eta
        )


# The table itself, for the dispatcher's Core statements (no ORM objects on this hot path).
OUTBOX_TABLE = cast(Table, OutboxRecord.__table__)
EventHandler = Callable[[Envelope], None]
EventFilter = Callable[[Envelope], bool]


@dataclass(frozen=True)
class _Subscriber:
    event_types: frozenset[str]
    handler: EventHandler
    wants: EventFilter | None


@dataclass
class Subscribers:
    """Durable event handlers by name; each runs as its own retried job."""

    _subscribers: dict[str, _Subscriber] = field(default_factory=dict)

    def add(
        self,
        name: str,
        event_types: set[str] | frozenset[str],
        handler: EventHandler,
        *,
        wants: EventFilter | None = None,
    ) -> None:
        """Subscribe `handler` to event types (`*` for all) under a unique, stable name.

        `wants` is a cheap check run at dispatch time; when it says no, no job is queued
        (a `*` subscriber would otherwise cost a job for every event).
        """
        if name in self._subscribers:
            raise ValueError(f"subscriber {name!r} registered twice")
        self._subscribers[name] = _Subscriber(frozenset(event_types), handler, wants)

    def matching(self, envelope: Envelope) -> list[str]:
        """Return the names of the subscribers that want an event."""
        return [
            name
            for name, sub in self._subscribers.items()
            if (envelope.type in sub.event_types or "*" in sub.event_types)
            and (sub.wants is None or sub.wants(envelope))
        ]

    def run(self, payload: dict[str, Any]) -> None:
        """Run one subscriber for one envelope (the body of the handle-event job)."""
        self._subscribers[payload["subscriber"]].handler(
            Envelope.model_validate(payload["envelope"])
        )


class OutboxDispatcher:
    """Claims undispatched rows with a lease and routes them to jobs, handlers and the live bus.

    Several dispatchers (API and worker processes) may run at once: a lease taken in one short
    transaction keeps them from sending the same row twice, and an expired lease (a crashed
    process) makes the row claimable again.
    """

    def __init__(
        self,
        db: Database,
        jobs: JobQueue,
        bus: LiveBus,
        subscribers: Subscribers,
        *,
        poll_seconds: float = 0.5,
        batch_size: int = 100,
        handler_policy: RetryPolicy | None = None,
    ) -> None:
        self._db = db
        self._jobs = jobs
        self._bus = bus
        self._subscribers = subscribers
        self._poll = poll_seconds
        self._batch = batch_size
        self._owner = new_id()
        self._wakeup = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._local = threading.local()
        self._build_statements()
        jobs.register(HANDLE_EVENT_TASK, subscribers.run, handler_policy or RetryPolicy(retries=5))

    def lease_for_new_rows(self) -> tuple[str, datetime] | None:
        """Lease rows as they are written when this process sends them right after commit.

        Rows written inside a pass of this thread stay free: that pass claims them next.
        """
        running = self._thread is not None or self._jobs.immediate
        if not running or getattr(self._local, "dispatching", False):
            return None
        return self._owner, utcnow() + LEASE

    def committed(self, records: list[OutboxRecord]) -> None:
        """Send the rows a transaction just committed; free rows wake the dispatch loop."""
        mine = [record for record in records if record.lease_owner == self._owner]
        if mine:
            # The commit is done, so a failing send must not fail the request: the lease
            # expires and the loop sends the rows then.
            try:
                self._send_leased(mine)
            except Exception:
                log.exception("outbox send after commit failed")
        if len(mine) < len(records):
            self.wake()

    def _send_leased(self, records: list[OutboxRecord]) -> None:
        finished = self._route_all(records)
        with self._db.engine.begin() as conn:
            self._mark_dispatched(conn, finished)

    def _route_all(self, rows: Sequence[Row[Any] | OutboxRecord]) -> list[str]:
        """Route rows; return the ids that went out (a failed row backs off and stays)."""
        finished = []
        for row in rows:
            try:
                self._route(row)
                finished.append(row.id)
            except Exception as exc:
                log.exception("outbox dispatch failed", outbox_id=row.id, name=row.name)
                self._record_failure(row.id, row.attempts or 0, exc)
        return finished

    def wake(self) -> None:
        """Dispatch free rows, in the committing thread when nobody else is."""
        if self._thread is None:
            if self._jobs.immediate:
                self.dispatch_pending()
            return
        # Doing the pass here saves handing the GIL to the dispatcher thread and back; when
        # a pass is already running, the thread is woken to make sure it runs once more.
        try:
            if self.dispatch_pending(blocking=False) is not None:
                return
        except Exception:
            log.exception("outbox pass after commit failed")
        self._wakeup.set()

    def _build_statements(self) -> None:
        # Built once with bind parameters: constructing statements per pass costs more
        # than running them.
        table = OUTBOX_TABLE
        pending = (
            select(table.c.id)
            .where(
                table.c.dispatched_at.is_(None),
                or_(table.c.lease_until.is_(None), table.c.lease_until < bindparam("b_now")),
            )
            .order_by(table.c.id)
            .limit(self._batch)
        )
        if self._db.is_postgres:
            pending = pending.with_for_update(skip_locked=True)
        # One statement takes the lease and returns the rows: UPDATE ... RETURNING.
        self._claim_stmt = (
            update(table)
            .where(table.c.id.in_(pending.scalar_subquery()))
            .values(lease_owner=bindparam("b_owner"), lease_until=bindparam("b_until"))
            .returning(
                table.c.id,
                table.c.kind,
                table.c.name,
                table.c.payload,
                table.c.eta,
                table.c.attempts,
            )
        )
        self._mark_stmt = (
            update(table)
            .where(table.c.id.in_(bindparam("b_ids", expanding=True)))
            .values(dispatched_at=bindparam("b_at"), lease_until=None)
        )

    def _claim(self, conn: Connection, now: datetime) -> list[Row[Any]]:
        claimed = conn.execute(
            self._claim_stmt, {"b_now": now, "b_owner": self._owner, "b_until": now + LEASE}
        ).all()
        return sorted(claimed, key=lambda row: str(row.id))

    def _route(self, row: Row[Any] | OutboxRecord) -> None:
        if row.kind == "job":
            eta = as_utc(row.eta) if row.eta is not None else None
            self._jobs.enqueue(row.name, row.payload, eta=eta)
            return
        envelope = Envelope.model_validate(row.payload)
        for name in self._subscribers.matching(envelope):
            self._jobs.enqueue(HANDLE_EVENT_TASK, {"subscriber": name, "envelope": row.payload})
        try:
            self._bus.publish(envelope)
        except Exception:
            # Live listeners are best effort; durable handlers were already queued.
            log.exception("live bus publish failed", event_type=envelope.type)

    def dispatch_pending(self, *, blocking: bool = True) -> int | None:
        """Dispatch everything claimable now; returns how many rows left the outbox.

        With `blocking=False` it returns None at once when another pass is running.
        """
        # A job run inline by this very pass can commit and wake us again: the pass that is
        # already running picks those rows up, so the nested call just returns.
        if getattr(self._local, "dispatching", False):
            return 0
        # One pass at a time per process: passes from several request threads would
        # otherwise each claim a batch and interleave their order.
        if not self._lock.acquire(blocking=blocking):
            return None
        try:
            self._local.dispatching = True
            return self._dispatch_all()
        finally:
            self._local.dispatching = False
            self._lock.release()

    def _dispatch_all(self) -> int:
        sent = 0
        finished: list[str] = []
        while True:
            # Marking the last batch and claiming the next share one transaction.
            with self._db.engine.begin() as conn:
                self._mark_dispatched(conn, finished)
                rows = self._claim(conn, utcnow())
            sent += len(finished)
            finished = self._route_all(rows)
            if len(rows) < self._batch:
                if finished:
                    with self._db.engine.begin() as conn:
                        self._mark_dispatched(conn, finished)
                return sent + len(finished)

    def _mark_dispatched(self, conn: Connection, ids: list[str]) -> None:
        if ids:
            conn.execute(self._mark_stmt, {"b_ids": ids, "b_at": utcnow()})

    def _record_failure(self, row_id: str, attempts: int, exc: Exception) -> None:
        delay = min(2 ** min(attempts, 8), 300)
        with self._db.session() as session:
            session.execute(
                update(OutboxRecord)
                .where(OutboxRecord.id == row_id)
                .values(
                    attempts=OutboxRecord.attempts + 1,
                    last_error=repr(exc)[:2000],
                    lease_until=utcnow() + timedelta(seconds=delay),
                )
            )
            session.commit()

    def purge_dispatched(self, *, older_than: timedelta) -> int:
        """Delete rows dispatched before the cut-off; returns how many."""
        with self._db.session() as session:
            result = session.execute(
                delete(OutboxRecord).where(OutboxRecord.dispatched_at < utcnow() - older_than)
            )
            session.commit()
            return int(getattr(result, "rowcount", 0) or 0)

    def start(self) -> None:
        """Run the dispatch loop in a daemon thread."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="outbox-dispatcher", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.dispatch_pending()
            except Exception:
                log.exception("outbox pass failed")
            self._wakeup.wait(self._poll)
            self._wakeup.clear()

    def stop(self) -> None:
        """Finish the current pass and stop the thread."""
        self._stop.set()
        self._wakeup.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
