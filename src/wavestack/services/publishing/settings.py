"""`WAVESTACK_PUBLISHING_*`: how often the scheduler looks for due queue items."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from wavestack.kernel.config import WordList
from wavestack.services.publishing.limits import concurrency, limits


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
    limits: WordList = Field(
        default_factory=list,
        description="Posts per window per account, overriding the platforms' own limits: "
        "`youtube=6/24h,x=200/15m`, `local=10/1h`, or `platform=none`.",
    )

    @field_validator("limits")
    @classmethod
    def _limits_read(cls, value: list[str]) -> list[str]:
        limits(value)  # a malformed limit fails at start, not at the first post
        return value

    stalled_minutes: int = Field(
        180,
        ge=10,
        description="A publish still running after this long is taken for one whose worker "
        "stopped: published again where that cannot double it, else marked unconfirmed.",
    )
    concurrency: WordList = Field(
        default_factory=list,
        description="Publishes at once per platform (across the worker processes that "
        "share Redis), overriding the defaults (2; X 4): `youtube=1,x=8`.",
    )

    @field_validator("concurrency")
    @classmethod
    def _concurrency_read(cls, value: list[str]) -> list[str]:
        concurrency(value)
        return value
