"""The AI personality's offline voice: how long learning, generating and answering take.

Builds a creator corpus of `--samples` chat lines (a seeded mix of a streamer's words,
catchphrases and emoji, a third of them answers to a viewer's question), learns it through
the service in batches, then times `--runs` generations of each content type and as many
chat answers (half close to a past question, half not): p50, p95 and max in milliseconds.
The first generation after learning builds the style model; it is reported apart (cold).
Retrieval quality is recall@5 on the tests' labelled set (`tests/data/memory_recall.json`).
Then `--memories` memories are stored in the database and `--runs` recalls timed through
the `--index` (`chroma`: the embedded Chroma `make run` uses; `database`: read into the
process). The first recall builds the organization's index from the database (Chroma's
collection brought in line, or the vectors read): reported apart.

    python bench/ai_personality.py [--samples 5000] [--runs 200] [--memories 100000]
                                   [--index chroma|database] [--embedding hash|minilm]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from wavestack.bootstrap import bootstrap
from wavestack.kernel.clock import utcnow
from wavestack.kernel.config import Settings
from wavestack.migrations.runner import upgrade
from wavestack.services import auth
from wavestack.services.auto_mod import bundled_model
from wavestack.services.personality import memory, service, stores
from wavestack.services.personality.embeddings import embedder
from wavestack.services.personality.models import Memory
from wavestack.services.personality.schemas import (
    ChatRequest,
    GenerateRequest,
    LearnMessage,
    LearnRequest,
)
from wavestack.services.personality.settings import PersonalitySettings
from wavestack.services.personality.stores import MemoryStore
from wavestack.services.personality.vectors import to_bytes

LABELLED = Path(__file__).parent.parent / "tests" / "data" / "memory_recall.json"
WORDS = (  # noqa: SIM905 - a word list
    "ranked grind tonight clutch diamond map squad chat stream clip vibes snacks headset "
    "friday game win loss carry team boss raid loot build patch meta aim rotate push hold "
    "lobby queue season rank climb warmup highlight replay"
).split()
PHRASES = ["lets gooo", "gg ez", "no way", "chat you are the best", "one more game"]
EMOJI = ["🔥", "💎", "😂", "🎮", ""]
QUESTIONS = [
    "what rank are you",
    "when is stream",
    "what game next",
    "best loadout for",
    "tips for",
]


def corpus(count: int, rng: random.Random) -> list[LearnMessage]:
    """A creator's lines, some answering a viewer's question."""
    lines: list[LearnMessage] = []
    for n in range(count):
        words = rng.sample(WORDS, rng.randint(4, 12))
        if rng.random() < 0.4:
            words.insert(rng.randint(0, len(words)), rng.choice(PHRASES))
        text = " ".join(words) + rng.choice(["!", ".", "?", ""]) + " " + rng.choice(EMOJI)
        if n % 3 == 0:
            question = f"{rng.choice(QUESTIONS)} {rng.choice(WORDS)}?"
            lines.append(LearnMessage(role="viewer", message=question))
        lines.append(LearnMessage(role="creator", message=text.strip()))
    return lines


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50, p95 and max, in milliseconds."""
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


def retrieval_quality(container: Any, store: MemoryStore) -> dict[str, float]:
    """recall@5 on the labelled set of the tests: its questions, and those that share no
    word with their memory; memories of a fresh organization, through the store."""
    labelled = json.loads(LABELLED.read_text())
    org = auth.create_organization(container.uow(), auth.OrganizationCreate(name="quality"))
    ids = {
        key: memory.remember(container.uow(), org_id=org.id, text=text, store=store).id
        for key, text in labelled["memories"].items()
    }
    weights = memory.weights_of(PersonalitySettings())
    result = {}
    for name in ("questions", "paraphrases"):
        found = 0
        for question, key in labelled[name].items():
            hits = memory.recall(
                container.uow(),
                org_id=org.id,
                query=question,
                limit=5,
                store=store,
                weights=weights,
                now=utcnow(),
            )
            found += ids[key] in [hit.memory.id for hit in hits]
        result[f"recall_at_5_{name}"] = round(found / len(labelled[name]), 3)
    return result


def recall_timings(
    container: Any, org_id: str, count: int, runs: int, rng: random.Random, store: MemoryStore
) -> dict[str, object]:
    """Store `count` memories (in bulk, embedded by the store's embedding), then time `runs`
    recalls."""
    started = time.perf_counter()
    table = Memory.__table__
    with container.db.engine.begin() as conn:
        for first in range(0, count, 5000):
            texts = [
                " ".join(rng.sample(WORDS, 6)) + f" memory {n}"
                for n in range(first, min(first + 5000, count))
            ]
            rows = []
            for n, (text, vector) in enumerate(
                zip(texts, store.embedder.embed_many(texts), strict=True), start=first
            ):
                kind = memory.kind_of(text)
                rows.append(
                    {
                        "id": f"m{n:08d}",
                        "org_id": org_id,
                        "text": text,
                        "kind": kind,
                        "importance": memory.importance_of(text, kind),
                        "vector": to_bytes(vector),
                        "embedding": store.embedder.name,
                        "access_count": 0,
                        "last_accessed_at": utcnow(),
                        "created_at": utcnow(),
                    }
                )
            conn.execute(table.insert(), rows)
    stored = time.perf_counter() - started
    weights = memory.weights_of(PersonalitySettings())

    def recall() -> float:
        query = " ".join(rng.sample(WORDS, 3))
        begin = time.perf_counter()
        memory.recall(
            container.uow(),
            org_id=org_id,
            query=query,
            limit=5,
            store=store,
            weights=weights,
            now=utcnow(),
        )
        return time.perf_counter() - begin

    cold = recall()
    return {
        "memories": count,
        "memories_stored_s": round(stored, 1),
        "first_recall_ms": round(cold * 1000, 1),
        "recall": percentiles([recall() for _ in range(runs)]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--memories", type=int, default=100_000)
    parser.add_argument("--index", choices=["chroma", "database"], default="chroma")
    parser.add_argument("--embedding", choices=["hash", "minilm"], default="hash")
    args = parser.parse_args()
    rng = random.Random(7)
    settings = PersonalitySettings()
    toxicity = bundled_model().score
    with tempfile.TemporaryDirectory() as tmp:
        container = bootstrap(
            Settings(data_dir=Path(tmp), log_level="WARNING", env="test"), namespace="bench-ai"
        )
        upgrade(container.db.engine)
        index = stores.INDEXES.at(stores.location_of(container.settings, args.index))
        store = stores.MemoryStore(index, embedder(args.embedding))
        org = auth.create_organization(container.uow(), auth.OrganizationCreate(name="bench"))
        lines = corpus(args.samples, rng)
        started = time.perf_counter()
        for first in range(0, len(lines), 1000):
            batch = LearnRequest(data_type="chat", content=lines[first : first + 1000])
            service.learn(
                container.uow(),
                org_id=org.id,
                data=batch,
                settings=settings,
                store=store,
            )
        learned = time.perf_counter() - started
        voices = service.Voices()

        def generate(kind: str) -> float:
            begin = time.perf_counter()
            service.generate(
                container.uow(),
                org_id=org.id,
                data=GenerateRequest(content_type=kind, topic=rng.choice(WORDS)),  # type: ignore[arg-type]
                voices=voices,
                settings=settings,
                toxicity=toxicity,
                now=utcnow(),
                every=timedelta(hours=4),
                platforms=["x"],
                rng=rng,
            )
            return time.perf_counter() - begin

        cold = generate("tweet")
        result: dict[str, object] = {
            "samples": args.samples,
            "runs": args.runs,
            "learn_s": round(learned, 2),
            "first_generation_ms": round(cold * 1000, 1),
        }
        for kind in ("tweet", "caption", "title", "description"):
            result[kind] = percentiles([generate(kind) for _ in range(args.runs)])
        asked = []
        for n in range(args.runs):
            message = (
                f"{rng.choice(QUESTIONS)} {rng.choice(WORDS)}?" if n % 2 else "hello there friend"
            )
            begin = time.perf_counter()
            service.chat(
                container.uow(),
                org_id=org.id,
                data=ChatRequest(user_id="bench", message=message),
                voices=voices,
                settings=settings,
                toxicity=toxicity,
                rng=rng,
            )
            asked.append(time.perf_counter() - begin)
        result["chat"] = percentiles(asked)
        result["index"], result["embedding"] = args.index, args.embedding
        result |= retrieval_quality(container, store)
        result |= recall_timings(container, org.id, args.memories, args.runs, rng, store)
        container.close()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
