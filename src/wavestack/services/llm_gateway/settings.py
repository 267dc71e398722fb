"""`WAVESTACK_LLM_GATEWAY_*`: each organization's daily token budget and the answer cache."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from wavestack.kernel.config import WordList


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
    prices: WordList = Field(
        default_factory=list,
        description="US dollars per million tokens, input/output, by provider: "
        "`openai=0.15/0.60,anthropic=1/5` (unlisted: no cost, as a local model).",
    )

    @field_validator("prices")
    @classmethod
    def _prices_read(cls, value: list[str]) -> list[str]:
        prices_of(value)
        return value


def prices_of(entries: list[str]) -> dict[str, tuple[float, float]]:
    """Per provider: dollars per million input tokens and output tokens."""
    table = {}
    for entry in entries:
        provider, _, price = entry.partition("=")
        given, _, taken = price.partition("/")
        try:
            table[provider.strip()] = (float(given), float(taken or given))
        except ValueError as exc:
            raise ValueError(f"a price looks like openai=0.15/0.60, not {entry!r}") from exc
    return table
