"""Auth as the contract states it: JWKS, tokens, validation, scopes and refused tokens."""

from __future__ import annotations

import base64
import json
import stat
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from support import SyncASGIClient, Tenant
from wavestack.bootstrap import Container
from wavestack.kernel.config import Settings
from wavestack.kernel.keys import KeyStore


def _claims(tenant: Tenant, settings: Settings, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "sub": tenant.client_id,
        "org_id": tenant.org_id,
        "scope": "admin",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "aud": settings.auth_audience,
        "iss": settings.auth_issuer,
    }
    claims.update(overrides)
    return claims


def _sign(container: Container, claims: dict[str, Any], *, key: Any = None, kid: str = "") -> str:
    return jwt.encode(
        claims,
        key or container.keys.signing()[1],
        algorithm="RS256",
        headers={"kid": kid or container.settings.auth_key_id},
    )


def test_jwks_publishes_the_signing_key(api: SyncASGIClient, container: Container) -> None:
    body = api.get("/.well-known/jwks.json").json()
    (key,) = body["keys"]
    assert key["kty"] == "RSA"
    assert key["alg"] == "RS256"
    assert key["use"] == "sig"
    assert key["kid"] == container.settings.auth_key_id
    n = int.from_bytes(base64.urlsafe_b64decode(key["n"] + "=="), "big")
    assert n == container.keys.public_key.public_numbers().n


def test_token_with_json_and_form(api: SyncASGIClient, tenant: Tenant) -> None:
    creds = {"client_id": tenant.client_id, "client_secret": tenant.client_secret}
    as_json = api.post("/api/auth/token", json=creds)
    as_form = api.post("/api/auth/token", data={**creds, "grant_type": "client_credentials"})
    for response in (as_json, as_form):
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 3600
        claims = jwt.decode(body["access_token"], options={"verify_signature": False})
        assert claims["org_id"] == tenant.org_id
        assert claims["sub"] == tenant.client_id
        assert claims["aud"] == "wavestack-api"
        assert claims["iss"] == "wavestack"
        assert claims["exp"] - claims["iat"] == 3600
        assert jwt.get_unverified_header(body["access_token"])["kid"] == "wavestack-1"
        # The token works against a protected route.
        headers = {"Authorization": f"Bearer {body['access_token']}"}
        assert api.get("/api/queue", headers=headers).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"client_id": "wsc_nope", "client_secret": "wss_nope"},
        {"client_id": "__REAL__", "client_secret": "wss_wrong"},
    ],
)
def test_wrong_credentials_are_401(
    api: SyncASGIClient, tenant: Tenant, body: dict[str, str]
) -> None:
    if body["client_id"] == "__REAL__":
        body = {**body, "client_id": tenant.client_id}
    response = api.post("/api/auth/token", json=body)
    assert response.status_code == 401
    assert response.json()["error"]["details"]["oauth_error"] == "invalid_client"


def test_token_request_validation(api: SyncASGIClient, tenant: Tenant) -> None:
    assert api.post("/api/auth/token", json={"client_id": tenant.client_id}).status_code == 422
    assert api.post("/api/auth/token", content=b"{not json").status_code == 422
    grant = {"grant_type": "password", "client_id": "a", "client_secret": "b"}
    response = api.post("/api/auth/token", data=grant)
    assert response.status_code == 422
    assert response.json()["error"]["details"]["oauth_error"] == "unsupported_grant_type"


def test_requested_scopes_are_intersected(api: SyncASGIClient, container: Container) -> None:
    from support import make_tenant

    limited = make_tenant(container, "Limited", scopes=["queue:read", "assets:read"])
    creds = {"client_id": limited.client_id, "client_secret": limited.client_secret}
    token = api.post("/api/auth/token", json={**creds, "scope": "queue:read queue:write"}).json()
    assert token["scope"] == "queue:read"
    refused = api.post("/api/auth/token", json={**creds, "scope": "queue:write"})
    assert refused.status_code == 422
    everything = api.post("/api/auth/token", json=creds).json()
    assert set(everything["scope"].split()) == {"queue:read", "assets:read"}


def test_missing_scope_is_403(api: SyncASGIClient, container: Container) -> None:
    from support import make_tenant

    reader = make_tenant(container, "Reader", scopes=["queue:read"])
    assert api.get("/api/queue", headers=reader.headers).status_code == 200
    response = api.post("/api/queue", headers=reader.headers, json={})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"
    assert api.get("/api/projects", headers=reader.headers).status_code == 403


def test_validate_returns_identity_headers(api: SyncASGIClient, tenant: Tenant) -> None:
    response = api.get("/api/auth/validate", headers=tenant.headers)
    assert response.status_code == 200
    assert response.headers["X-User-Id"] == tenant.client_id
    assert response.headers["X-Org-Id"] == tenant.org_id
    assert response.headers["X-Scopes"] == "admin"
    assert api.get("/api/auth/validate").status_code == 401
    bad = {"Authorization": "Bearer nonsense"}
    assert api.get("/api/auth/validate", headers=bad).status_code == 401


def _refused_tokens(container: Container, tenant: Tenant) -> dict[str, str]:
    settings = container.settings
    now = int(time.time())
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    unsigned_header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=")
    unsigned_body = base64.urlsafe_b64encode(json.dumps(_claims(tenant, settings)).encode()).rstrip(
        b"="
    )
    hs256 = jwt.encode(
        _claims(tenant, settings),
        "a-shared-secret-that-is-long-enough-for-hmac",
        algorithm="HS256",
        headers={"kid": settings.auth_key_id},
    )
    return {
        "expired": _sign(container, _claims(tenant, settings, exp=now - 3600, iat=now - 7200)),
        "not yet valid": _sign(container, _claims(tenant, settings, nbf=now + 3600)),
        "wrong audience": _sign(container, _claims(tenant, settings, aud="someone-else")),
        "wrong issuer": _sign(container, _claims(tenant, settings, iss="evil")),
        "alg none": (unsigned_header + b"." + unsigned_body + b".").decode(),
        "forged": _sign(container, _claims(tenant, settings), key=other_key),
        "hs256 confusion": hs256,
        "unknown kid": _sign(container, _claims(tenant, settings), kid="other-kid"),
        "no org": _sign(container, _claims(tenant, settings, org_id="")),
        "no exp": _sign(
            container, {k: v for k, v in _claims(tenant, settings).items() if k != "exp"}
        ),
        "garbage": "abc.def.ghi",
    }


def test_refused_tokens(api: SyncASGIClient, container: Container, tenant: Tenant) -> None:
    assert api.get("/api/queue", headers=tenant.headers).status_code == 200
    for reason, token in _refused_tokens(container, tenant).items():
        response = api.get("/api/queue", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, reason
        assert response.json()["error"]["code"] == "UNAUTHORIZED", reason


def test_spoofed_org_header_is_403(
    api: SyncASGIClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    same = {**tenant.headers, "X-Org-Id": tenant.org_id}
    assert api.get("/api/queue", headers=same).status_code == 200
    spoofed = {**tenant.headers, "X-Org-Id": other_tenant.org_id}
    response = api.get("/api/queue", headers=spoofed)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"


def test_keys_persist_with_private_mode(container: Container) -> None:
    keys_dir = container.settings.resolved_keys_dir
    assert keys_dir is not None
    private = keys_dir / "jwt-private.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert (keys_dir / "jwt-public.pem").exists()
    again = KeyStore(keys_dir, key_id="wavestack-1")
    assert again.public_key.public_numbers() == container.keys.public_key.public_numbers()


def test_current_organization(api: SyncASGIClient, tenant: Tenant) -> None:
    org = api.get("/api/organizations/current", headers=tenant.headers).json()
    assert org["id"] == tenant.org_id
    assert org["plan"] == "free"
    renamed = api.patch(
        "/api/organizations/current", headers=tenant.headers, json={"name": "Renamed"}
    )
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Renamed"


def test_rotation_keeps_old_tokens_valid_until_they_expire(
    api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    old_token = tenant.token
    old_kid = container.keys.key_id
    keys_dir = container.settings.resolved_keys_dir
    assert keys_dir is not None
    # Another process (the CLI) rotates the keys on disk.
    rotation = KeyStore(keys_dir, key_id="wavestack-1").rotate(keep_old_for_seconds=600)
    assert rotation.retired_kid == old_kid
    kids = [k["kid"] for k in api.get("/.well-known/jwks.json").json()["keys"]]
    assert kids == [rotation.kid, old_kid]
    assert api.get("/api/queue", headers=tenant.headers).status_code == 200
    creds = {"client_id": tenant.client_id, "client_secret": tenant.client_secret}
    new_token = api.post("/api/auth/token", json=creds).json()["access_token"]
    assert jwt.get_unverified_header(new_token)["kid"] == rotation.kid
    headers = {"Authorization": f"Bearer {new_token}"}
    assert api.get("/api/queue", headers=headers).status_code == 200
    assert stat.S_IMODE((keys_dir / "jwt-private.pem").stat().st_mode) == 0o600

    # Once the retired key's tokens have all expired, it leaves the JWKS and verifies nothing.
    (keys_dir / "retired" / f"{old_kid}.expires").write_text(str(time.time() - 1))
    fresh = KeyStore(keys_dir, key_id="wavestack-1")
    assert [k["kid"] for k in fresh.jwks()["keys"]] == [rotation.kid]
    assert fresh.verifying_key(old_kid) is None
    from wavestack.kernel.auth import TokenService

    with pytest.raises(Exception, match="current key"):
        TokenService(fresh, container.settings).verify(old_token)
