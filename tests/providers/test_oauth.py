"""The authorization-code flow with PKCE against a fake token endpoint."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from fakes.oauth import FakeTokenEndpoint
from wavestack.providers.oauth import OAuthClient, OAuthEndpoints, OAuthError, new_pkce

REDIRECT = "http://127.0.0.1:8765/callback"


def oauth(endpoint: FakeTokenEndpoint, secret: str | None = None) -> OAuthClient:
    endpoints = OAuthEndpoints(
        authorize_url="https://id.example/oauth2/authorize",
        token_url="https://id.example/oauth2/token",
        client_id=endpoint.client_id,
        client_secret=endpoint.client_secret if secret is None else secret,
    )
    return OAuthClient(endpoints, httpx.Client(transport=endpoint.transport()))


def test_the_whole_flow_with_pkce() -> None:
    endpoint = FakeTokenEndpoint()
    client = oauth(endpoint)
    verifier, challenge = new_pkce()
    url = client.authorization_url(
        redirect_uri=REDIRECT, scopes=["chat:read", "chat:edit"], state="st4te", challenge=challenge
    )
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert query == {
        "response_type": "code",
        "client_id": "wavestack-test",
        "redirect_uri": REDIRECT,
        "scope": "chat:read chat:edit",
        "state": "st4te",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    tokens = client.exchange(
        code=endpoint.issue_code(challenge), redirect_uri=REDIRECT, verifier=verifier
    )
    assert tokens.access_token in endpoint.access_tokens
    assert tokens.scopes == ["chat:read", "chat:edit"]
    assert tokens.expires_at is not None
    assert tokens.refresh_token is not None
    fresh = client.refresh(tokens.refresh_token)
    assert fresh.access_token != tokens.access_token
    with pytest.raises(OAuthError) as refused:
        client.refresh(tokens.refresh_token)  # rotated: the old one is spent
    assert refused.value.revoked


def test_refusals_carry_oauth_errors() -> None:
    endpoint = FakeTokenEndpoint()
    code = endpoint.issue_code(new_pkce()[1])
    with pytest.raises(OAuthError, match="PKCE verification failed") as wrong:
        oauth(endpoint).exchange(code=code, redirect_uri=REDIRECT, verifier=new_pkce()[0])
    assert (wrong.value.code, wrong.value.status) == ("invalid_grant", 400)
    with pytest.raises(OAuthError, match="invalid_client") as bad_client:
        oauth(endpoint, secret="nope").refresh("anything")
    assert bad_client.value.revoked


def test_a_platform_that_keeps_the_refresh_token() -> None:
    endpoint = FakeTokenEndpoint(rotate_refresh=False)
    client = oauth(endpoint)
    first = client.exchange(code=endpoint.issue_code(), redirect_uri=REDIRECT, verifier=None)
    assert first.refresh_token is not None
    again = client.refresh(first.refresh_token)
    assert again.refresh_token == first.refresh_token


def test_a_dead_refresh_token_without_an_oauth_error_code_is_revoked() -> None:
    # Twitch answers {"status": 400, "message": "Invalid refresh token"}, no `error` field.
    twitchy = httpx.MockTransport(
        lambda request: httpx.Response(
            400, json={"status": 400, "message": "Invalid refresh token"}
        )
    )
    endpoints = OAuthEndpoints("https://id.example/authorize", "https://id.example/token", "c", "s")
    with pytest.raises(OAuthError, match="Invalid refresh token") as refused:
        OAuthClient(endpoints, httpx.Client(transport=twitchy)).refresh("dead")
    assert refused.value.revoked
