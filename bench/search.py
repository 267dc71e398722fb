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

from wavestack.bootstrap import bootstrap
from wavestack.kernel.config import Settings
from wavestack.migrations.runner import upgrade
from wavestack.services import auth
from wavestack.services.social_ingest import service
from wavestack.services.social_ingest.schemas import MessageEvent

EMOTES = ["KEKW", "PogChamp", "LUL", "Kappa", "monkaS", "Sadge", "catJAM", "EZ"]


def vocabulary(rng: random.Random, size: int) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choices(letters, k=rng.randint(3, 9))) for _ in range(size)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--postgres", help="PostgreSQL URL (default: SQLite in a temp dir)")
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
        org = auth.create_organization(
            container.uow(), auth.OrganizationCreate(name=f"bench-{time.time_ns()}")
        )
        start = datetime(2026, 11, 1, tzinfo=UTC)
        began = time.perf_counter()
        for first in range(0, args.messages, 1000):
            batch = []
            for n in range(first, min(first + 1000, args.messages)):
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
        fill = time.perf_counter() - began
        print(f"# filled {args.messages} messages in {fill:.0f} s", flush=True)
        latencies, hits = [], []
        for _ in range(args.queries):
            query = " ".join(rng.choices(words[:2000], k=rng.choice([1, 1, 2])))
            began = time.perf_counter()
            found = service.search_messages(
                container.uow(write=False),
                org_id=org.id,
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
                    "backend": "postgresql" if args.postgres else "sqlite",
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
