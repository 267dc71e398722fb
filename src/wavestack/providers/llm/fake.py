"""A language model in memory, for tests of what uses one: it answers from a script."""

from __future__ import annotations

from collections.abc import Iterator

from wavestack.providers.llm.port import Completion, LLMError, Message


class ScriptedLLM:
    """Answers each call with the next scripted text (an Exception in the script is raised
    as LLMError); keeps the conversations it saw."""

    def __init__(self, answers: list[str | Exception], *, name: str = "scripted") -> None:
        self.name = name
        self.answers = list(answers)
        self.seen: list[list[Message]] = []

    def _next(self, messages: list[Message]) -> str:
        self.seen.append(messages)
        if not self.answers:
            raise LLMError(f"{self.name} has nothing more to say")
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise LLMError(str(answer))
        return answer

    def complete(
        self, messages: list[Message], *, max_tokens: int, temperature: float
    ) -> Completion:
        text = self._next(messages)
        words = sum(len(m.content.split()) for m in messages)
        return Completion(text, self.name, "script", words, len(text.split()))

    def stream(
        self, messages: list[Message], *, max_tokens: int, temperature: float
    ) -> Iterator[str | Completion]:
        done = self.complete(messages, max_tokens=max_tokens, temperature=temperature)
        yield from done.text.split(" ")
        yield done
