"""Connecting accounts over the API: the consent URL with PKCE and a sealed state, the
callback storing the account for the organization the state names, listing without tokens,
removing; forged, expired and refused callbacks connect nothing."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from fakes.http import served
from fakes.x import FakeX
from support import SyncASGIClient, Tenant, set_settings
from wavestack.bootstrap import Container


@pytest.fixture
def x(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeX]:
    fake = FakeX()
    with served(fake.handle) as base:
        set_settings(
            monkeypatch,
            "X",
            {
                "CLIENT_ID": "x-app",
                "CLIENT_SECRET": "s3cret",
                "API_URL": base,
                "AUTH_URL": f"{base}/i/oauth2/authorize",
                "TOKEN_URL": f"{base}/2/oauth2/token",
            },
        )
        yield fake


def start(api: SyncASGIClient, tenant: Tenant) -> dict[str, str]:
    response = api.get("/api/connections/x/authorize", headers=tenant.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["redirectUri"] == "http://127.0.0.1:8080/api/connections/x/callback"
    query = {k: v[0] for k, v in parse_qs(urlsplit(body["authorizationUrl"]).query).items()}
    assert query["redirect_uri"] == body["redirectUri"]
    assert query["code_challenge_method"] == "S256"
    return query


def test_connect_list_and_remove(
    x: FakeX, api: SyncASGIClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    query = start(api, tenant)
    code = x.oauth.issue_code(query["code_challenge"])
    back = api.get("/api/connections/x/callback", params={"code": code, "state": query["state"]})
    assert back.status_code == 200
    assert "x account wavecreator is connected" in back.text
    listed = api.get("/api/connections", headers=tenant.headers).json()
    assert [(c["platform"], c["accountName"], c["status"]) for c in listed] == [
        ("x", "wavecreator", "active")
    ]
    assert not any("token" in key.lower() for key in listed[0])
    assert api.get("/api/connections", headers=other_tenant.headers).json() == []
    gone = f"/api/connections/{listed[0]['id']}"
    assert api.delete(gone, headers=other_tenant.headers).status_code == 404
    assert api.delete(gone, headers=tenant.headers).status_code == 204
    assert api.get("/api/connections", headers=tenant.headers).json() == []


def test_bad_callbacks_connect_nothing(
    x: FakeX, api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    query = start(api, tenant)
    code = x.oauth.issue_code(query["code_challenge"])
    forged = api.get("/api/connections/x/callback", params={"code": code, "state": "forged"})
    assert forged.status_code == 400
    assert "not one WaveStack made" in forged.text
    stale = container.secrets.encrypt(
        json.dumps(
            {"org": tenant.org_id, "platform": "x", "verifier": "v", "until": time.time() - 1}
        )
    )
    expired = api.get("/api/connections/x/callback", params={"code": code, "state": stale})
    assert "expired" in expired.text
    elsewhere = api.get(
        "/api/connections/tiktok/callback", params={"code": code, "state": query["state"]}
    )
    assert elsewhere.status_code == 400  # a state for X is no good for TikTok
    denied = api.get(
        "/api/connections/x/callback",
        params={"error": "access_denied", "error_description": "The user denied access"},
    )
    assert (denied.status_code, "The user denied access" in denied.text) == (400, True)
    wrong_code = api.get(
        "/api/connections/x/callback", params={"code": "made-up", "state": query["state"]}
    )
    assert wrong_code.status_code == 400
    assert api.get("/api/connections", headers=tenant.headers).json() == []
    assert api.get("/api/connections/myspace/authorize", headers=tenant.headers).status_code == 404
    unset = api.get("/api/connections/tiktok/authorize", headers=tenant.headers)
    assert unset.status_code == 422
    assert "WAVESTACK_TIKTOK_CLIENT_ID" in unset.json()["error"]["message"]
