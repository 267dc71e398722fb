"""`WAVESTACK_LLM_GATEWAY_*`: each organization's daily token budget and the answer cache."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class GatewaySettings(BaseSettings):
    """`WAVESTACK_LLM_GATEWAY_*`."""

    model_config = SettingsConfigDict(
        env_prefix="WAVESTACK_LLM_GATEWAY_", env_file=".env", extra="ignore"
    )

    daily_tokens: int = Field(
        500_000, ge=0, description="Tokens a day one organization may use (0: no limit)."
    )
    cache_seconds: float = Field(
        3600.0, ge=0, description="How long an answer is reused for the same request (0: off)."
    )
    cache_entries: int = Field(1000, ge=0, description="Answers the cache holds per process.")
