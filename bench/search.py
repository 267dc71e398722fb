"""Full-text search over stored chat: p50/p95 of `search_messages` over N messages.

Fills a fresh database (SQLite in a temp dir, or `--postgres URL`) through the ingest use case
in batches of 1000, then runs one- and two-word queries drawn from the same vocabulary.

    python bench/search.py --messages 1000000 [--postgres postgresql://...]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from wavestack.bootstrap import Container, bootstrap
from wavestack.kernel.config import Settings
from wavestack.migrations.runner import upgrade
from wavestack.services import auth
from wavestack.services.social_ingest import service
from wavestack.services.social_ingest.schemas import MessageEvent

EMOTES = ["KEKW", "PogChamp", "LUL", "Kappa", "monkaS", "Sadge", "catJAM", "EZ"]


def vocabulary(rng: random.Random, size: int) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choices(letters, k=rng.randint(3, 9))) for _ in range(size)]


def fill(
    container: Container,
    messages: int,
    words: list[str],
    cumulative: list[float],
    rng: random.Random,
) -> str:
    """Store generated chat through the ingest use case; returns the organization's id."""
    org = auth.create_organization(
        container.uow(), auth.OrganizationCreate(name=f"bench-{time.time_ns()}")
    )
    start = datetime(2026, 11, 1, tzinfo=UTC)
    began = time.perf_counter()
    for first in range(0, messages, 1000):
        batch = []
        for n in range(first, min(first + 1000, messages)):
            count = rng.randint(2, 12)
            text = " ".join(rng.choices(words, cum_weights=cumulative, k=count))
            if rng.random() < 0.3:
                text += " " + rng.choice(EMOTES)
            batch.append(
                MessageEvent.model_validate(
                    {
                        "id": f"m{n}",
                        "platform": rng.choice(["twitch", "discord", "youtube"]),
                        "channel": {"id": f"c{n % 20}"},
                        "author": {"id": f"u{n % 10_000}", "name": f"viewer{n % 10_000}"},
                        "text": text,
                        "ts": (start + timedelta(seconds=n)).isoformat(),
                    }
                )
            )
        service.ingest(container.uow(), org_id=org.id, events=batch)
    print(f"# filled {messages} messages in {time.perf_counter() - began:.0f} s", flush=True)
    return org.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--postgres", help="PostgreSQL URL (default: SQLite in a temp dir)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="search what an earlier run stored at --postgres (any database URL) again",
    )
    args = parser.parse_args()
    rng = random.Random(42)
    words = vocabulary(rng, 20_000)
    # Zipf-like: a few words are everywhere, most are rare, as in chat.
    cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(words))))
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp), database_url=args.postgres, log_level="WARNING", env="test"
        )
        container = bootstrap(settings, immediate_jobs=True, namespace="bench-search")
        upgrade(container.db.engine)
        if args.reuse:
            org_id = auth.oldest_organization_id(container.uow(write=False))
            if org_id is None:
                raise SystemExit("nothing stored to search at that URL")
        else:
            org_id = fill(container, args.messages, words, cumulative, rng)
        if container.db.is_postgres:
            # What autovacuum does after a bulk load: the planner needs the word statistics.
            with container.db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE social_ingest_messages")
        latencies, hits = [], []
        asking = random.Random(7)  # the same queries whether the messages were stored now or not
        for _ in range(args.queries):
            query = " ".join(asking.choices(words[:2000], k=asking.choice([1, 1, 2])))
            began = time.perf_counter()
            found = service.search_messages(
                container.uow(write=False),
                org_id=org_id,
                q=query,
                platform=None,
                channel_id=None,
                limit=50,
            )
            latencies.append((time.perf_counter() - began) * 1000)
            hits.append(found.count)
        cut = statistics.quantiles(latencies, n=100)
        print(
            json.dumps(
                {
                    "backend": container.db.engine.dialect.name,
                    "messages": args.messages,
                    "queries": args.queries,
                    "p50_ms": round(cut[49], 2),
                    "p95_ms": round(cut[94], 2),
                    "max_ms": round(max(latencies), 2),
                    "mean_hits": round(statistics.fmean(hits), 1),
                }
            )
        )
        container.close()


if __name__ == "__main__":
    main()
