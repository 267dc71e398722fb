"""Providers tried in order: the first that answers does; one that fails (down, timed out,
refused) hands the conversation to the next."""

from __future__ import annotations

from collections.abc import Iterator

from wavestack.kernel.logging import get_logger
from wavestack.providers.llm.port import LLM, Completion, LLMError, Message

log = get_logger(__name__)


class FallbackChain:
    """A language model made of several, in order of preference."""

    def __init__(self, providers: list[LLM]) -> None:
        self.providers = providers
        self.name = "+".join(p.name for p in providers) or "none"

    def complete(
        self, messages: list[Message], *, max_tokens: int, temperature: float
    ) -> Completion:
        """The first provider's answer that comes."""
        failures = []
        for provider in self.providers:
            try:
                return provider.complete(messages, max_tokens=max_tokens, temperature=temperature)
            except LLMError as exc:
                log.warning("language model failed; trying the next", provider=provider.name)
                failures.append(str(exc))
        raise LLMError("; ".join(failures) or "no language model is configured")

    def stream(
        self, messages: list[Message], *, max_tokens: int, temperature: float
    ) -> Iterator[str | Completion]:
        """The first provider's answer, as it comes. A provider that fails before its first
        piece hands over; one that fails midway cannot take back what was sent."""
        failures = []
        for provider in self.providers:
            started = False
            try:
                for piece in provider.stream(
                    messages, max_tokens=max_tokens, temperature=temperature
                ):
                    started = True
                    yield piece
                return
            except LLMError as exc:
                if started:
                    raise
                failures.append(str(exc))
        raise LLMError("; ".join(failures) or "no language model is configured")
