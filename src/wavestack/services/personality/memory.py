"""Long-term memory, as in Generative Agents: what is worth keeping about the creator is
stored with an importance (1-10), found again by relevance to a question weighed with that
importance and with how recently it was of use (0.995 per hour), merged when two say the
same, and forgotten when it was unimportant, unused and old."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import defer

from wavestack.kernel.clock import as_utc
from wavestack.kernel.errors import NotFound
from wavestack.kernel.uow import UnitOfWork
from wavestack.services.personality.embeddings import Embedder
from wavestack.services.personality.models import Memory
from wavestack.services.personality.schemas import MemoryHit, MemoryKind, MemoryRead
from wavestack.services.personality.settings import PersonalitySettings
from wavestack.services.personality.stores import MemoryStore
from wavestack.services.personality.vectors import from_bytes, to_bytes

BASE_IMPORTANCE = {"fact": 7, "preference": 8, "event": 6, "relationship": 9, "other": 5}
EMPHASIS = re.compile(r"\b(always|never|favou?rite|love|hate|remember)\b", re.IGNORECASE)
KINDS: list[tuple[MemoryKind, re.Pattern[str]]] = [
    (
        "relationship",
        re.compile(
            r"\b(my|our) (friend|best friend|brother|sister|mom|mum|dad|wife|husband|"
            r"girlfriend|boyfriend|partner|teammate|duo|cat|dog)\b",
            re.IGNORECASE,
        ),
    ),
    ("preference", re.compile(r"\b(love|like|prefer|favou?rite|hate|enjoy)\b", re.IGNORECASE)),
    (
        "event",
        re.compile(
            r"\b(yesterday|today|tonight|tomorrow|last (week|month|year|night)|next "
            r"(week|month|year)|on (monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b",
            re.IGNORECASE,
        ),
    ),
    ("fact", re.compile(r"\b(i am|i'm|i have|i've|my \w+ is|i live|i work)\b", re.IGNORECASE)),
]
CANDIDATES = 50  # nearest by relevance, then weighed with recency and importance


def kind_of(text: str) -> MemoryKind:
    """What a statement is about, by its wording."""
    for kind, pattern in KINDS:
        if pattern.search(text):
            return kind
    return "other"


def importance_of(text: str, kind: MemoryKind) -> int:
    """The base of its kind, one more per emphasis word (always, never, favorite...), at
    most 10."""
    return min(BASE_IMPORTANCE[kind] + len(EMPHASIS.findall(text)), 10)


@dataclass(frozen=True)
class Weights:
    """How much each part of the score counts."""

    recency: float
    importance: float
    relevance: float


def weights_of(settings: PersonalitySettings) -> Weights:
    """The retrieval weights of the settings."""
    return Weights(settings.recency_weight, settings.importance_weight, settings.relevance_weight)


def remember(
    uow: UnitOfWork,
    *,
    org_id: str,
    text: str,
    store: MemoryStore,
    kind: MemoryKind | None = None,
    importance: int | None = None,
) -> MemoryRead:
    """Keep a memory; its kind and importance are worked out from its wording unless given."""
    kind = kind or kind_of(text)
    vector = store.embedder.embed(text)
    with uow:
        memory = Memory(
            org_id=org_id,
            text=text,
            kind=kind,
            importance=importance or importance_of(text, kind),
            vector=to_bytes(vector),
            embedding=store.embedder.name,
        )
        uow.session.add(memory)
        uow.session.flush()
        store.added(org_id, memory.id, vector)
        uow.commit()
        return MemoryRead.model_validate(memory)


def recall(
    uow: UnitOfWork,
    *,
    org_id: str,
    query: str,
    limit: int,
    store: MemoryStore,
    weights: Weights,
    now: datetime,
) -> list[MemoryHit]:
    """The memories that best answer a question: relevance (cosine), importance (1-10, as
    a tenth) and recency (0.995 per hour since last used), weighed. Recalling one counts as
    using it (it stays recent)."""
    with uow:
        nearest = store.search(uow, org_id, store.embedder.embed(query), max(CANDIDATES, limit))
        nearest = [(memory_id, score) for memory_id, score in nearest if score > 0]
        if not nearest:
            return []
        # Looked up by primary key alone (with the organization in the condition, SQLite
        # would walk the organization's whole index instead); the check follows.
        rows = {
            m.id: m
            for m in uow.session.scalars(
                select(Memory)
                .options(defer(Memory.vector))
                .where(Memory.id.in_([i for i, _ in nearest]))
            )
            if m.org_id == org_id
        }
        found = [(rows[i], score) for i, score in nearest if i in rows]
        # Each part on its own scale, 0 to 1: rescaling them to the candidates' range (as
        # Generative Agents does) would make a millisecond's difference in recency decide.
        hours = np.array(
            [(now - as_utc(m.last_accessed_at)).total_seconds() / 3600 for m, _ in found]
        )
        recency = 0.995 ** np.maximum(hours, 0)
        importance = np.array([m.importance for m, _ in found], dtype=float) / 10
        relevance = np.clip(np.array([score for _, score in found]), 0, 1)
        scores = (
            weights.recency * recency
            + weights.importance * importance
            + weights.relevance * relevance
        )
        best = np.argsort(-scores)[:limit]
        hits = []
        for n in best:
            memory, similarity = found[int(n)]
            memory.access_count += 1
            memory.last_accessed_at = now
            hits.append(
                MemoryHit(
                    memory=MemoryRead.model_validate(memory),
                    score=round(float(scores[n]), 4),
                    relevance=round(similarity, 4),
                )
            )
        uow.commit()
        return hits


def latest(uow: UnitOfWork, *, org_id: str, limit: int) -> list[MemoryHit]:
    """The most recently used memories (a recall without a question: nothing counts as
    used)."""
    with uow:
        rows = uow.session.scalars(
            select(Memory)
            .options(defer(Memory.vector))
            .where(Memory.org_id == org_id)
            .order_by(Memory.last_accessed_at.desc(), Memory.created_at.desc())
            .limit(limit)
        )
        return [
            MemoryHit(memory=MemoryRead.model_validate(m), score=0.0, relevance=0.0) for m in rows
        ]


def forget(uow: UnitOfWork, *, org_id: str, memory_id: str, store: MemoryStore) -> None:
    """Remove one memory."""
    with uow:
        gone = uow.session.execute(
            delete(Memory).where(Memory.org_id == org_id, Memory.id == memory_id)
        )
        if not gone.rowcount:  # type: ignore[attr-defined]
            raise NotFound("no such memory")
        uow.commit()
    store.removed(org_id, [memory_id])


def consolidate(uow: UnitOfWork, *, org_id: str, store: MemoryStore, similarity: float) -> int:
    """Merge memories that say nearly the same (cosine at least `similarity`): the older
    stays, with the higher importance and both uses. Returns how many were merged away."""
    with uow:
        memories = list(
            uow.session.scalars(
                select(Memory)
                .where(Memory.org_id == org_id, Memory.embedding == store.embedder.name)
                .order_by(Memory.created_at)
            )
        )
        merged: set[str] = set()
        for memory in memories:
            if memory.id in merged:
                continue
            for other_id, score in store.search(uow, org_id, from_bytes(memory.vector), 10):
                if other_id == memory.id or other_id in merged or score < similarity:
                    continue
                other = uow.session.get(Memory, other_id)
                if other is None or as_utc(other.created_at) < as_utc(memory.created_at):
                    continue
                memory.importance = max(memory.importance, other.importance)
                memory.access_count += other.access_count
                memory.last_accessed_at = max(
                    as_utc(memory.last_accessed_at), as_utc(other.last_accessed_at)
                )
                uow.session.delete(other)
                merged.add(other_id)
        uow.commit()
    store.removed(org_id, sorted(merged))
    return len(merged)


def prune(
    uow: UnitOfWork,
    *,
    org_id: str,
    now: datetime,
    store: MemoryStore,
    settings: PersonalitySettings,
) -> int:
    """Forget what was unimportant, rarely used and not used for `memory_retention_days`.
    Returns how many were forgotten."""
    cutoff = now - timedelta(days=settings.memory_retention_days)
    with uow:
        gone = list(
            uow.session.scalars(
                delete(Memory)
                .where(
                    Memory.org_id == org_id,
                    Memory.importance < settings.keep_importance,
                    Memory.access_count < settings.keep_uses,
                    Memory.last_accessed_at < cutoff,
                )
                .returning(Memory.id)
            )
        )
        uow.commit()
    store.removed(org_id, gone)
    return len(gone)


def reembed(
    uow: Callable[..., UnitOfWork],
    *,
    embedder: Embedder,
    batch: int = 256,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Give every memory (of every organization) made with another embedding a vector of
    `embedder`'s; returns how many. Each batch commits on its own, so a run that was stopped
    goes on where it was. (A running install's Chroma index notices within a minute.)"""
    other = Memory.embedding != embedder.name
    with uow(write=False) as counting:
        total = counting.session.scalar(select(func.count()).select_from(Memory).where(other))
    done = 0
    while True:
        with uow() as work:
            rows = list(
                work.session.scalars(
                    select(Memory).options(defer(Memory.vector)).where(other).limit(batch)
                )
            )
            if not rows:
                return done
            vectors = embedder.embed_many([m.text for m in rows])
            for row, vector in zip(rows, vectors, strict=True):
                row.vector = to_bytes(vector)
                row.embedding = embedder.name
            work.commit()
        done += len(rows)
        if progress is not None:
            progress(done, max(total or 0, done))
