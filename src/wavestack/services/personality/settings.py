"""`WAVESTACK_PERSONALITY_*`: how much the offline voice reads and keeps."""

from __future__ import annotations

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
