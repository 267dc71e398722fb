"""Connected accounts: tokens encrypted at rest, refreshed before they expire, revocation."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import text

from fakes.oauth import FakeTokenEndpoint
from support import Tenant
from wavestack.bootstrap import Container
from wavestack.kernel.clock import utcnow
from wavestack.providers.oauth import OAuthClient, OAuthEndpoints, TokenSet
from wavestack.services import connections


def client_for(endpoint: FakeTokenEndpoint) -> OAuthClient:
    endpoints = OAuthEndpoints(
        authorize_url="https://id.example/authorize",
        token_url="https://id.example/token",
        client_id=endpoint.client_id,
        client_secret=endpoint.client_secret,
    )
    return OAuthClient(endpoints, httpx.Client(transport=endpoint.transport()))


def connect(
    container: Container, org_id: str, endpoint: FakeTokenEndpoint, expires_in: int
) -> None:
    refresh = "r-" + str(expires_in)
    endpoint.refresh_tokens.add(refresh)
    connections.save(
        container.uow(),
        container.secrets,
        org_id=org_id,
        platform="twitch",
        account_id="1234",
        account_name="StreamerOne",
        tokens=TokenSet(
            "first-access", refresh, utcnow() + timedelta(seconds=expires_in), ["chat:read"]
        ),
    )


def test_tokens_are_encrypted_and_never_listed(
    container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    connect(container, tenant.org_id, FakeTokenEndpoint(), 3600)
    listed = connections.list_connections(container.uow(), org_id=tenant.org_id)
    assert [(c.platform, c.account_name, c.status) for c in listed] == [
        ("twitch", "StreamerOne", "active")
    ]
    assert "token" not in listed[0].model_dump_json()
    assert connections.list_connections(container.uow(), org_id=other_tenant.org_id) == []
    with container.db.engine.connect() as db:
        stored = db.execute(text("SELECT access_token_encrypted FROM connections")).scalar_one()
    assert "first-access" not in stored
    creds = connections.credentials(
        container.uow(),
        container.secrets,
        org_id=tenant.org_id,
        platform="twitch",
        refresh=client_for(FakeTokenEndpoint()).refresh,
    )
    assert (creds.access_token, creds.account_id) == ("first-access", "1234")  # still fresh


def test_refreshed_before_expiry_and_when_asked(container: Container, tenant: Tenant) -> None:
    endpoint = FakeTokenEndpoint()
    connect(container, tenant.org_id, endpoint, 60)  # inside the five-minute margin

    def creds(**kwargs: bool) -> connections.Credentials:
        return connections.credentials(
            container.uow(),
            container.secrets,
            org_id=tenant.org_id,
            platform="twitch",
            refresh=client_for(endpoint).refresh,
            **kwargs,
        )

    first = creds()
    assert first.access_token in endpoint.access_tokens
    assert creds().access_token == first.access_token  # stored: no second refresh
    assert len(endpoint.calls) == 1
    forced = creds(force_refresh=True)  # the platform said 401
    assert forced.access_token != first.access_token
    assert len(endpoint.calls) == 2


def test_a_revoked_grant_says_to_connect_again(
    container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    endpoint = FakeTokenEndpoint()
    connect(container, tenant.org_id, endpoint, 10)
    endpoint.refresh_tokens.clear()  # the streamer removed the app on twitch.tv

    def creds() -> connections.Credentials:
        return connections.credentials(
            container.uow(),
            container.secrets,
            org_id=tenant.org_id,
            platform="twitch",
            refresh=client_for(endpoint).refresh,
        )

    with pytest.raises(connections.ConnectionUnusable, match="connect it again"):
        creds()
    listed = connections.list_connections(container.uow(), org_id=tenant.org_id)
    assert listed[0].status == "revoked"
    assert "Invalid refresh token" in (listed[0].status_reason or "")
    with pytest.raises(connections.ConnectionUnusable, match="stopped working"):
        creds()
    with pytest.raises(connections.ConnectionUnusable, match="not connected"):
        connections.credentials(
            container.uow(),
            container.secrets,
            org_id=other_tenant.org_id,
            platform="twitch",
            refresh=client_for(endpoint).refresh,
        )
    connect(container, tenant.org_id, endpoint, 3600)  # connected again: usable
    assert creds().access_token == "first-access"
    connections.remove(container.uow(), org_id=tenant.org_id, connection_id=listed[0].id)
    assert connections.list_connections(container.uow(), org_id=tenant.org_id) == []
