"""Where memory vectors are searched. The database keeps every memory with its vector;
the index over them is, as the settings say:

- `chroma`: Chroma, embedded (`PersistentClient` in `<data dir>/chroma`, for the one
  process that runs the install) or a Chroma server (`WAVESTACK_CHROMA_URL`, for several).
  One collection per organization, so a search never sees another's vectors and needs no
  filter; it is brought in line with the database the first time a process searches it.
- `database`: each organization's vectors read from the database into this process and
  compared all at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol
from urllib.parse import urlsplit

import numpy as np
from sqlalchemy import func, select

from wavestack.kernel.config import Settings
from wavestack.kernel.errors import Unavailable
from wavestack.kernel.filelock import hold
from wavestack.kernel.uow import UnitOfWork
from wavestack.services.personality.models import Memory
from wavestack.services.personality.settings import PersonalitySettings
from wavestack.services.personality.vectors import EMBEDDING, Vector, VectorIndex, from_bytes

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

MemoryIndex = Literal["chroma", "database"]
EMBEDDED_FOLDER = "chroma"
LOCK_FILE = "wavestack.lock"
PAGE = 5000  # ids read, or vectors written, per call when bringing a collection in line


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

    def close(self) -> None:
        """Let go of what the store holds (connections, files)."""


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

    def close(self) -> None:
        with self._lock:
            self._built.clear()


class ChromaStore:
    """An organization's vectors in its own Chroma collection (cosine), named by the
    organization and the embedding: vectors of another embedding never meet."""

    def __init__(self, client: ClientAPI, on_close: Callable[[], None] | None = None) -> None:
        self._client = client
        self._on_close = on_close
        self._collections: dict[str, Collection] = {}
        self._in_line: set[str] = set()
        self._lock = threading.Lock()

    def collection(self, org_id: str) -> Collection:
        """The organization's collection (made on first use)."""
        with self._lock:
            found = self._collections.get(org_id)
        if found is None:
            found = self._client.get_or_create_collection(
                f"memories-{org_id}-{EMBEDDING}",
                embedding_function=None,
                metadata={"hnsw:space": "cosine", "org_id": org_id},
            )
            with self._lock:
                self._collections[org_id] = found
        return found

    def search(
        self, uow: UnitOfWork, org_id: str, vector: Vector, k: int
    ) -> list[tuple[str, float]]:
        collection = self.collection(org_id)
        if org_id not in self._in_line:
            bring_in_line(uow, org_id, collection)
            with self._lock:
                self._in_line.add(org_id)
        found = collection.query(
            query_embeddings=[vector.tolist()], n_results=k, include=["distances"]
        )
        distances = (found.get("distances") or [[]])[0]
        return [(str(i), 1.0 - float(d)) for i, d in zip(found["ids"][0], distances, strict=True)]

    def added(self, org_id: str, memory_id: str, vector: Vector) -> None:
        self.collection(org_id).add(ids=[memory_id], embeddings=[vector.tolist()])

    def removed(self, org_id: str, memory_ids: list[str]) -> None:
        if memory_ids:
            self.collection(org_id).delete(ids=memory_ids)

    def close(self) -> None:
        with self._lock:
            self._collections.clear()
        close = getattr(self._client, "close", None)  # the ClientAPI protocol leaves it out
        if close is not None:
            close()
        if self._on_close is not None:
            self._on_close()


def bring_in_line(uow: UnitOfWork, org_id: str, collection: Collection) -> tuple[int, int]:
    """Make the collection hold exactly the organization's memories in the database: those
    a crash left out are added, those forgotten elsewhere removed. Returns (added,
    removed)."""
    known = set(uow.session.scalars(select(Memory.id).where(Memory.org_id == org_id)))
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
    """Which store: `database`, a Chroma `server` (its URL) or `embedded` (its folder)."""

    kind: Literal["database", "server", "embedded"]
    where: str = ""


def location_of(settings: Settings, index: MemoryIndex) -> Location:
    """Where the install's settings keep memory vectors."""
    if index == "database":
        return Location("database")
    if settings.chroma_url:
        return Location("server", settings.chroma_url)
    return Location("embedded", str((settings.data_dir / EMBEDDED_FOLDER).resolve()))


def _chroma_settings() -> object:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False)


def _open(location: Location) -> MemoryStore:
    if location.kind == "database":
        return LocalStore()
    import chromadb  # only when Chroma is used: it takes a second to import

    if location.kind == "server":
        parts = urlsplit(location.where)
        client = chromadb.HttpClient(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or (443 if parts.scheme == "https" else 8000),
            ssl=parts.scheme == "https",
            settings=_chroma_settings(),  # type: ignore[arg-type]
        )
        return ChromaStore(client)
    folder = Path(location.where)
    folder.mkdir(parents=True, exist_ok=True)
    # Chroma's embedded files take one process: a second one writing would corrupt them.
    held = hold(folder / LOCK_FILE)
    if held is None:
        raise Unavailable(
            f"the embedded Chroma in {folder} is open in another process; with several "
            "processes set WAVESTACK_CHROMA_URL (a Chroma server) or "
            "WAVESTACK_PERSONALITY_MEMORY_INDEX=database"
        )
    try:
        client = chromadb.PersistentClient(path=str(folder), settings=_chroma_settings())  # type: ignore[arg-type]
    except Exception:
        held.release()
        raise
    return ChromaStore(client, on_close=held.release)


class Stores:
    """The memory stores of this process, one per location, opened on first use and
    closed when the last container that holds one closes."""

    def __init__(self) -> None:
        self._open: dict[Location, MemoryStore] = {}
        self._holders: dict[Location, int] = {}
        self._lock = threading.Lock()

    def at(self, location: Location) -> MemoryStore:
        """The store at a location."""
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
        """One holder is done; the last one closes the store."""
        with self._lock:
            left = self._holders.get(location, 0) - 1
            if left > 0:
                self._holders[location] = left
                return
            self._holders.pop(location, None)
            store = self._open.pop(location, None)
        if store is not None:
            store.close()


STORES = Stores()


def memory_store(settings: Settings) -> MemoryStore:
    """The memory store the install's settings choose."""
    return STORES.at(location_of(settings, PersonalitySettings().memory_index))


def hold_for(settings: Settings) -> Callable[[], None]:
    """Hold the settings' memory store for a container; returns what lets it go."""
    location = location_of(settings, PersonalitySettings().memory_index)
    STORES.hold(location)
    return lambda: STORES.release(location)
