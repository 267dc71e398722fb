"""The publishing scheduler: queue items falling due, claimed and published on `local`.

`--items` queue items (default 10,000) fall due evenly over `--spread` seconds; the scheduler
(polling every `--poll` seconds) claims them and queues one publish job each, which job
worker threads run through the real `local` publisher (media copied, metadata, feed and page
rewritten). With `--worker-processes N` the workers run in N processes of their own (as
`wavestack worker` does) and the scheduler's process runs one worker thread beside it;
otherwise all of it shares one process (as `wavestack up`). It reports the time from each
item's due time to its dispatch (claimed, and its publish job queued in the same commit) and
to the start of its publish job (p50, p99, max), and items published per second over the run.

    python bench/scheduler.py [--items 10000] [--spread 20] [--poll 1.0] [--workers 4]
                              [--worker-processes 0]
                              [--postgres postgresql://... --redis redis://...]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from wavestack.bootstrap import Container, bootstrap
from wavestack.kernel.config import Settings
from wavestack.kernel.ids import new_id
from wavestack.migrations.runner import upgrade
from wavestack.runtime import Role, background_roles
from wavestack.services import auth, cms, content_queue
from wavestack.services.content_queue.models import QueueItem
from wavestack.services.publishing import PublishScheduler
from wavestack.services.publishing.local import LocalPublisher

MEDIA = b"\x00\x00\x00\x18ftypmp42" + bytes(64 * 1024)  # a 64 KiB "video"


Stamps = dict[str, float]  # item id -> wall-clock time


def instrument() -> tuple[Stamps, Stamps]:
    """When each item was dispatched (its claim and job committed) and when its publish
    started, noted by wrapping the scheduler's run and the `local` publisher."""
    dispatched: Stamps = {}
    started: Stamps = {}
    lock = threading.Lock()
    claiming: list[str] = []
    claim_due, run_once, publish = (
        content_queue.claim_due,
        PublishScheduler.run_once,
        LocalPublisher.publish,
    )

    def noted_claim(uow: Any, *, now: datetime, limit: int) -> Any:
        items = claim_due(uow, now=now, limit=limit)
        claiming.extend(item.id for item in items)
        return items

    def timed_run(self: PublishScheduler) -> int:
        count = run_once(self)
        stamp = time.time()
        with lock:
            for item_id in claiming:
                dispatched.setdefault(item_id, stamp)
        claiming.clear()
        return count

    def timed_publish(self: LocalPublisher, item: Any, assets: Any) -> Any:
        with lock:
            started.setdefault(item.id, time.time())
        return publish(self, item, assets)

    content_queue.claim_due = noted_claim  # type: ignore[assignment]
    PublishScheduler.run_once = timed_run  # type: ignore[method-assign]
    LocalPublisher.publish = timed_publish  # type: ignore[method-assign]
    return dispatched, started


def seed(container: Container, count: int, spread: float) -> Stamps:
    """An organization, one stored asset, and `count` items falling due over `spread`
    seconds from three seconds on; their due times."""
    org = auth.create_organization(
        container.uow(), auth.OrganizationCreate(name=f"bench-{time.time_ns()}")
    )
    asset_id = new_id()
    key = cms.asset_key(org_id=org.id, asset_id=asset_id, filename="clip.mp4")
    writer = container.storage.writer(key)
    writer.write(MEDIA)
    writer.commit()
    cms.add_stored_asset(
        container.uow(),
        org_id=org.id,
        asset_id=asset_id,
        project_id=None,
        filename="clip.mp4",
        mime_type="video/mp4",
        size_bytes=len(MEDIA),
        storage_type="local",
        storage_path=key,
    )
    begin = datetime.now(UTC) + timedelta(seconds=3)  # time to start the roles
    due: Stamps = {}
    with container.db.session() as session:
        for n in range(count):
            at = begin + timedelta(seconds=spread * n / count)
            item = QueueItem(
                org_id=org.id,
                project_id=new_id(),
                asset_id=asset_id,
                title=f"Post {n}",
                hashtags=[],
                platforms=["local"],
                schedule_at=at,
                idempotency_key=f"bench-{n}",
                request_hash="-",
            )
            session.add(item)
            session.flush()
            due[item.id] = at.timestamp()
        session.commit()
    return due


def percentiles(name: str, lags: list[float]) -> dict[str, float]:
    """p50, p99 and max of the lags, in seconds."""
    ordered = sorted(max(0.0, lag) for lag in lags)
    return {
        f"{name}_p50_s": round(statistics.median(ordered), 3),
        f"{name}_p99_s": round(ordered[int(len(ordered) * 0.99) - 1], 3),
        f"{name}_max_s": round(ordered[-1], 3),
    }


def work(settings: Settings, namespace: str, started: Stamps, items: int, out: Path) -> None:
    """A worker process (forked: the publisher's instrument is in place): run jobs until
    every item has started somewhere, then hand over its stamps."""
    container = bootstrap(settings, namespace=namespace)
    with background_roles(container, frozenset({Role.worker})):
        deadline = time.time() + 900
        while not out.with_suffix(".stop").exists() and time.time() < deadline:
            out.write_text(json.dumps(started))
            time.sleep(0.5)
    container.close()
    out.write_text(json.dumps(started))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--spread", type=float, default=20.0, help="seconds the due times span")
    parser.add_argument("--poll", type=float, default=1.0, help="scheduler poll interval")
    parser.add_argument("--workers", type=int, default=4, help="job worker threads")
    parser.add_argument("--worker-processes", type=int, default=0, help="worker processes")
    parser.add_argument("--postgres", help="PostgreSQL URL (default: SQLite in a temp dir)")
    parser.add_argument("--redis", help="Redis URL for the job queue (default: SQLite)")
    args = parser.parse_args()
    dispatched, started = instrument()

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp),
            database_url=args.postgres,
            redis_url=args.redis,
            log_level="WARNING",
            env="test",
            worker_threads=args.workers,
        )
        os.environ["WAVESTACK_PUBLISHING_POLL_SECONDS"] = str(args.poll)
        namespace = f"bench-sched-{new_id()[-8:]}"
        container = bootstrap(settings, namespace=namespace)
        upgrade(container.db.engine)
        due = seed(container, args.items, args.spread)
        outs = [Path(tmp) / f"worker-{n}.json" for n in range(args.worker_processes)]
        fork = multiprocessing.get_context("fork")
        children = [
            fork.Process(target=work, args=(settings, namespace, started, args.items, out))
            for out in outs
        ]
        for child in children:
            child.start()
        roles = {Role.scheduler} | ({Role.worker} if not children else set())

        def everywhere() -> dict[str, float]:
            found = dict(started)
            for out in outs:
                with contextlib.suppress(OSError, ValueError):
                    found.update(json.loads(out.read_text()))
            return found

        with background_roles(container, frozenset(roles)):
            deadline = time.time() + args.spread + 600
            while len(everywhere()) < args.items and time.time() < deadline:
                time.sleep(0.2)
            finished = time.time()
        for out, child in zip(outs, children, strict=True):
            out.with_suffix(".stop").touch()
            child.join()
        container.close()
        begun = everywhere()

    result = {
        "items": args.items,
        "published": len(begun),
        "spread_s": args.spread,
        "poll_s": args.poll,
        "workers": args.workers,
        "worker_processes": args.worker_processes,
        "database": "postgresql" if args.postgres else "sqlite",
        "jobs": "redis" if args.redis else "sqlite",
        **percentiles("due_to_dispatch", [dispatched[i] - due[i] for i in dispatched]),
        **percentiles("due_to_start", [begun[i] - due[i] for i in begun]),
        "items_per_s": round(len(begun) / max(finished - min(due.values()), 1e-9), 1),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
