"""The publishing scheduler: queue items falling due, claimed and published on `local`.

`--items` queue items (default 10,000) fall due evenly over `--spread` seconds; the scheduler
(polling every `--poll` seconds) claims them and queues one publish job each, which job
worker threads run through the real `local` publisher (media copied, metadata, feed and page
rewritten). It reports the time from each item's due time to the start of its publish job
(p50, p99, max) and items published per second over the run.

    python bench/scheduler.py [--items 10000] [--spread 20] [--poll 1.0] [--workers 4]
                              [--postgres postgresql://... --redis redis://...]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from wavestack.bootstrap import bootstrap
from wavestack.kernel.config import Settings
from wavestack.kernel.ids import new_id
from wavestack.migrations.runner import upgrade
from wavestack.runtime import Role, background_roles
from wavestack.services import auth, cms
from wavestack.services.content_queue.models import QueueItem
from wavestack.services.publishing.local import LocalPublisher

MEDIA = b"\x00\x00\x00\x18ftypmp42" + bytes(64 * 1024)  # a 64 KiB "video"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--spread", type=float, default=20.0, help="seconds the due times span")
    parser.add_argument("--poll", type=float, default=1.0, help="scheduler poll interval")
    parser.add_argument("--workers", type=int, default=4, help="job worker threads")
    parser.add_argument("--postgres", help="PostgreSQL URL (default: SQLite in a temp dir)")
    parser.add_argument("--redis", help="Redis URL for the job queue (default: SQLite)")
    args = parser.parse_args()

    started: dict[str, float] = {}  # item id -> when its publish job started (wall clock)
    lock = threading.Lock()
    original = LocalPublisher.publish

    def timed(self: LocalPublisher, item: Any, asset: Any) -> Any:
        with lock:
            started.setdefault(item.id, time.time())
        return original(self, item, asset)

    LocalPublisher.publish = timed  # type: ignore[method-assign]

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
        container = bootstrap(settings, namespace=f"bench-sched-{new_id()[-8:]}")
        upgrade(container.db.engine)
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
        due = {}
        with container.db.session() as session:
            for n in range(args.items):
                at = begin + timedelta(seconds=args.spread * n / args.items)
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

        with background_roles(container, frozenset({Role.scheduler, Role.worker})):
            deadline = time.time() + args.spread + 600
            while len(started) < args.items and time.time() < deadline:
                time.sleep(0.2)
            finished = time.time()
        container.close()

    lags = sorted(max(0.0, started[i] - due[i]) for i in started)
    first_due = min(due.values())
    result = {
        "items": args.items,
        "published": len(started),
        "spread_s": args.spread,
        "poll_s": args.poll,
        "workers": args.workers,
        "database": "postgresql" if args.postgres else "sqlite",
        "jobs": "redis" if args.redis else "sqlite",
        "due_to_start_p50_s": round(statistics.median(lags), 3),
        "due_to_start_p99_s": round(lags[int(len(lags) * 0.99) - 1], 3),
        "due_to_start_max_s": round(lags[-1], 3),
        "items_per_s": round(len(started) / max(finished - first_due, 1e-9), 1),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
