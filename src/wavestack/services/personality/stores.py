"""Where memory vectors are searched. The database keeps every memory with its vector;
the index over them is, as the settings say:

- `chroma`: Chroma, embedded (`PersistentClient` in `<data dir>/chroma`, opened by the
  first process of the install; any other searches the database's vectors) or a Chroma
  server (`WAVESTACK_CHROMA_URL`, shared by every process). One collection per
  organization, so a search never sees another's vectors and needs no filter; it is
  brought in line with the database the first time a process searches it, and again when
  the counts differ (checked once a minute).
- `database`: each organization's vectors read from the database into this process and
  compared all at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol
from urllib.parse import urlsplit

import numpy as np
from sqlalchemy import func, select

from wavestack.kernel.config import Settings
from wavestack.kernel.filelock import hold
from wavestack.kernel.logging import get_logger
from wavestack.kernel.uow import UnitOfWork
from wavestack.services.personality.embeddings import Embedder, embedder
from wavestack.services.personality.models import Memory
from wavestack.services.personality.settings import PersonalitySettings
from wavestack.services.personality.vectors import Vector, VectorIndex, from_bytes

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

log = get_logger(__name__)
IndexKind = Literal["chroma", "database"]
EMBEDDED_FOLDER = "chroma"
LOCK_FILE = "wavestack.lock"
PAGE = 5000  # ids read, or vectors written, per call when bringing a collection in line
RECHECK_SECONDS = 60.0  # how often a collection's count is held against the database's


class Index(Protocol):
    """Where memory vectors are searched, each embedding's (`space`) apart."""

    def search(
        self, uow: UnitOfWork, org_id: str, space: str, vector: Vector, k: int
    ) -> list[tuple[str, float]]:
        """The `k` nearest memories of the organization: id and cosine similarity."""

    def added(self, org_id: str, space: str, memory_id: str, vector: Vector) -> None:
        """A memory was stored (called inside its transaction: a failure undoes it)."""

    def removed(self, org_id: str, space: str, memory_ids: list[str]) -> None:
        """Memories were forgotten."""

    def close(self) -> None:
        """Let go of what the index holds (connections, files)."""


@dataclass(frozen=True)
class MemoryStore:
    """An index, searched with one embedding's vectors."""

    index: Index
    embedder: Embedder

    def search(
        self, uow: UnitOfWork, org_id: str, vector: Vector, k: int
    ) -> list[tuple[str, float]]:
        """The `k` nearest memories of the organization: id and cosine similarity."""
        return self.index.search(uow, org_id, self.embedder.name, vector, k)

    def added(self, org_id: str, memory_id: str, vector: Vector) -> None:
        """A memory was stored (called inside its transaction: a failure undoes it)."""
        self.index.added(org_id, self.embedder.name, memory_id, vector)

    def removed(self, org_id: str, memory_ids: list[str]) -> None:
        """Memories were forgotten."""
        self.index.removed(org_id, self.embedder.name, memory_ids)


class DatabaseIndex:
    """Vectors kept in the database and searched in this process: each organization's
    index is rebuilt when a newer memory exists (another process added it; this one
    forgets its index when it removes some). A memory another process removed stays in the
    index until then, and recall skips it."""

    def __init__(self) -> None:
        self._built: dict[tuple[str, str], tuple[datetime | None, VectorIndex]] = {}
        self._lock = threading.Lock()

    def search(
        self, uow: UnitOfWork, org_id: str, space: str, vector: Vector, k: int
    ) -> list[tuple[str, float]]:
        return self._index(uow, org_id, space).search(vector, k)

    def _index(self, uow: UnitOfWork, org_id: str, space: str) -> VectorIndex:
        mine = (Memory.org_id == org_id, Memory.embedding == space)
        version = uow.session.scalar(select(func.max(Memory.created_at)).where(*mine))
        with self._lock:
            known = self._built.get((org_id, space))
        if known is not None and known[0] == version:
            return known[1]
        rows = uow.session.execute(select(Memory.id, Memory.vector).where(*mine)).all()
        index = VectorIndex([r.id for r in rows], [from_bytes(r.vector) for r in rows])
        with self._lock:
            self._built[(org_id, space)] = (version, index)
        return index

    def added(self, org_id: str, space: str, memory_id: str, vector: Vector) -> None:
        pass  # the next search sees a newer memory and rebuilds

    def removed(self, org_id: str, space: str, memory_ids: list[str]) -> None:
        with self._lock:
            self._built.pop((org_id, space), None)

    def close(self) -> None:
        with self._lock:
            self._built.clear()


class ChromaIndex:
    """An organization's vectors of each embedding in their own Chroma collection (cosine),
    named by both: vectors of another organization or embedding never meet."""

    def __init__(self, client: ClientAPI, on_close: Callable[[], None] | None = None) -> None:
        self._client = client
        self._on_close = on_close
        self._collections: dict[tuple[str, str], Collection] = {}
        self._checked: dict[tuple[str, str], float] = {}  # when, by the monotonic clock
        self._lock = threading.Lock()

    def collection(self, org_id: str, space: str) -> Collection:
        """The organization's collection of that embedding (made on first use)."""
        with self._lock:
            found = self._collections.get((org_id, space))
        if found is None:
            found = self._client.get_or_create_collection(
                f"memories-{org_id}-{space}",
                embedding_function=None,
                metadata={"hnsw:space": "cosine", "org_id": org_id},
            )
            with self._lock:
                self._collections[(org_id, space)] = found
        return found

    def search(
        self, uow: UnitOfWork, org_id: str, space: str, vector: Vector, k: int
    ) -> list[tuple[str, float]]:
        collection = self.collection(org_id, space)
        key, now = (org_id, space), time.monotonic()
        with self._lock:
            checked = self._checked.get(key)
        if checked is None or now - checked >= RECHECK_SECONDS:
            # In full the first time; then, now and again, when the counts differ (memories
            # re-embedded by `wavestack memory reembed`, say).
            bring_in_line(uow, org_id, collection, space, unless_counts_match=checked is not None)
            with self._lock:
                self._checked[key] = now
        found = collection.query(
            query_embeddings=[vector.tolist()], n_results=k, include=["distances"]
        )
        distances = (found.get("distances") or [[]])[0]
        return [(str(i), 1.0 - float(d)) for i, d in zip(found["ids"][0], distances, strict=True)]

    def added(self, org_id: str, space: str, memory_id: str, vector: Vector) -> None:
        self.collection(org_id, space).add(ids=[memory_id], embeddings=[vector.tolist()])

    def removed(self, org_id: str, space: str, memory_ids: list[str]) -> None:
        if memory_ids:
            self.collection(org_id, space).delete(ids=memory_ids)

    def close(self) -> None:
        with self._lock:
            self._collections.clear()
        close = getattr(self._client, "close", None)  # the ClientAPI protocol leaves it out
        if close is not None:
            close()
        if self._on_close is not None:
            self._on_close()


def bring_in_line(
    uow: UnitOfWork,
    org_id: str,
    collection: Collection,
    embedding: str,
    *,
    unless_counts_match: bool = False,
) -> tuple[int, int]:
    """Make the collection hold exactly the organization's memories of that embedding in
    the database: those a crash left out are added, those forgotten elsewhere removed.
    Returns (added, removed). `unless_counts_match`: nothing is read when both hold as many."""
    mine = (Memory.org_id == org_id, Memory.embedding == embedding)
    if unless_counts_match:
        count = uow.session.scalar(select(func.count()).select_from(Memory).where(*mine))
        if count == collection.count():
            return 0, 0
    known = set(uow.session.scalars(select(Memory.id).where(*mine)))
    held: set[str] = set()
    while page := collection.get(include=[], limit=PAGE, offset=len(held))["ids"]:
        held.update(page)
    extra, missing = sorted(held - known), sorted(known - held)
    for start in range(0, len(extra), PAGE):
        collection.delete(ids=extra[start : start + PAGE])
    for start in range(0, len(missing), PAGE):
        rows = uow.session.execute(
            select(Memory.id, Memory.vector).where(Memory.id.in_(missing[start : start + PAGE]))
        ).all()
        collection.upsert(
            ids=[r.id for r in rows], embeddings=np.vstack([from_bytes(r.vector) for r in rows])
        )
    return len(missing), len(extra)


@dataclass(frozen=True)
class Location:
    """Which index: `database`, a Chroma `server` (its URL) or `embedded` (its folder)."""

    kind: Literal["database", "server", "embedded"]
    where: str = ""


def location_of(settings: Settings, index: IndexKind) -> Location:
    """Where the install's settings search memory vectors."""
    if index == "database":
        return Location("database")
    if settings.chroma_url:
        return Location("server", settings.chroma_url)
    return Location("embedded", str((settings.data_dir / EMBEDDED_FOLDER).resolve()))


def _open(location: Location) -> Index:
    if location.kind == "database":
        return DatabaseIndex()
    import chromadb  # only when Chroma is used: it takes a second to import
    from chromadb.config import Settings as ChromaSettings

    no_telemetry = ChromaSettings(anonymized_telemetry=False)

    if location.kind == "server":
        parts = urlsplit(location.where)
        client = chromadb.HttpClient(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or (443 if parts.scheme == "https" else 8000),
            ssl=parts.scheme == "https",
            settings=no_telemetry,
        )
        return ChromaIndex(client)
    folder = Path(location.where)
    folder.mkdir(parents=True, exist_ok=True)
    # Chroma's embedded files take one process: a second one writing would corrupt them.
    held = hold(folder / LOCK_FILE)
    if held is None:
        # Another process of the install (an API worker, say) has it: search the database's
        # vectors here instead. Both read the same memories; the Chroma one takes what this
        # process stores at its next count check.
        log.warning(
            "the embedded Chroma is open in another process: this one searches the "
            "database; set WAVESTACK_CHROMA_URL for one index shared by all",
            folder=str(folder),
        )
        return DatabaseIndex()
    try:
        client = chromadb.PersistentClient(path=str(folder), settings=no_telemetry)
    except Exception:
        held.release()
        raise
    return ChromaIndex(client, on_close=held.release)


class Indexes:
    """The memory indexes of this process, one per location, opened on first use and
    closed when the last container that holds one closes."""

    def __init__(self) -> None:
        self._open: dict[Location, Index] = {}
        self._holders: dict[Location, int] = {}
        self._lock = threading.Lock()

    def at(self, location: Location) -> Index:
        """The index at a location."""
        with self._lock:
            found = self._open.get(location)
            if found is None:
                found = self._open[location] = _open(location)
            return found

    def hold(self, location: Location) -> None:
        """Someone (a container) uses the location until it calls `release`."""
        with self._lock:
            self._holders[location] = self._holders.get(location, 0) + 1

    def release(self, location: Location) -> None:
        """One holder is done; the last one closes the index."""
        with self._lock:
            left = self._holders.get(location, 0) - 1
            if left > 0:
                self._holders[location] = left
                return
            self._holders.pop(location, None)
            index = self._open.pop(location, None)
        if index is not None:
            index.close()


INDEXES = Indexes()


def memory_store(settings: Settings) -> MemoryStore:
    """The memory index and embedding the install's settings choose."""
    personality = PersonalitySettings()
    index = INDEXES.at(location_of(settings, personality.memory_index))
    return MemoryStore(index, embedder(personality.embedding))


def hold_for(settings: Settings) -> Callable[[], None]:
    """Hold the settings' memory index for a container; returns what lets it go."""
    location = location_of(settings, PersonalitySettings().memory_index)
    INDEXES.hold(location)
    return lambda: INDEXES.release(location)
