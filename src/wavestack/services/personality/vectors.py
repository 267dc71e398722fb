"""Text to vectors without a model, and a nearest-neighbour index over them.

The embedding hashes what a text says (its words, word pairs and the three-letter pieces of
its words, so "stream" still meets "streaming") into a fixed number of signed buckets and
normalizes: cosine similarity then measures shared wording. It needs nothing downloaded and
costs microseconds; a learned embedding would also match meaning without shared words. The
index keeps one organization's vectors as a matrix and compares a query with all of them at
once (100,000 memories take a few milliseconds)."""

from __future__ import annotations

import threading
import zlib
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from wavestack.services.personality.style import STOPWORDS, tokens

DIMENSIONS = 512
EMBEDDING = f"hash{DIMENSIONS}"  # names the vectors' space where they are stored
Vector = npt.NDArray[np.float32]


def _bucket(feature: str) -> tuple[int, float]:
    code = zlib.crc32(feature.encode())
    return code % DIMENSIONS, 1.0 if code & 0x80000000 else -1.0


def embed(text: str) -> Vector:
    """A unit vector of the text's wording."""
    vector = np.zeros(DIMENSIONS, dtype=np.float32)
    words = [t.lower().lstrip("#") for t in tokens(text) if t[:1].isalnum() or t[:1] == "#"]
    kept = [w for w in words if w not in STOPWORDS]
    for word in kept:
        index, sign = _bucket(f"w:{word}")
        vector[index] += sign
        padded = f"<{word}>"
        for n in range(len(padded) - 2):
            index, sign = _bucket(f"c:{padded[n : n + 3]}")
            vector[index] += 0.3 * sign
    for first, second in pairwise(kept):
        index, sign = _bucket(f"b:{first} {second}")
        vector[index] += 0.5 * sign
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


def to_bytes(vector: Vector) -> bytes:
    """For storing."""
    return vector.astype(np.float32).tobytes()


def from_bytes(data: bytes) -> Vector:
    """Back from storage."""
    return np.frombuffer(data, dtype=np.float32)


class VectorIndex:
    """One organization's vectors, searched all at once."""

    def __init__(self, ids: list[str], vectors: list[Vector]) -> None:
        self._ids = list(ids)
        self._matrix = (
            np.vstack(vectors).astype(np.float32)
            if vectors
            else np.zeros((0, DIMENSIONS), dtype=np.float32)
        )
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._ids)

    def search(self, query: Vector, k: int) -> list[tuple[str, float]]:
        """The `k` nearest ids, most similar first, with their cosine similarity."""
        with self._lock:
            if not self._ids:
                return []
            scores = self._matrix @ query
            k = min(k, len(self._ids))
            best = np.argpartition(-scores, k - 1)[:k]
            ordered = best[np.argsort(-scores[best])]
            return [(self._ids[i], float(scores[i])) for i in ordered]
