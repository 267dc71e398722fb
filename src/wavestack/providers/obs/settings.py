"""`WAVESTACK_OBS_*`: where OBS Studio's websocket server is (Tools > WebSocket Server Settings)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ObsSettings(BaseSettings):
    """`WAVESTACK_OBS_*`: the OBS the bots steer."""

    model_config = SettingsConfigDict(env_prefix="WAVESTACK_OBS_", env_file=".env", extra="ignore")

    url: str = Field(
        "", description="obs-websocket address, e.g. `ws://127.0.0.1:4455` (unset: no OBS)."
    )
    password: str = Field("", description="obs-websocket password (empty: none).")
