"""The outbox: events leave only after commit, each exactly once per pass, and failures retry."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from sqlalchemy import func, select

from wavestack.bootstrap import bootstrap
from wavestack.kernel.bus import InProcessBus
from wavestack.kernel.jobs import JobQueue, make_huey
from wavestack.kernel.messages import Envelope, Event
from wavestack.kernel.outbox import OutboxDispatcher, OutboxRecord, Subscribers


class ThingHappened(Event):
    event_type: ClassVar[str] = "test.thing_happened"
    n: int


def test_rolled_back_work_sends_nothing(settings: Any, namespace: str) -> None:
    container = bootstrap(settings, immediate_jobs=True, namespace=namespace)
    seen: list[Envelope] = []
    container.bus.listen(seen.append)
    try:
        with container.uow() as uow:
            uow.publish(ThingHappened(org_id="o", n=1))
            # no commit: leaving the block rolls back
        with container.uow() as uow:
            uow.publish(ThingHappened(org_id="o", n=2))
            uow.commit()
        assert [e.data["n"] for e in _wait(seen, 1)] == [2]
    finally:
        container.close()


def _wait(seen: list[Envelope], count: int) -> list[Envelope]:
    import time

    deadline = time.monotonic() + 10
    while len(seen) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return seen


def test_concurrent_dispatchers_send_each_event_once(settings: Any, namespace: str) -> None:
    container = bootstrap(settings, namespace=namespace)
    try:
        with container.uow() as uow:
            for n in range(200):
                uow.publish(ThingHappened(org_id="o", n=n))
            uow.commit()
        received: list[int] = []
        lock = threading.Lock()

        def handler(envelope: Envelope) -> None:
            with lock:
                received.append(int(envelope.data["n"]))

        dispatchers = []
        for _ in range(3):
            subscribers = Subscribers()
            subscribers.add("test.count", {"test.thing_happened"}, handler)
            jobs = JobQueue(make_huey(settings, immediate=True))
            dispatchers.append(
                OutboxDispatcher(container.db, jobs, InProcessBus(), subscribers, batch_size=7)
            )
        threads = [threading.Thread(target=d.dispatch_pending) for d in dispatchers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(received) == list(range(200))
        with container.db.session() as session:
            left = session.scalar(select(func.count()).where(OutboxRecord.dispatched_at.is_(None)))
        assert left == 0
    finally:
        container.close()


def test_a_failed_dispatch_is_retried_later(settings: Any, namespace: str) -> None:
    container = bootstrap(settings, namespace=namespace)
    try:
        with container.uow() as uow:
            uow.publish(ThingHappened(org_id="o", n=1))
            uow.commit()

        class FlakyBus(InProcessBus):
            def publish(self, envelope: Envelope) -> None:
                raise RuntimeError("bus down")

        jobs = JobQueue(make_huey(settings, immediate=True))
        real_enqueue = jobs.enqueue

        def broken(*args: Any, **kwargs: Any) -> str:
            raise ConnectionError("queue down")

        jobs.enqueue = broken  # type: ignore[method-assign]
        subscribers = Subscribers()
        subscribers.add("test.any", {"*"}, lambda e: None)
        dispatcher = OutboxDispatcher(container.db, jobs, FlakyBus(), subscribers)
        assert dispatcher.dispatch_pending() == 0
        with container.db.session() as session:
            row = session.scalars(select(OutboxRecord)).one()
        assert row.attempts == 1
        assert "queue down" in (row.last_error or "")
        assert row.dispatched_at is None
        # Once the queue is back and the back-off has passed, the row goes out.
        jobs.enqueue = real_enqueue  # type: ignore[method-assign]
        with container.db.session() as session:
            session.get(OutboxRecord, row.id).lease_until = None  # type: ignore[union-attr]
            session.commit()
        assert dispatcher.dispatch_pending() == 1
    finally:
        container.close()


def test_purge_keeps_undispatched_and_recent_rows(settings: Any, namespace: str) -> None:
    from datetime import timedelta

    from wavestack.kernel.clock import utcnow

    container = bootstrap(settings, namespace=namespace)
    try:
        with container.uow() as uow:
            for n in range(3):
                uow.publish(ThingHappened(org_id="o", n=n))
            uow.commit()
        with container.db.session() as session:
            rows = list(session.scalars(select(OutboxRecord).order_by(OutboxRecord.id)))
            rows[0].dispatched_at = utcnow() - timedelta(days=8)  # old and sent: goes
            rows[1].dispatched_at = utcnow() - timedelta(hours=1)  # recent: stays
            session.commit()  # rows[2] was never sent: stays
        assert container.dispatcher.purge_dispatched(older_than=timedelta(days=7)) == 1
        with container.db.session() as session:
            left = session.scalar(select(func.count()).select_from(OutboxRecord))
        assert left == 2
    finally:
        container.close()


def test_rows_leased_at_write_go_out_once_and_outlive_a_crash(
    settings: Any, namespace: str
) -> None:
    from datetime import timedelta

    from wavestack.kernel.clock import utcnow

    container = bootstrap(settings, immediate_jobs=True, namespace=namespace)
    seen: list[Envelope] = []
    container.bus.listen(seen.append)
    other = OutboxDispatcher(
        container.db, JobQueue(make_huey(settings, immediate=True)), InProcessBus(), Subscribers()
    )
    try:
        with container.uow() as uow:
            uow.publish(ThingHappened(org_id="o", n=1))
            uow.commit()
        assert [e.data["n"] for e in _wait(seen, 1)] == [1]
        assert other.dispatch_pending() == 0  # sent and marked right after the commit

        # The process dies between the commit and the send: the row stays leased to it.
        container.dispatcher._send_leased = lambda records: None  # type: ignore[method-assign]
        with container.uow() as uow:
            uow.publish(ThingHappened(org_id="o", n=2))
            uow.commit()
        assert other.dispatch_pending() == 0  # another dispatcher respects the lease
        with container.db.session() as session:
            row = session.scalars(
                select(OutboxRecord).where(OutboxRecord.dispatched_at.is_(None))
            ).one()
            assert row.lease_owner is not None
            row.lease_until = utcnow() - timedelta(seconds=1)  # the lease runs out
            session.commit()
        assert other.dispatch_pending() == 1
    finally:
        container.close()
