"""The AI personality, offline: it learns only the creator's own words, keeps a style
profile, writes tweets, captions, titles, descriptions and replies in that vocabulary within
each platform's cap, filters unsafe output, and waits for a person's review."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from fakes.http import served
from fakes.llm import FakeLLM
from support import SyncASGIClient, Tenant, set_settings
from wavestack.bootstrap import Container
from wavestack.services.content_queue import x_length
from wavestack.services.personality import PersonalitySettings
from wavestack.services.personality.embeddings import HashEmbedder
from wavestack.services.personality.service import learn_from_chat
from wavestack.services.personality.stores import DatabaseIndex, MemoryStore
from wavestack.services.personality.style import tokens
from wavestack.services.personality.vectors import embed

CREATOR = [
    "LETS GOOO chat, ranked grind tonight 🔥",
    "ranked grind never stops! gg ez",
    "who is ready for ranked tonight? lets gooo 🔥",
    "clutch or kick, that is the rule. gg ez",
    "I can't believe that clutch lol",
    "tonight we grind ranked until diamond 💎",
    "new clip is up, go watch it and tell me what you think",
    "diamond by friday or I eat my headset 💎",
    "that clutch was pure skill, not luck! gg ez",
    "stream starts at 8, bring snacks and good vibes 🔥",
    "chat you are the best, seriously, thank you for the support",
    "one more game, then we grind the new map together",
    "the new map is wild, so many clutch spots",
    "good vibes only in this chat, let's keep it that way",
    "we hit diamond! thank you chat, lets gooo 💎🔥",
]
VIEWERS = ["banana pancakes forever", "subscribe to my channel xyz"]


def learn(api: SyncASGIClient, tenant: Tenant, lines: list[str], role: str = "creator") -> Any:
    content = [{"role": role, "message": line} for line in lines]
    response = api.post(
        "/api/v1/learn",
        headers=tenant.headers,
        json={"data_type": "chat", "content": content, "source": "twitch"},
    )
    assert response.status_code == 200, response.text
    return response.json()


def generate(api: SyncASGIClient, tenant: Tenant, **body: Any) -> Any:
    return api.post("/api/v1/generate", headers=tenant.headers, json=body)


def words_of(text: str) -> set[str]:
    return {t.lower() for t in tokens(text) if t[:1].isalnum()}


CREATOR_WORDS = set().union(*(words_of(line) for line in CREATOR))


def test_only_the_creators_words_are_learned(api: SyncASGIClient, tenant: Tenant) -> None:
    mixed = [{"role": "creator", "message": m} for m in CREATOR] + [
        {"role": "viewer", "message": m} for m in VIEWERS
    ]
    learned = api.post(
        "/api/v1/learn", headers=tenant.headers, json={"data_type": "chat", "content": mixed}
    ).json()
    assert (learned["learned"], learned["skipped"]) == (len(CREATOR), 2)
    style = api.get("/api/v1/profile", headers=tenant.headers).json()["style"]
    assert {"ranked", "grind", "clutch", "diamond"} <= set(style["vocabulary"])
    assert "banana" not in style["vocabulary"]
    assert {"gg ez", "lets gooo", "ranked grind"} <= set(style["catchphrases"])
    assert style["emoji"][:2] == ["🔥", "💎"]
    assert style["samples"] == len(CREATOR)
    assert {"ranked grind", "clutch"} & set(style["topics"])  # what they talk about
    assert 0 < learned["profile"]["confidence"] < 0.1  # 15 samples: hardly known yet


def test_content_is_written_in_the_creators_words_within_caps(
    api: SyncASGIClient, tenant: Tenant
) -> None:
    assert generate(api, tenant, contentType="tweet", topic="ranked").status_code == 409
    learn(api, tenant, CREATOR)
    learn(api, tenant, VIEWERS, role="viewer")
    tweet = generate(
        api, tenant, contentType="tweet", topic="ranked", options={"includeHashtags": True}
    )
    assert tweet.status_code == 200, tweet.text
    made = tweet.json()
    assert made["status"] == "pending"
    assert made["provider"] == "style-model"
    assert 0 < made["confidence"] <= 0.6  # the offline voice says it is only that
    body, _, tags = made["content"].partition(" #")
    assert words_of(body) <= CREATOR_WORDS
    assert "ranked" in f"#{tags}"
    assert x_length(made["content"]) <= 280
    assert set(made["metadata"]) == {"sentiment", "energy", "controversyScore"}
    for alternative in made["alternatives"]:
        assert words_of(alternative.split(" #")[0]) <= CREATOR_WORDS
    for content_type, cap in (("title", 100), ("caption", 2200), ("reply", 500)):
        written = generate(api, tenant, contentType=content_type, topic="clutch").json()
        assert len(written["content"]) <= cap
        assert words_of(written["content"]) <= CREATOR_WORDS
    short = generate(api, tenant, contentType="description", topic="map", options={"maxLength": 40})
    assert len(short.json()["content"].encode()) <= 40


def test_unsafe_output_is_never_offered(api: SyncASGIClient, tenant: Tenant) -> None:
    learn(api, tenant, CREATOR)
    patched = api.patch(
        "/api/v1/profile",
        headers=tenant.headers,
        json={"avoidedTopics": ["clutch", "ranked", "diamond", "grind", "chat", "map", "gg"]},
    )
    assert patched.status_code == 200
    for _ in range(3):
        made = generate(api, tenant, contentType="tweet", topic="stream")
        if made.status_code == 200:
            text = made.json()["content"].lower()
            assert not any(w in text for w in ("clutch", "ranked", "diamond", "grind"))


def test_too_negative_or_toxic_output_is_refused(
    api: SyncASGIClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    learn(api, tenant, ["I hate this awful game, it is terrible and I am miserable."] * 5)
    gloomy = generate(api, tenant, contentType="tweet", topic="game")
    assert gloomy.status_code == 422  # every candidate under the -0.5 negativity threshold
    assert "safety filters" in gloomy.text

    learn(api, other_tenant, ["you are all stupid idiots and morons, shut up"] * 5)
    api.patch("/api/v1/profile", headers=other_tenant.headers, json={"negativityThreshold": -1})
    toxic = generate(api, other_tenant, contentType="tweet", topic="chat")
    assert toxic.status_code == 422  # the auto-mod toxicity check stops it


def test_review_approves_to_the_autoposter_or_rejects_with_feedback(
    api: SyncASGIClient, tenant: Tenant, other_tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_settings(monkeypatch, "AUTOPOSTER", {"PLATFORMS": "local"})
    learn(api, tenant, CREATOR)
    tweet = generate(api, tenant, contentType="tweet", topic="ranked").json()
    title = generate(api, tenant, contentType="title", topic="clutch").json()
    pending = api.get("/api/v1/generations?status=pending", headers=tenant.headers).json()
    assert {g["id"] for g in pending["items"]} == {tweet["id"], title["id"]}
    assert api.get("/api/queue", headers=tenant.headers).json()["total"] == 0  # not yet
    url = f"/api/v1/generations/{tweet['id']}"
    assert api.post(f"{url}/approve", headers=other_tenant.headers).status_code == 404
    approved = api.post(f"{url}/approve", headers=tenant.headers).json()
    assert approved["status"] == "approved"
    draft = api.get(f"/api/autoposter/drafts/{approved['draftId']}", headers=tenant.headers).json()
    assert (draft["source"], draft["status"], draft["text"]) == ("ai", "approved", tweet["content"])
    queued = api.get(f"/api/queue/{draft['queueItemId']}", headers=tenant.headers).json()
    assert queued["caption"] == tweet["content"]
    assert api.post(f"{url}/approve", headers=tenant.headers).json() == approved  # once

    no = f"/api/v1/generations/{title['id']}"
    rejected = api.post(f"{no}/reject", headers=tenant.headers, json={"feedback": "too loud"})
    assert (rejected.json()["status"], rejected.json()["feedback"]) == ("rejected", "too loud")
    assert api.post(f"{no}/approve", headers=tenant.headers).status_code == 409

    api.patch("/api/v1/profile", headers=tenant.headers, json={"reviewRequired": False})
    direct = generate(api, tenant, contentType="tweet", topic="diamond").json()
    assert direct["status"] == "approved"
    assert direct["draftId"] is not None  # review is off: straight to the autoposter


def test_chat_answers_in_the_creators_voice(api: SyncASGIClient, tenant: Tenant) -> None:
    ask = {"userId": "viewer-1", "message": "when does the stream start?"}
    assert api.post("/api/v1/chat", headers=tenant.headers, json=ask).status_code == 409
    conversation = [
        {"role": "viewer", "message": "what rank are you right now?"},
        {"role": "creator", "message": "diamond by friday or I eat my headset 💎"},
        {"role": "viewer", "message": "what time does the stream start today?"},
        {"role": "creator", "message": "stream starts at 8, bring snacks and good vibes 🔥"},
    ]
    api.post("/api/v1/learn", headers=tenant.headers, json={"content": conversation})
    learn(api, tenant, CREATOR)

    answer = api.post("/api/v1/chat", headers=tenant.headers, json=ask).json()
    assert answer["provider"] == "past-replies"
    assert answer["response"] == "stream starts at 8, bring snacks and good vibes 🔥"
    assert answer["personalityScore"] == 1.0
    assert answer["memoryUsed"] == [
        "what time does the stream start today? -> stream starts at 8, bring snacks and good "
        "vibes 🔥"
    ]
    unlike = {"userId": "viewer-2", "message": "thoughts on the new map and clutch plays?"}
    made_up = api.post("/api/v1/chat", headers=tenant.headers, json=unlike).json()
    assert made_up["provider"] == "style-model"
    assert words_of(made_up["response"]) <= CREATOR_WORDS | {"8"}
    assert 0 < made_up["confidence"] < answer["confidence"]  # a guess says it is one
    assert len(made_up["response"]) <= 500


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLLM]:
    """An OpenAI-compatible model, configured as the personality's language model."""
    fake = FakeLLM(answer="ranked grind tonight, who is ready? lets gooo 🔥")
    with served(fake.handle) as base:
        set_settings(
            monkeypatch,
            "LLM",
            {
                "PROVIDERS": "openai",
                "OPENAI_URL": f"{base}/v1",
                "OPENAI_API_KEY": "sk-test",
                "TIMEOUT_SECONDS": "5",
            },
        )
        yield fake


def test_a_language_model_writes_in_the_learned_voice(
    model: FakeLLM, api: SyncASGIClient, tenant: Tenant
) -> None:
    learn(api, tenant, CREATOR)
    made = generate(api, tenant, contentType="tweet", topic="ranked").json()
    assert (made["provider"], made["content"]) == ("openai", model.answer)
    assert made["confidence"] >= 0.5  # a model answered
    sent = model.requests[-1]["messages"]
    assert "gg ez" in sent[0]["content"]  # shown the creator's catchphrases
    assert "diamond by friday or I eat my headset 💎" in sent[0]["content"]  # and examples
    assert "ranked" in sent[1]["content"]
    report = api.get("/api/v1/llm/usage", headers=tenant.headers).json()["items"]
    assert [(u["provider"], u["calls"]) for u in report] == [("openai", 1)]
    assert report[0]["inputTokens"] > 0
    assert report[0]["outputTokens"] == len(model.answer.split())

    conversation = [
        {"role": "viewer", "message": "what time does the stream start today?"},
        {"role": "creator", "message": "stream starts at 8, bring snacks and good vibes 🔥"},
        {"role": "creator", "message": "I always stream from my favorite chair"},  # memorable
    ]
    api.post("/api/v1/learn", headers=tenant.headers, json={"content": conversation})
    ask = {"userId": "viewer-1", "message": "when does the stream start?"}
    answer = api.post("/api/v1/chat", headers=tenant.headers, json=ask).json()
    assert answer["provider"] == "openai"
    assert answer["memoryUsed"] == [
        "what time does the stream start today? -> stream starts at 8, bring snacks and good "
        "vibes 🔥",
        "I always stream from my favorite chair",  # learned as a memory, recalled
    ]
    assert "stream starts at 8" in model.requests[-1]["messages"][1]["content"]


def test_without_a_safe_answer_from_the_model_the_offline_voice_answers(
    model: FakeLLM, api: SyncASGIClient, tenant: Tenant
) -> None:
    learn(api, tenant, CREATOR)
    model.fail_next = 10  # down, past the SDK's retry
    down = generate(api, tenant, contentType="tweet", topic="ranked").json()
    assert down["provider"] == "style-model"
    model.fail_next, model.answer = 0, "you are all stupid idiots and morons"
    toxic = generate(api, tenant, contentType="tweet", topic="ranked").json()
    assert toxic["provider"] == "style-model"  # the model's text did not pass
    assert "idiots" not in toxic["content"]


def test_a_model_sees_the_conversation_so_far(
    model: FakeLLM,
    api: SyncASGIClient,
    container: Container,
    tenant: Tenant,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_settings(monkeypatch, "PERSONALITY", {"CONTEXT_WINDOW": "4"})
    learn(api, tenant, CREATOR)
    where = {"platform": "twitch", "channel": "wavecreator"}
    for n in range(3):
        asked = {"userId": "viewer-1", "message": f"question number {n}", "context": where}
        assert api.post("/api/v1/chat", headers=tenant.headers, json=asked).status_code == 200
    last = model.requests[-1]["messages"]
    assert [m["role"] for m in last] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert [m["content"] for m in last[1:5:2]] == ["question number 0", "question number 1"]
    other = {"userId": "viewer-2", "message": "hi", "context": where}
    api.post("/api/v1/chat", headers=tenant.headers, json=other)
    assert [m["role"] for m in model.requests[-1]["messages"]] == ["system", "user"]  # apart
    with container.db.engine.connect() as conn:
        kept = conn.execute(
            text("SELECT count(*) FROM personality_turns WHERE conversation = :c"),
            {"c": "twitch:wavecreator:viewer-1"},
        ).scalar()
    assert kept == 4  # the window, no more


def chat_line(n: int, text: str, role: str | None) -> dict[str, Any]:
    author = {"id": "owner" if role else f"viewer{n}", "name": "someone", "role": role}
    return {
        "id": f"m{n}",
        "platform": "twitch",
        "channel": {"id": "chan1"},
        "author": author,
        "text": text,
        "ts": f"2026-11-26T12:{n // 60:02d}:{n % 60:02d}+00:00",
    }


def test_chat_learning_reads_only_the_broadcasters_messages(
    api: SyncASGIClient, container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    lines = [chat_line(n, text, "broadcaster") for n, text in enumerate(CREATOR)]
    lines += [chat_line(100 + n, text, None) for n, text in enumerate(VIEWERS)]
    assert api.post("/api/v1/ingest", headers=tenant.headers, json=lines).status_code == 200
    theirs = [chat_line(200, "completely different words here", "broadcaster")]
    api.post("/api/v1/ingest", headers=other_tenant.headers, json=theirs)

    settings = PersonalitySettings()
    store = MemoryStore(DatabaseIndex(), HashEmbedder())
    assert learn_from_chat(container.uow(), settings=settings, store=store) == len(CREATOR) + 1
    assert learn_from_chat(container.uow(), settings=settings, store=store) == 0  # read once
    style = api.get("/api/v1/profile", headers=tenant.headers).json()["style"]
    assert style["samples"] == len(CREATOR)
    assert "ranked" in style["vocabulary"]
    assert not {"banana", "pancakes", "different"} & set(style["vocabulary"])
    other = api.get("/api/v1/profile", headers=other_tenant.headers).json()["style"]
    assert other["samples"] == 1


def test_rejected_content_is_not_offered_again_and_tiktok_captions_have_their_cap(
    api: SyncASGIClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    learn(api, tenant, CREATOR)
    first = generate(api, tenant, contentType="tweet", topic="ranked").json()
    api.post(
        f"/api/v1/generations/{first['id']}/reject",
        headers=tenant.headers,
        json={"feedback": "not this one"},
    )
    rejected = embed(first["content"])
    for _ in range(5):
        again = generate(api, tenant, contentType="tweet", topic="ranked")
        if again.status_code == 200:
            assert float(embed(again.json()["content"]) @ rejected) < 0.8
    set_settings(monkeypatch, "PERSONALITY", {"TIKTOK_CAPTION_CHARS": "60"})
    short = generate(
        api, tenant, contentType="caption", topic="clutch", options={"platform": "tiktok"}
    ).json()
    assert len(short["content"]) <= 60
