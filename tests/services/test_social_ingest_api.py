"""Social ingest: idempotent batches, edits, filters and pages, isolation; chat for highlights."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from support import SyncASGIClient, Tenant, make_tenant
from wavestack.bootstrap import Container

START = datetime(2026, 11, 20, 20, 0, tzinfo=UTC)


def event(n: int, **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": f"m{n}",
        "platform": "twitch",
        "channel": {"id": "chan1", "name": "creator"},
        "author": {"id": f"u{n % 3}", "name": f"viewer{n % 3}", "isMod": n % 3 == 0},
        "text": f"message {n}",
        "ts": (START + timedelta(seconds=n)).isoformat(),
    }
    return {**base, **changes}


def ingest(api: SyncASGIClient, tenant: Tenant, body: Any) -> dict[str, Any]:
    response = api.post("/api/v1/ingest", json=body, headers=tenant.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def messages(api: SyncASGIClient, tenant: Tenant, query: str = "") -> dict[str, Any]:
    response = api.get(f"/api/v1/messages{query}", headers=tenant.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_batches_are_idempotent_and_edits_are_kept(api: SyncASGIClient, tenant: Tenant) -> None:
    batch = [event(n) for n in range(10)]
    assert ingest(api, tenant, batch) == {"accepted": 10, "duplicates": 0, "edited": 0}
    assert ingest(api, tenant, {"events": batch}) == {"accepted": 0, "duplicates": 10, "edited": 0}
    edited = [event(3, text="message 3 (edited)"), event(10), event(10)]
    assert ingest(api, tenant, edited) == {"accepted": 1, "duplicates": 1, "edited": 1}
    page = messages(api, tenant, "?limit=5")
    assert page["count"] == 11
    assert page["hasMore"] is True
    assert [m["id"] for m in page["messages"]] == ["m10", "m9", "m8", "m7", "m6"]
    third = messages(api, tenant, "?userId=u0&limit=100")["messages"]
    assert {m["author"]["id"] for m in third} == {"u0"}
    assert all(m["author"]["isMod"] for m in third)
    changed = next(m for m in messages(api, tenant, "?limit=100")["messages"] if m["id"] == "m3")
    assert changed["text"] == "message 3 (edited)"
    assert changed["editedAt"] is not None


def test_filters_by_platform_channel_and_time(api: SyncASGIClient, tenant: Tenant) -> None:
    ingest(api, tenant, [event(n) for n in range(5)])
    ingest(api, tenant, [event(n, platform="discord", channel={"id": "c2"}) for n in range(3)])
    assert messages(api, tenant, "?platform=discord")["count"] == 3
    assert messages(api, tenant, "?channelId=chan1")["count"] == 5
    since = (START + timedelta(seconds=1)).isoformat().replace("+", "%2B")
    until = (START + timedelta(seconds=3)).isoformat().replace("+", "%2B")
    window = messages(api, tenant, f"?platform=twitch&since={since}&until={until}")
    assert [m["id"] for m in window["messages"]] == ["m2", "m1"]


def test_concurrent_copies_of_a_batch_store_it_once(
    api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    batch = [event(n) for n in range(20)]
    calls = [("POST", "/api/v1/ingest", {"json": batch, "headers": tenant.headers})] * 8
    responses = api.concurrently(calls)
    assert all(r.status_code == 200 for r in responses)
    assert sum(r.json()["accepted"] for r in responses) == 20
    assert messages(api, tenant)["count"] == 20


def test_organizations_see_only_their_messages(
    api: SyncASGIClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    ingest(api, tenant, [event(n) for n in range(3)])
    assert messages(api, other_tenant)["count"] == 0
    # The same platform message id in another organization is its own message.
    assert ingest(api, other_tenant, [event(1)])["accepted"] == 1


@pytest.mark.parametrize(
    "body",
    [
        [event(1, platform="myspace")],
        [event(1, ts="2026-11-20T20:00:00")],  # no zone
        [event(1, text="x" * 4001)],
        [{k: v for k, v in event(1).items() if k != "author"}],
        [event(n) for n in range(1001)],
    ],
)
def test_bad_batches_are_refused_whole(
    api: SyncASGIClient, tenant: Tenant, body: list[dict[str, Any]]
) -> None:
    response = api.post("/api/v1/ingest", json=[event(0), *body], headers=tenant.headers)
    assert response.status_code == 422, response.text
    assert messages(api, tenant)["count"] == 0


@pytest.mark.parametrize("body", [[], {"events": []}])
def test_an_empty_batch_is_refused(api: SyncASGIClient, tenant: Tenant, body: Any) -> None:
    response = api.post("/api/v1/ingest", json=body, headers=tenant.headers)
    assert response.status_code == 422, response.text


def test_scopes(api: SyncASGIClient, container: Container) -> None:
    reader = make_tenant(container, "Reader", scopes=["chat:read"])
    assert api.post("/api/v1/ingest", json=[event(1)], headers=reader.headers).status_code == 403
    assert api.get("/api/v1/messages", headers=reader.headers).status_code == 200


def test_highlights_read_stored_chat(api: SyncASGIClient, tenant: Tenant) -> None:
    from test_highlights import MOMENTS, chat_log, overlaps

    log = chat_log()
    batch = [
        event(n, text=m["text"], ts=(START + timedelta(seconds=m["ts"])).isoformat())
        for n, m in enumerate(log)
    ]
    for first in range(0, len(batch), 1000):
        ingest(api, tenant, batch[first : first + 1000])
    body = {
        "chat_source": {
            "platform": "twitch",
            "channel_id": "chan1",
            "since": START.isoformat(),
            "until": (START + timedelta(seconds=300)).isoformat(),
        },
        "limit": 2,
    }
    response = api.post("/api/v1/highlights", json=body, headers=tenant.headers)
    assert response.status_code == 200, response.text
    spans = [(c["start_sec"], c["end_sec"]) for c in response.json()["candidates"]]
    assert len(spans) == 2
    assert all(any(overlaps(span, m) for m in MOMENTS[1:]) for span in spans)


def test_user_and_channel_analytics_and_the_leaderboard(
    api: SyncASGIClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    day = START.date().isoformat()
    batch = [
        event(1, author={"id": "ana", "name": "Ana"}, text="KEKW that #speedrun #Speedrun"),
        event(2, author={"id": "ana", "name": "Ana"}, text="<:catdance:1234> gg"),
        event(3, author={"id": "ana", "name": "Ana"}, text="hi", meta={"emotes": ["HeyGuys"]}),
        event(4, author={"id": "bo", "name": "Bo"}, text="KEKW"),
        event(5, author={"id": "ana", "name": "Ana"}, text="next day", ts="2026-11-21T09:00:00Z"),
    ]
    ingest(api, tenant, batch)
    user = api.get("/api/v1/analytics/user/ana", headers=tenant.headers).json()
    assert user["messageCount"] == 4
    assert user["name"] == "Ana"
    assert user["activeHours"] == {"20": 3, "9": 1}
    assert user["activeDays"] == {"5": 3, "6": 1}  # a Friday and a Saturday
    assert {e["name"]: e["count"] for e in user["topEmotes"]} == {
        "KEKW": 1,
        "catdance": 1,
        "HeyGuys": 1,
    }
    assert user["topHashtags"] == [{"name": "speedrun", "count": 2}]
    assert user["firstSeen"].startswith("2026-11-20T20:00:01")
    assert user["lastSeen"].startswith("2026-11-21T09:00:00")

    channel = api.get(f"/api/v1/analytics/channel/chan1?date={day}", headers=tenant.headers)
    assert channel.status_code == 200, channel.text
    assert (channel.json()["messages"], channel.json()["uniqueChatters"]) == (4, 2)
    assert channel.json()["topUsers"][0] == {
        "userId": "ana",
        "name": "Ana",
        "platform": "twitch",
        "value": 3,
    }
    assert channel.json()["topEmotes"][0] == {"name": "KEKW", "count": 2}

    board = api.get("/api/v1/leaderboard?limit=5", headers=tenant.headers).json()
    assert [(row["userId"], row["value"]) for row in board] == [("ana", 4), ("bo", 1)]
    unknown = api.get("/api/v1/leaderboard?metric=points", headers=tenant.headers)
    assert unknown.status_code == 422
    assert api.get("/api/v1/analytics/user/nobody", headers=tenant.headers).status_code == 404
    assert api.get("/api/v1/analytics/user/ana", headers=other_tenant.headers).status_code == 404
    assert api.get("/api/v1/leaderboard", headers=other_tenant.headers).json() == []


def search(api: SyncASGIClient, tenant: Tenant, query: str) -> list[dict[str, Any]]:
    response = api.get(f"/api/v1/search?{query}", headers=tenant.headers)
    assert response.status_code == 200, response.text
    return list(response.json()["messages"])


def test_full_text_search_ranks_filters_and_follows_edits(
    api: SyncASGIClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    ingest(
        api,
        tenant,
        [
            event(1, text="that clutch was insane, clutch clutch clutch"),
            event(2, text="clutch play"),
            event(3, text="nothing to see"),
            event(4, text="Clutch on discord", platform="discord", channel={"id": "d1"}),
            event(5, text="Café crème ☕"),
        ],
    )
    hits = search(api, tenant, "q=clutch")
    assert hits[0]["id"] == "m1"  # more mentions rank higher
    assert {h["id"] for h in hits} == {"m1", "m2", "m4"}  # case-insensitive
    assert hits[0]["rank"] >= hits[1]["rank"]
    assert [h["id"] for h in search(api, tenant, "q=clutch&platform=discord")] == ["m4"]
    assert [h["id"] for h in search(api, tenant, "q=clutch+play")] == ["m2"]  # every word
    assert [h["id"] for h in search(api, tenant, "q=CAF%C3%89")] == ["m5"]
    assert search(api, tenant, "q=%22OR%20*%20NEAR(") == []  # FTS syntax is just words
    ingest(api, tenant, [event(2, text="now about something else")])  # an edit
    assert {h["id"] for h in search(api, tenant, "q=clutch")} == {"m1", "m4"}
    assert [h["id"] for h in search(api, tenant, "q=something")] == ["m2"]
    assert search(api, other_tenant, "q=clutch") == []
    empty = api.get("/api/v1/search?q=%21%21", headers=tenant.headers)
    assert empty.status_code == 422


def test_platform_events_are_stored_once_and_filtered(
    api: SyncASGIClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    def platform_event(n: int, kind: str, **extra: Any) -> dict[str, Any]:
        ts = (START + timedelta(minutes=n)).isoformat()
        return {"id": f"e{n}", "platform": "twitch", "eventType": kind, "channelId": "chan1",
                "ts": ts, **extra}  # fmt: skip

    batch = [
        platform_event(0, "stream_start"),
        platform_event(1, "raid", userId="r1", userName="Raider", amount=120),
        platform_event(2, "subscription", userId="s1", data={"tier": "1000"}),
        platform_event(3, "bits", amount=500),
    ]
    response = api.post("/api/v1/events", json={"events": batch}, headers=tenant.headers)
    assert response.json() == {"accepted": 4, "duplicates": 0}
    again = api.post("/api/v1/events", json={"events": batch[:2]}, headers=tenant.headers)
    assert again.json() == {"accepted": 0, "duplicates": 2}
    page = api.get("/api/v1/events?limit=2", headers=tenant.headers).json()
    assert (page["count"], page["hasMore"]) == (4, True)
    assert [e["eventType"] for e in page["events"]] == ["bits", "subscription"]
    raids = api.get("/api/v1/events?eventType=raid", headers=tenant.headers).json()["events"]
    assert len(raids) == 1
    assert {k: raids[0][k] for k in ("id", "userId", "userName", "amount", "data")} == {
        "id": "e1",
        "userId": "r1",
        "userName": "Raider",
        "amount": 120,
        "data": None,
    }
    assert raids[0]["ts"] == "2026-11-20T20:01:00Z"
    bad = api.post(
        "/api/v1/events",
        json={"events": [platform_event(9, "explosion")]},
        headers=tenant.headers,
    )
    assert bad.status_code == 422
    assert api.get("/api/v1/events", headers=other_tenant.headers).json()["count"] == 0


def test_search_ranks_among_the_newest_matches(
    api: SyncASGIClient, tenant: Tenant, other_tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wavestack.services.social_ingest import service

    texts = ["gg gg gg", "gg wp", "well gg", "gg nice", "gg ez"]
    ingest(api, tenant, [event(n, text=text) for n, text in enumerate(texts)])
    # Another organization's newer matches do not take the caller's places.
    ingest(api, other_tenant, [event(10 + n, text="gg") for n in range(5)])
    ranked = [m["text"] for m in search(api, tenant, "q=gg")]
    assert ranked[0] == "gg gg gg"
    assert sorted(ranked) == sorted(texts)
    monkeypatch.setattr(service, "SEARCH_CANDIDATES", 3)
    newest = [m["text"] for m in search(api, tenant, "q=gg")]
    assert sorted(newest) == sorted(texts[2:])
