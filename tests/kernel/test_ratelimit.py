"""Per-client rate limits with X-RateLimit-* headers, in memory and in Redis."""

from __future__ import annotations

from typing import Any

from support import asgi_client, make_tenant
from wavestack.app import create_app
from wavestack.bootstrap import bootstrap
from wavestack.kernel.config import RateLimits


def test_over_the_limit_is_429_with_retry_after(settings_factory: Any, namespace: str) -> None:
    container = bootstrap(
        settings_factory(rate_limits=RateLimits(core=3)), immediate_jobs=True, namespace=namespace
    )
    a, b = make_tenant(container, "A"), make_tenant(container, "B")
    try:
        with asgi_client(create_app(container)) as api:
            seen = [api.get("/api/queue", headers=a.headers) for _ in range(4)]
            assert [r.status_code for r in seen] == [200, 200, 200, 429]
            assert [r.headers["X-RateLimit-Remaining"] for r in seen[:3]] == ["2", "1", "0"]
            assert all(r.headers["X-RateLimit-Limit"] == "3" for r in seen)
            refused = seen[-1]
            assert refused.json()["error"]["code"] == "RATE_LIMITED"
            assert 1 <= int(refused.headers["Retry-After"]) <= 60
            assert int(refused.headers["X-RateLimit-Reset"]) > 0
            # Limits are per client: another client is unaffected, and every answer it gets,
            # success or error, says where it stands.
            missing = api.get("/api/queue/nope", headers=b.headers)
            assert missing.status_code == 404
            assert missing.headers["X-RateLimit-Remaining"] == "2"
            created = api.post("/api/projects", headers=b.headers, json={"name": "p"})
            assert created.status_code == 201
            assert created.headers["X-RateLimit-Remaining"] == "1"
            assert api.get("/api/queue", headers=b.headers).status_code == 200
            assert api.get("/api/queue", headers=b.headers).status_code == 429
            # Health is never limited.
            assert all(api.get("/health").status_code == 200 for _ in range(5))
    finally:
        container.close()


def test_token_endpoint_is_limited_per_client_id(settings_factory: Any, namespace: str) -> None:
    container = bootstrap(
        settings_factory(rate_limits=RateLimits(token=2)), immediate_jobs=True, namespace=namespace
    )
    try:
        with asgi_client(create_app(container)) as api:
            body = {"client_id": "wsc_guess", "client_secret": "wss_guess"}
            codes = [api.post("/api/auth/token", json=body).status_code for _ in range(3)]
            assert codes == [401, 401, 429]
    finally:
        container.close()
