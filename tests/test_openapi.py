"""The OpenAPI document describes every route of the contract, and docs are served."""

from __future__ import annotations

from support import SyncASGIClient


def test_openapi_lists_the_contract(api: SyncASGIClient) -> None:
    spec = api.get("/api/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/api/auth/token",
        "/api/auth/validate",
        "/.well-known/jwks.json",
        "/api/organizations/current",
        "/api/projects",
        "/api/projects/{project_id}",
        "/api/assets",
        "/api/assets/{asset_id}",
        "/api/assets/{asset_id}/content",
        "/api/queue",
        "/api/queue/{item_id}",
        "/api/posts",
        "/api/webhooks",
        "/api/webhooks/{webhook_id}/deliveries",
        "/health",
        "/api/health",
    ):
        assert path in paths, path
    upload = paths["/api/assets"]["post"]["requestBody"]["content"]
    assert set(upload) == {"multipart/form-data", "application/json"}
    assert api.get("/api/docs").status_code == 200
    assert api.get("/api/redoc").status_code == 200


def test_health_needs_no_token(api: SyncASGIClient) -> None:
    for path in ("/health", "/api/health"):
        body = api.get(path).json()
        assert body["status"] == "ok"
        assert body["database"] == "ok"
