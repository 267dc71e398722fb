"""The providers, each through its official SDK: Ollama (`/api/chat`), OpenAI and any
OpenAI-compatible server (llama.cpp, vLLM), and Anthropic. Their errors become LLMError."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import ollama
import openai

from wavestack.providers.llm.port import Completion, LLMError, Message


class OllamaLLM:
    """A model served by Ollama."""

    def __init__(self, *, url: str, model: str, timeout: float) -> None:
        self.name = "ollama"
        self._model = model
        self._client = ollama.Client(host=url, timeout=timeout)

    def complete(
        self, messages: list[Message], *, max_tokens: int, temperature: float
    ) -> Completion:
        try:
            answer = self._client.chat(
                model=self._model,
                messages=_dicts(messages),
                options={"num_predict": max_tokens, "temperature": temperature},
            )
        except (ollama.ResponseError, ollama.RequestError, OSError, _timeouts()) as exc:
            raise LLMError(f"Ollama could not answer: {exc}") from exc
        return self._completion(answer.message.content or "", answer)

    def stream(
        self, messages: list[Message], *, max_tokens: int, temperature: float
    ) -> Iterator[str | Completion]:
        text = ""
        try:
            for part in self._client.chat(
                model=self._model,
                messages=_dicts(messages),
                options={"num_predict": max_tokens, "temperature": temperature},
                stream=True,
            ):
                piece = part.message.content or ""
                text += piece
                if piece:
                    yield piece
                if part.done:
                    yield self._completion(text, part)
                    return
        except (ollama.ResponseError, ollama.RequestError, OSError, _timeouts()) as exc:
            raise LLMError(f"Ollama could not answer: {exc}") from exc
        raise LLMError("Ollama's answer ended before it was done")

    def _completion(self, text: str, answer: Any) -> Completion:
        return Completion(
            text=text,
            provider=self.name,
            model=self._model,
            input_tokens=int(answer.prompt_eval_count or 0),
            output_tokens=int(answer.eval_count or 0),
        )


class OpenAILLM:
    """OpenAI, or any server speaking its chat completions API (`base_url`)."""

    def __init__(
        self, *, api_key: str, base_url: str, model: str, timeout: float, name: str = "openai"
    ) -> None:
        self.name = name
        self._model = model
        self._client = openai.OpenAI(
            api_key=api_key or "none", base_url=base_url, timeout=timeout, max_retries=1
        )

    def complete(
        self, messages: list[Message], *, max_tokens: int, temperature: float
    ) -> Completion:
        try:
            answer = self._client.chat.completions.create(
                model=self._model,
                messages=_dicts(messages),
                max_tokens=max_tokens,
                temperature=temperature,
            )
        except openai.OpenAIError as exc:
            raise LLMError(f"{self.name} could not answer: {exc}") from exc
        usage = answer.usage
        return Completion(
            text=answer.choices[0].message.content or "" if answer.choices else "",
            provider=self.name,
            model=self._model,
            input_tokens=usage.prompt_tokens if usage else 0,
            output_tokens=usage.completion_tokens if usage else 0,
        )

    def stream(
        self, messages: list[Message], *, max_tokens: int, temperature: float
    ) -> Iterator[str | Completion]:
        text, used_in, used_out = "", 0, 0
        try:
            for chunk in self._client.chat.completions.create(
                model=self._model,
                messages=_dicts(messages),
                max_tokens=max_tokens,
                temperature=temperature,
                stream=True,
                stream_options={"include_usage": True},
            ):
                if chunk.usage is not None:
                    used_in, used_out = chunk.usage.prompt_tokens, chunk.usage.completion_tokens
                for choice in chunk.choices:
                    piece = choice.delta.content or ""
                    text += piece
                    if piece:
                        yield piece
        except openai.OpenAIError as exc:
            raise LLMError(f"{self.name} could not answer: {exc}") from exc
        yield Completion(text, self.name, self._model, used_in, used_out)


class AnthropicLLM:
    """Claude through the Messages API."""

    def __init__(self, *, api_key: str, base_url: str, model: str, timeout: float) -> None:
        self.name = "anthropic"
        self._model = model
        self._client = anthropic.Anthropic(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=1
        )

    def complete(
        self, messages: list[Message], *, max_tokens: int, temperature: float
    ) -> Completion:
        system, turns = _split_system(messages)
        try:
            # This SDK's Messages API takes no temperature (newer models fix it).
            answer = self._client.messages.create(
                model=self._model, max_tokens=max_tokens, system=system, messages=turns
            )
        except anthropic.AnthropicError as exc:
            raise LLMError(f"Anthropic could not answer: {exc}") from exc
        text = "".join(block.text for block in answer.content if block.type == "text")
        return Completion(
            text, self.name, self._model, answer.usage.input_tokens, answer.usage.output_tokens
        )

    def stream(
        self, messages: list[Message], *, max_tokens: int, temperature: float
    ) -> Iterator[str | Completion]:
        system, turns = _split_system(messages)
        try:
            with self._client.messages.stream(
                model=self._model, max_tokens=max_tokens, system=system, messages=turns
            ) as events:
                yield from events.text_stream
                final = events.get_final_message()
        except anthropic.AnthropicError as exc:
            raise LLMError(f"Anthropic could not answer: {exc}") from exc
        text = "".join(block.text for block in final.content if block.type == "text")
        yield Completion(
            text, self.name, self._model, final.usage.input_tokens, final.usage.output_tokens
        )


def _dicts(messages: list[Message]) -> list[Any]:
    # The SDKs type their messages as TypedDicts of their own; these are the same shape.
    return [{"role": m.role, "content": m.content} for m in messages]


def _split_system(messages: list[Message]) -> tuple[str, list[Any]]:
    """Anthropic takes the system prompt apart from the turns."""
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    return system, [{"role": m.role, "content": m.content} for m in messages if m.role != "system"]


def _timeouts() -> type[Exception]:
    import httpx

    return httpx.HTTPError
