"""The language model gateway: chat and generate through the configured model, each
organization's tokens counted and capped per day, the same request answered from the cache,
and clear errors when no model is set up or none answers."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from fakes.http import served
from fakes.llm import FakeLLM
from support import SyncASGIClient, Tenant, set_settings


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLLM]:
    fake = FakeLLM(answer="hello from the model")
    with served(fake.handle) as base:
        set_settings(
            monkeypatch,
            "LLM",
            {"PROVIDERS": "openai", "OPENAI_URL": f"{base}/v1", "OPENAI_API_KEY": "sk-test"},
        )
        yield fake


def test_chat_and_generate_are_counted_and_cached(
    model: FakeLLM,
    api: SyncASGIClient,
    tenant: Tenant,
    other_tenant: Tenant,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    talk = {"messages": [{"role": "user", "content": "say hi"}], "temperature": 0}
    first = api.post("/api/v1/llm/chat", headers=tenant.headers, json=talk)
    assert first.status_code == 200, first.text
    answer = first.json()
    assert (answer["content"], answer["provider"], answer["cached"]) == (
        "hello from the model",
        "openai",
        False,
    )
    assert answer["usage"] == {"inputTokens": 2, "outputTokens": 4}
    again = api.post("/api/v1/llm/chat", headers=tenant.headers, json=talk).json()
    assert again["cached"] is True
    assert len(model.requests) == 1  # the model was asked once
    theirs = api.post("/api/v1/llm/chat", headers=other_tenant.headers, json=talk).json()
    assert theirs["cached"] is False  # another organization's answers are its own
    fresh = api.post("/api/v1/llm/chat", headers=tenant.headers, json={**talk, "cache": False})
    assert fresh.json()["cached"] is False

    made = api.post(
        "/api/v1/llm/generate",
        headers=tenant.headers,
        json={"prompt": "a title", "system": "be brief", "maxTokens": 20},
    ).json()
    assert made["content"] == "hello from the model"
    sent = model.requests[-1]
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]
    assert sent["max_tokens"] == 20
    monkeypatch.setenv("WAVESTACK_LLM_GATEWAY_PRICES", "openai=1000000/2000000")
    report = api.get("/api/v1/llm/usage", headers=tenant.headers).json()
    assert [(u["provider"], u["calls"]) for u in report["items"]] == [("openai", 3)]
    (day,) = report["items"]
    assert day["costUsd"] == day["inputTokens"] + 2 * day["outputTokens"]  # $1 and $2 a token
    assert report["costUsd"] == day["costUsd"]
    assert report["usedToday"] == sum(u["inputTokens"] + u["outputTokens"] for u in report["items"])


def test_the_daily_budget_and_missing_models_are_clear(
    model: FakeLLM, api: SyncASGIClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_settings(monkeypatch, "LLM_GATEWAY", {"DAILY_TOKENS": "5", "CACHE_SECONDS": "0"})
    talk = {"messages": [{"role": "user", "content": "say hi to everyone in chat"}]}
    assert api.post("/api/v1/llm/chat", headers=tenant.headers, json=talk).status_code == 200
    over = api.post("/api/v1/llm/chat", headers=tenant.headers, json=talk)
    assert over.status_code == 429
    assert "used its 5 language model tokens for today" in over.json()["error"]["message"]
    set_settings(monkeypatch, "LLM_GATEWAY", {"DAILY_TOKENS": "0"})
    model.fail_next = 10
    down = api.post("/api/v1/llm/chat", headers=tenant.headers, json=talk)
    assert down.status_code == 503
    assert "no language model answered" in down.json()["error"]["message"]
    monkeypatch.delenv("WAVESTACK_LLM_PROVIDERS")
    none = api.post("/api/v1/llm/chat", headers=tenant.headers, json=talk)
    assert none.status_code == 503
    assert "WAVESTACK_LLM_PROVIDERS" in none.json()["error"]["message"]


def test_a_streamed_answer_comes_in_pieces_then_whole(
    model: FakeLLM, api: SyncASGIClient, tenant: Tenant
) -> None:
    talk = {"messages": [{"role": "user", "content": "say hi"}], "stream": True}
    streamed = api.post("/api/v1/llm/chat", headers=tenant.headers, json=talk)
    assert streamed.status_code == 200
    assert streamed.headers["content-type"].startswith("text/event-stream")
    events = [e for e in streamed.text.split("\n\n") if e]
    pieces = [json.loads(e.removeprefix("data: "))["content"] for e in events[:-1]]
    assert "".join(pieces) == "hello from the model"
    assert len(pieces) == 4  # as the model wrote them
    name, _, body = events[-1].partition("\n")
    assert name == "event: answer"
    whole = json.loads(body.removeprefix("data: "))
    assert (whole["content"], whole["cached"], whole["usage"]["outputTokens"]) == (
        "hello from the model",
        False,
        4,
    )
    again = api.post("/api/v1/llm/chat", headers=tenant.headers, json=talk).text
    assert '"cached":true' in again
    report = api.get("/api/v1/llm/usage", headers=tenant.headers).json()
    assert report["items"][0]["calls"] == 1  # counted once, the second from the cache
