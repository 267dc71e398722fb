"""`WAVESTACK_STREAMELEMENTS_*`: where StreamElements' Astro websocket is."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class StreamElementsSettings(BaseSettings):
    """`WAVESTACK_STREAMELEMENTS_*`."""

    model_config = SettingsConfigDict(
        env_prefix="WAVESTACK_STREAMELEMENTS_", env_file=".env", extra="ignore"
    )

    url: str = Field("wss://astro.streamelements.com", description="Astro websocket URL.")
