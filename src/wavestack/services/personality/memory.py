"""Long-term memory, as in Generative Agents: what is worth keeping about the creator is
stored with an importance (1-10), found again by relevance to a question weighed with that
importance and with how recently it was of use (0.995 per hour), merged when two say the
same, and forgotten when it was unimportant, unused and old."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import defer

from wavestack.kernel.clock import as_utc
from wavestack.kernel.errors import NotFound
from wavestack.kernel.uow import UnitOfWork
from wavestack.services.personality.models import Memory
from wavestack.services.personality.schemas import MemoryHit, MemoryKind, MemoryRead
from wavestack.services.personality.settings import PersonalitySettings
from wavestack.services.personality.vectors import VectorIndex, embed, from_bytes, to_bytes

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


class MemoryIndexes:
    """Each organization's vector index, kept per process and rebuilt when a newer memory
    exists (another process added it; this one forgets its index when it removes some).
    A memory another process removed stays in the index until then, and recall skips it."""

    def __init__(self) -> None:
        self._built: dict[str, tuple[datetime | None, VectorIndex]] = {}
        self._lock = threading.Lock()

    def of(self, uow: UnitOfWork, org_id: str) -> VectorIndex:
        """The organization's index as of its memories now."""
        version = uow.session.scalar(
            select(func.max(Memory.created_at)).where(Memory.org_id == org_id)
        )
        with self._lock:
            known = self._built.get(org_id)
        if known is not None and known[0] == version:
            return known[1]
        rows = uow.session.execute(
            select(Memory.id, Memory.vector).where(Memory.org_id == org_id)
        ).all()
        index = VectorIndex([r.id for r in rows], [from_bytes(r.vector) for r in rows])
        with self._lock:
            self._built[org_id] = (version, index)
        return index

    def forget(self, org_id: str) -> None:
        """Rebuild on next use (memories were removed or merged)."""
        with self._lock:
            self._built.pop(org_id, None)


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
    kind: MemoryKind | None = None,
    importance: int | None = None,
) -> MemoryRead:
    """Keep a memory; its kind and importance are worked out from its wording unless given."""
    kind = kind or kind_of(text)
    with uow:
        memory = Memory(
            org_id=org_id,
            text=text,
            kind=kind,
            importance=importance or importance_of(text, kind),
            vector=to_bytes(embed(text)),
        )
        uow.session.add(memory)
        uow.session.flush()
        uow.commit()
        return MemoryRead.model_validate(memory)


def recall(
    uow: UnitOfWork,
    *,
    org_id: str,
    query: str,
    limit: int,
    indexes: MemoryIndexes,
    weights: Weights,
    now: datetime,
) -> list[MemoryHit]:
    """The memories that best answer a question: relevance (cosine), importance and
    recency, each scaled to 0..1 over the candidates and weighed. Recalling one counts as
    using it (it stays recent)."""
    with uow:
        index = indexes.of(uow, org_id)
        nearest = index.search(embed(query), max(CANDIDATES, limit))
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
        hours = np.array(
            [(now - as_utc(m.last_accessed_at)).total_seconds() / 3600 for m, _ in found]
        )
        recency = _scaled(0.995 ** np.maximum(hours, 0))
        importance = _scaled(np.array([m.importance for m, _ in found], dtype=float))
        relevance = _scaled(np.array([score for _, score in found]))
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


def _scaled(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.ones_like(values, dtype=float)


def forget(uow: UnitOfWork, *, org_id: str, memory_id: str, indexes: MemoryIndexes) -> None:
    """Remove one memory."""
    with uow:
        gone = uow.session.execute(
            delete(Memory).where(Memory.org_id == org_id, Memory.id == memory_id)
        )
        if not gone.rowcount:  # type: ignore[attr-defined]
            raise NotFound("no such memory")
        uow.commit()
    indexes.forget(org_id)


def consolidate(uow: UnitOfWork, *, org_id: str, indexes: MemoryIndexes, similarity: float) -> int:
    """Merge memories that say nearly the same (cosine at least `similarity`): the older
    stays, with the higher importance and both uses. Returns how many were merged away."""
    with uow:
        index = indexes.of(uow, org_id)
        memories = list(
            uow.session.scalars(
                select(Memory).where(Memory.org_id == org_id).order_by(Memory.created_at)
            )
        )
        merged: set[str] = set()
        for memory in memories:
            if memory.id in merged:
                continue
            for other_id, score in index.search(from_bytes(memory.vector), 10):
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
    indexes.forget(org_id)
    return len(merged)


def prune(
    uow: UnitOfWork,
    *,
    org_id: str,
    now: datetime,
    indexes: MemoryIndexes,
    settings: PersonalitySettings,
) -> int:
    """Forget what was unimportant, rarely used and not used for `memory_retention_days`.
    Returns how many were forgotten."""
    cutoff = now - timedelta(days=settings.memory_retention_days)
    with uow:
        gone = uow.session.execute(
            delete(Memory).where(
                Memory.org_id == org_id,
                Memory.importance < settings.keep_importance,
                Memory.access_count < settings.keep_uses,
                Memory.last_accessed_at < cutoff,
            )
        )
        uow.commit()
    indexes.forget(org_id)
    return int(gone.rowcount)  # type: ignore[attr-defined]
