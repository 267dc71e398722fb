"""`WAVESTACK_PUBLISHING_*`: how often the scheduler looks for due queue items."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PublishingSettings(BaseSettings):
    """`WAVESTACK_PUBLISHING_*`."""

    model_config = SettingsConfigDict(
        env_prefix="WAVESTACK_PUBLISHING_", env_file=".env", extra="ignore"
    )

    poll_seconds: float = Field(
        1.0, gt=0, le=60, description="How often the scheduler claims due queue items."
    )
    batch: int = Field(
        500, ge=1, le=10_000, description="Most queue items claimed at once (more: at once again)."
    )
    feed_items: int = Field(
        50, ge=1, le=1000, description="Newest posts the `local` platform's RSS feed lists."
    )
