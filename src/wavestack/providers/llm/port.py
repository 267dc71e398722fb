"""What the personality needs from a language model: complete a conversation, or stream it,
and say how many tokens it took."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, Protocol

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    """One turn of a conversation."""

    role: Role
    content: str


@dataclass(frozen=True)
class Completion:
    """A model's answer and what it cost."""

    text: str
    provider: str
    model: str
    input_tokens: int
    output_tokens: int


class LLMError(Exception):
    """The model could not answer (unreachable, timed out, refused); the next provider of
    the chain is tried."""


class LLM(Protocol):
    """A language model behind one provider."""

    name: str

    def complete(
        self, messages: list[Message], *, max_tokens: int, temperature: float
    ) -> Completion:
        """The whole answer."""

    def stream(
        self, messages: list[Message], *, max_tokens: int, temperature: float
    ) -> Iterator[str | Completion]:
        """The answer in pieces as they come, then the Completion (with the usage)."""
