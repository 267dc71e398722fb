"""Request and response models of the language model gateway."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from wavestack.kernel.schemas import ApiInput, ApiModel


class Turn(ApiInput):
    """One turn of a conversation."""

    role: Literal["system", "user", "assistant"]
    content: str = Field(min_length=1, max_length=50_000)


class ChatRequest(ApiInput):
    """A conversation for the configured model to go on with."""

    messages: list[Turn] = Field(min_length=1, max_length=100)
    max_tokens: int | None = Field(None, ge=1, le=8192)
    temperature: float = Field(0.7, ge=0, le=2)
    cache: bool = Field(True, description="Answer the same request from the cache.")
    stream: bool = Field(
        False,
        description="Send the answer as server-sent events as it comes: `data` pieces "
        '`{"content"}`, then an `answer` event with the whole Answer.',
    )


class GenerateRequest(ApiInput):
    """A prompt (and perhaps a system prompt) to complete."""

    prompt: str = Field(min_length=1, max_length=50_000)
    system: str | None = Field(None, max_length=50_000)
    max_tokens: int | None = Field(None, ge=1, le=8192)
    temperature: float = Field(0.7, ge=0, le=2)
    cache: bool = True


class TokenCount(ApiModel):
    """Tokens one answer took."""

    input_tokens: int
    output_tokens: int


class Answer(ApiModel):
    """The model's answer, who gave it, and what it cost."""

    content: str
    provider: str
    model: str
    usage: TokenCount
    cached: bool = Field(description="Served from the cache: no tokens spent.")


class UsageRead(ApiModel):
    """Language model use of one provider on one day."""

    day: str
    provider: str
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: float = Field(0.0, description="At WAVESTACK_LLM_GATEWAY_PRICES.")


class UsageReport(ApiModel):
    """Language model use, newest day first, and today's budget."""

    items: list[UsageRead]
    cost_usd: float = Field(description="All of it, at the configured prices.")
    daily_tokens: int = Field(description="Tokens a day the organization may use (0: no limit).")
    used_today: int
