"""Long-term memory, as in Generative Agents: what is worth keeping about the creator is
stored with an importance (1-10), found again by relevance to a question weighed with that
importance and with how recently it was of use (0.995 per hour), merged when two say the
same, and forgotten when it was unimportant, unused and old."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import urlsplit

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import defer

from wavestack.kernel.clock import as_utc
from wavestack.kernel.errors import NotFound
from wavestack.kernel.uow import UnitOfWork
from wavestack.services.personality.models import Memory
from wavestack.services.personality.schemas import MemoryHit, MemoryKind, MemoryRead
from wavestack.services.personality.settings import PersonalitySettings
from wavestack.services.personality.vectors import (
    Vector,
    VectorIndex,
    embed,
    from_bytes,
    to_bytes,
)

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


class MemoryStore(Protocol):
    """Where memory vectors are searched."""

    def search(
        self, uow: UnitOfWork, org_id: str, vector: Vector, k: int
    ) -> list[tuple[str, float]]:
        """The `k` nearest memories of the organization: id and cosine similarity."""

    def added(self, org_id: str, memory_id: str, vector: Vector) -> None:
        """A memory was stored (called inside its transaction: a failure undoes it)."""

    def removed(self, org_id: str, memory_ids: list[str]) -> None:
        """Memories were forgotten."""


class LocalStore:
    """Vectors kept in the database and searched in this process: each organization's
    index is rebuilt when a newer memory exists (another process added it; this one
    forgets its index when it removes some). A memory another process removed stays in the
    index until then, and recall skips it."""

    def __init__(self) -> None:
        self._built: dict[str, tuple[datetime | None, VectorIndex]] = {}
        self._lock = threading.Lock()

    def search(
        self, uow: UnitOfWork, org_id: str, vector: Vector, k: int
    ) -> list[tuple[str, float]]:
        return self._index(uow, org_id).search(vector, k)

    def _index(self, uow: UnitOfWork, org_id: str) -> VectorIndex:
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

    def added(self, org_id: str, memory_id: str, vector: Vector) -> None:
        pass  # the next search sees a newer memory and rebuilds

    def removed(self, org_id: str, memory_ids: list[str]) -> None:
        with self._lock:
            self._built.pop(org_id, None)


class ChromaStore:
    """Vectors in a Chroma server (`WAVESTACK_CHROMA_URL`): one collection, each vector
    tagged with its organization, searched by cosine with the organization as a filter."""

    COLLECTION = "wavestack_memories"

    def __init__(self, url: str) -> None:
        import chromadb  # only with a Chroma server configured
        from chromadb.config import Settings as ChromaSettings

        parts = urlsplit(url)
        client = chromadb.HttpClient(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or (443 if parts.scheme == "https" else 8000),
            ssl=parts.scheme == "https",
            settings=ChromaSettings(anonymized_telemetry=False),
        )
        self._collection = client.get_or_create_collection(
            self.COLLECTION, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )

    def search(
        self, uow: UnitOfWork, org_id: str, vector: Vector, k: int
    ) -> list[tuple[str, float]]:
        found = self._collection.query(
            query_embeddings=[vector.tolist()],
            n_results=k,
            where={"org_id": org_id},
            include=["distances"],
        )
        distances = (found.get("distances") or [[]])[0]
        return [(str(i), 1.0 - float(d)) for i, d in zip(found["ids"][0], distances, strict=True)]

    def added(self, org_id: str, memory_id: str, vector: Vector) -> None:
        self._collection.add(
            ids=[memory_id], embeddings=[vector.tolist()], metadatas=[{"org_id": org_id}]
        )

    def removed(self, org_id: str, memory_ids: list[str]) -> None:
        if memory_ids:
            self._collection.delete(ids=memory_ids)


_STORES: dict[str, MemoryStore] = {}
_STORES_LOCK = threading.Lock()


def store_for(chroma_url: str | None) -> MemoryStore:
    """The memory store of this process: a Chroma server's when one is configured, else
    the local one (one each, shared by every caller)."""
    key = chroma_url or ""
    with _STORES_LOCK:
        found = _STORES.get(key)
        if found is None:
            found = _STORES[key] = ChromaStore(key) if key else LocalStore()
        return found


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
    vector = embed(text)
    with uow:
        memory = Memory(
            org_id=org_id,
            text=text,
            kind=kind,
            importance=importance or importance_of(text, kind),
            vector=to_bytes(vector),
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
        nearest = store.search(uow, org_id, embed(query), max(CANDIDATES, limit))
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
                select(Memory).where(Memory.org_id == org_id).order_by(Memory.created_at)
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
