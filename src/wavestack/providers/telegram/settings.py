"""`WAVESTACK_TELEGRAM_*`: where Telegram's Bot API is, and how long a poll waits."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class TelegramSettings(BaseSettings):
    """`WAVESTACK_TELEGRAM_*`: the Bot API the bots poll."""

    model_config = SettingsConfigDict(
        env_prefix="WAVESTACK_TELEGRAM_", env_file=".env", extra="ignore"
    )

    api_url: str = Field("https://api.telegram.org", description="Bot API base URL.")
    poll_timeout: int = Field(
        25, ge=1, le=50, description="Seconds a getUpdates long poll waits for news."
    )
    webhook_url: str = Field(
        "",
        description="Public base URL of the API (https): set, Telegram pushes updates to "
        "`<it>/api/v1/hooks/telegram/<org id>` instead of being polled.",
    )
    webhook_secret: str = Field(
        "",
        pattern=r"^[A-Za-z0-9_-]{0,256}$",
        description="Secret Telegram sends with each pushed update (required with webhook_url).",
    )
