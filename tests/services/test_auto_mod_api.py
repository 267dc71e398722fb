"""The auto-mod API: check, word lists, violations, the audit and per-channel settings."""

from __future__ import annotations

from typing import Any

from support import SyncASGIClient, Tenant, make_tenant
from wavestack.bootstrap import Container


def check(api: SyncASGIClient, tenant: Tenant, message: str, **fields: Any) -> dict[str, Any]:
    body = {
        "message": message,
        "user_id": "u1",
        "username": "Troll",
        "platform": "twitch",
        "channel_id": "chan",
        **fields,
    }
    response = api.post("/api/v1/moderate/check", json=body, headers=tenant.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_check_follows_the_contract(api: SyncASGIClient, tenant: Tenant) -> None:
    clean = check(api, tenant, "gg that was a great play", user_id="nice")
    assert clean == {
        "should_delete": False,
        "should_timeout": False,
        "should_ban": False,
        "timeout_duration": 0,
        "violations": [],
        "scores": clean["scores"],
        "actions": [],
        "reason": "",
        "violations_in_window": 0,
        "audit_id": None,
        "protective_mode": False,
        "join_wave": 0,
    }
    toxic = check(api, tenant, "you are a fucking idiot")
    assert toxic["should_delete"] is True
    assert toxic["violations"] == ["toxicity"]
    assert toxic["actions"] == ["delete"]
    assert toxic["scores"]["toxicity"] >= 0.9
    exempt = check(api, tenant, "you are a fucking idiot", user_id="m", user_roles=["Moderator"])
    assert exempt["violations"] == []


def test_word_lists_apply_to_checks(api: SyncASGIClient, tenant: Tenant) -> None:
    h = tenant.headers
    assert api.post(
        "/api/v1/moderate/filter/add-word", json={"word": "pineapple"}, headers=h
    ).json() == {"added": 1}
    api.post("/api/v1/moderate/filter/add-phrase", json={"phrase": "touch grass"}, headers=h)
    assert api.get("/api/v1/moderate/filter/words", headers=h).json() == {
        "words": ["pineapple"],
        "phrases": ["touch grass"],
    }
    assert check(api, tenant, "p1n3app|e pizza", user_id="a")["violations"] == ["filter"]
    assert check(api, tenant, "go t o u c h grass", user_id="b")["violations"] == ["filter"]
    removed = api.delete("/api/v1/moderate/filter/remove-word?word=pineapple", headers=h)
    assert removed.json() == {"removed": 1}
    assert check(api, tenant, "pineapple pizza", user_id="c")["violations"] == []
    assert (
        api.post("/api/v1/moderate/filter/add-word", json={"word": " "}, headers=h).status_code
        == 422
    )
    assert api.delete("/api/v1/moderate/filter/remove-word", headers=h).status_code == 422


def test_violations_escalate_per_channel_settings_and_forgiveness(
    api: SyncASGIClient, tenant: Tenant
) -> None:
    h = tenant.headers
    saved = api.put(
        "/api/v1/moderate/settings/twitch/chan",
        json={"auto_timeout": True, "auto_ban": True, "violations_for_ban": 3},
        headers=h,
    )
    assert saved.status_code == 200, saved.text
    shown = api.get("/api/v1/moderate/settings/twitch/chan", headers=h).json()
    assert (shown["auto_timeout"], shown["violations_for_ban"], shown["toxicity_threshold"]) == (
        True,
        3,
        0.7,
    )
    actions = [check(api, tenant, f"you fucking idiot {i}")["actions"] for i in range(3)]
    assert actions == [["warn"], ["timeout"], ["ban"]]
    second = check(api, tenant, "you fucking idiot", channel_id="other", user_id="u2")
    assert second["actions"] == ["delete"]  # another channel keeps the seed's defaults
    assert api.get("/api/v1/moderate/violations/u1", headers=h).json() == {
        "user_id": "u1",
        "count": 3,
    }
    assert api.delete("/api/v1/moderate/violations/u1", headers=h).json()["cleared"] == 3
    assert check(api, tenant, "you fucking idiot again")["actions"] == ["warn"]
    bad = api.put("/api/v1/moderate/settings/twitch/chan", json={"ladder": ["explode"]}, headers=h)
    assert bad.status_code == 422
    assert (
        api.put(
            "/api/v1/moderate/settings/twitch/chan", json={"toxicity_threshold": 2}, headers=h
        ).status_code
        == 422
    )
    unknown = api.put("/api/v1/moderate/settings/twitch/chan", json={"speed": 3}, headers=h)
    assert (unknown.status_code, "speed" in unknown.text) == (422, True)
    links = api.put(
        "/api/v1/moderate/settings/twitch/chan",
        json={"allowed_domains": ["WWW.Twitch.TV"], "ladder": "warn, ban"},
        headers=h,
    )
    assert links.json() == {"allowed_domains": ["twitch.tv"], "ladder": ["warn", "ban"]}
    linked = check(api, tenant, "clip at clips.twitch.tv/abc", user_id="l1")
    assert linked["violations"] == []
    assert check(api, tenant, "see evil.example", user_id="l2")["violations"] == ["spam"]


def test_the_audit_and_undo(api: SyncASGIClient, tenant: Tenant, other_tenant: Tenant) -> None:
    h = tenant.headers
    first = check(api, tenant, "you fucking idiot", user_id="a1")
    check(api, tenant, "buy followers at bigfollows dot com", user_id="s1", channel_id="c2")
    page = api.get("/api/v1/moderate/audit", headers=h).json()
    assert page["total"] == 2
    assert [e["user_id"] for e in page["entries"]] == ["s1", "a1"]
    assert page["entries"][1]["message"] == "you fucking idiot"
    assert api.get("/api/v1/moderate/audit?channel_id=c2", headers=h).json()["total"] == 1
    assert api.get("/api/v1/moderate/audit?action=ban", headers=h).json()["total"] == 0
    undo = f"/api/v1/moderate/audit/{first['audit_id']}/undo"
    assert (
        api.post(undo, json={"false_positive": True}, headers=other_tenant.headers).status_code
        == 404
    )
    assert api.post(undo, json={"false_positive": True}, headers=h).status_code == 204
    entry = api.get("/api/v1/moderate/audit?user_id=a1", headers=h).json()["entries"][0]
    assert entry["false_positive"] is True
    assert entry["undone_by"] == tenant.client_id
    assert api.get("/api/v1/moderate/violations/a1", headers=h).json()["count"] == 0
    assert api.get("/api/v1/moderate/audit", headers=other_tenant.headers).json()["total"] == 0


def test_bad_input_is_refused_clearly(
    api: SyncASGIClient, tenant: Tenant, container: Container
) -> None:
    h = tenant.headers
    too_big = {"message": "x" * 100_001, "user_id": "u", "platform": "twitch", "channel_id": "c"}
    assert api.post("/api/v1/moderate/check", json=too_big, headers=h).status_code == 422
    empty = check(api, tenant, "", user_id="e")
    assert empty["violations"] == []
    wrong = {"message": "hi", "user_id": "u", "platform": "myspace", "channel_id": "c"}
    assert api.post("/api/v1/moderate/check", json=wrong, headers=h).status_code == 422
    reader = make_tenant(container, "Reader", scopes=["moderation:read"])
    body = {"message": "hi", "user_id": "u", "platform": "twitch", "channel_id": "c"}
    assert api.post("/api/v1/moderate/check", json=body, headers=reader.headers).status_code == 403
    assert api.get("/api/v1/moderate/filter/words", headers=reader.headers).status_code == 200
