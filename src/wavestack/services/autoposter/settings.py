"""`WAVESTACK_AUTOPOSTER_*`: how often approved drafts go out, and where."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from wavestack.kernel.config import WordList


class AutoposterSettings(BaseSettings):
    """`WAVESTACK_AUTOPOSTER_*`."""

    model_config = SettingsConfigDict(
        env_prefix="WAVESTACK_AUTOPOSTER_", env_file=".env", extra="ignore"
    )

    post_frequency_hours: float = Field(
        4.0, gt=0, le=24 * 30, description="Hours between two approved drafts going out."
    )
    platforms: WordList = Field(
        default_factory=lambda: ["x"],
        description="Where approved drafts are posted, comma-separated (text posts: x, "
        "linkedin, facebook, local).",
    )

    @property
    def every(self) -> timedelta:
        """The time between two approved drafts going out."""
        return timedelta(hours=self.post_frequency_hours)
