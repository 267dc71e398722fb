"""Language models through their official SDKs against protocol-level fakes: Ollama, OpenAI
(and an OpenAI-compatible server) and Anthropic answer whole or streamed with their token
counts; a server error, a refused key or a timeout is an LLMError, and the chain falls back
to the next provider."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fakes.http import served
from fakes.llm import FakeLLM
from wavestack.providers.llm import Completion, LLMError, LLMSettings, Message, ScriptedLLM
from wavestack.providers.llm.chain import FallbackChain

TALK = [Message("system", "You are the creator."), Message("user", "ready for ranked?")]


@pytest.fixture
def fake() -> Iterator[tuple[FakeLLM, str]]:
    llm = FakeLLM()
    with served(llm.handle) as base:
        yield llm, base


def settings_for(base: str, *providers: str, timeout: float = 5.0) -> LLMSettings:
    return LLMSettings(
        providers=list(providers),
        timeout_seconds=timeout,
        ollama_url=base,
        openai_url=f"{base}/v1",
        openai_api_key="sk-test",
        compatible_url=f"{base}/v1",
        compatible_api_key="sk-test",
        anthropic_url=base,
        anthropic_api_key="sk-test",
    )


@pytest.mark.parametrize("provider", ["ollama", "openai", "compatible", "anthropic"])
def test_each_provider_answers_whole_and_streamed(fake: tuple[FakeLLM, str], provider: str) -> None:
    llm, base = fake
    chain = settings_for(base, provider).chain()
    whole = chain.complete(TALK, max_tokens=50, temperature=0.7)
    assert (whole.text, whole.provider) == ("gg ez, ranked grind tonight", provider)
    assert whole.input_tokens > 0
    assert whole.output_tokens == 5
    pieces = list(chain.stream(TALK, max_tokens=50, temperature=0.7))
    *text, done = pieces
    assert "".join(str(p) for p in text) == "gg ez, ranked grind tonight"
    assert len(text) == 5  # it came in pieces
    assert isinstance(done, Completion)
    assert (done.text, done.output_tokens) == (whole.text, 5)
    sent = llm.requests[0]
    if provider == "anthropic":
        assert sent["system"] == "You are the creator."  # apart from the turns
        assert [m["role"] for m in sent["messages"]] == ["user"]
    else:
        assert [m["role"] for m in sent["messages"]] == ["system", "user"]


@pytest.mark.parametrize("provider", ["ollama", "openai", "anthropic"])
def test_errors_and_timeouts_are_llm_errors(fake: tuple[FakeLLM, str], provider: str) -> None:
    llm, base = fake
    llm.fail_next = 5  # more than the SDK's own retry
    with pytest.raises(LLMError):
        settings_for(base, provider).chain().complete(TALK, max_tokens=50, temperature=0.7)
    llm.fail_next, llm.delay = 0, 1.5
    with pytest.raises(LLMError):
        settings_for(base, provider, timeout=0.3).chain().complete(
            TALK, max_tokens=50, temperature=0.7
        )


def test_a_refused_key_is_an_llm_error(fake: tuple[FakeLLM, str]) -> None:
    llm, base = fake
    llm.key = "another"
    for provider in ("openai", "anthropic"):
        with pytest.raises(LLMError):
            settings_for(base, provider).chain().complete(TALK, max_tokens=50, temperature=0.7)


def test_the_chain_falls_back_to_the_next_provider(fake: tuple[FakeLLM, str]) -> None:
    _, base = fake
    down = LLMSettings(providers=["ollama"], ollama_url="http://127.0.0.1:9", timeout_seconds=2)
    chain = FallbackChain(
        [*down.chain().providers, *settings_for(base, "openai").chain().providers]
    )
    assert chain.complete(TALK, max_tokens=50, temperature=0.7).provider == "openai"
    streamed = list(chain.stream(TALK, max_tokens=50, temperature=0.7))
    assert isinstance(streamed[-1], Completion)
    assert streamed[-1].provider == "openai"
    nothing = FallbackChain([ScriptedLLM([RuntimeError("down")])])
    with pytest.raises(LLMError, match="down"):
        nothing.complete(TALK, max_tokens=10, temperature=0)
    with pytest.raises(ValueError, match="unknown language model provider"):
        LLMSettings(providers=["gpt-in-a-box"]).chain()
