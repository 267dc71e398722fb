"""`WAVESTACK_STREAMLABS_*`: where Streamlabs' Socket API is."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class StreamlabsSettings(BaseSettings):
    """`WAVESTACK_STREAMLABS_*`."""

    model_config = SettingsConfigDict(
        env_prefix="WAVESTACK_STREAMLABS_", env_file=".env", extra="ignore"
    )

    url: str = Field("wss://sockets.streamlabs.com", description="Socket API URL.")
