"""Outbound webhooks: registration rules, signed deliveries, retries, and exactly-once success."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from support import RecordingServer, SyncASGIClient, Tenant, asgi_client, make_tenant
from wavestack.app import create_app
from wavestack.bootstrap import Container, bootstrap
from wavestack.runtime import Role, background_roles

LOCAL = ["127.0.0.1/32"]


def _wait_for(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def _expected_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _upload(api: SyncASGIClient, tenant: Tenant) -> dict[str, Any]:
    response = api.post(
        "/api/assets", headers=tenant.headers, files={"file": ("a.mp4", b"x" * 10, "video/mp4")}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.fixture
def live(settings_factory: Any, namespace: str) -> Iterator[Container]:
    """A container with a real job queue and consumer threads, as `wavestack up` runs them."""
    container = bootstrap(
        settings_factory(http_allowed_hosts=LOCAL), immediate_jobs=False, namespace=namespace
    )
    with background_roles(container, frozenset({Role.worker, Role.scheduler})):
        yield container
    container.jobs.huey.flush()
    container.close()


def test_registration_rules(api: SyncASGIClient, tenant: Tenant) -> None:
    for body in (
        {"url": "http://127.0.0.1:9/hook", "events": ["*"]},  # private target, not allowed
        {"url": "ftp://example.com/hook", "events": ["*"]},
        {"url": "https://example.com/hook", "events": []},
        {"url": "https://example.com/hook", "events": ["Not An Event"]},
        {"url": "https://example.com/hook", "events": ["*"], "secret": "short"},
    ):
        response = api.post("/api/webhooks", headers=tenant.headers, json=body)
        assert response.status_code == 422, body
        assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert api.get("/api/webhooks", headers=tenant.headers).json()["total"] == 0

    created = api.post(
        "/api/webhooks",
        headers=tenant.headers,
        json={"url": "https://hooks.example.com/in", "events": ["queue_item.*", "asset.created"]},
    )
    assert created.status_code == 201
    body = created.json()
    assert body["secret"].startswith("whsec_")
    listed = api.get("/api/webhooks", headers=tenant.headers).json()
    assert listed["total"] == 1
    assert "secret" not in listed["items"][0]
    webhook_id = body["id"]
    assert api.delete(f"/api/webhooks/{webhook_id}", headers=tenant.headers).status_code == 204
    assert api.get(f"/api/webhooks/{webhook_id}", headers=tenant.headers).status_code == 404


def test_webhook_secret_is_encrypted_at_rest(
    api: SyncASGIClient, tenant: Tenant, container: Container
) -> None:
    from sqlalchemy import text

    secret = "s" * 32
    api.post(
        "/api/webhooks",
        headers=tenant.headers,
        json={"url": "https://hooks.example.com/in", "events": ["*"], "secret": secret},
    )
    with container.db.engine.connect() as conn:
        stored = conn.execute(text("SELECT secret_encrypted FROM webhooks_endpoints")).scalar_one()
    assert secret not in stored
    assert container.secrets.decrypt(stored) == secret


def test_delivery_is_signed_and_retried_until_success_exactly_once(live: Container) -> None:
    tenant = make_tenant(live, "Hooked")
    receiver = RecordingServer(statuses=[500, 200])
    with receiver.running(), asgi_client(create_app(live)) as api:
        hook = api.post(
            "/api/webhooks",
            headers=tenant.headers,
            json={"url": f"{receiver.url}/in", "events": ["asset.created"]},
        ).json()
        asset = _upload(api, tenant)

        def delivered() -> bool:
            page = api.get(f"/api/webhooks/{hook['id']}/deliveries", headers=tenant.headers)
            items = page.json()["items"]
            return bool(items) and items[0]["status"] == "delivered"

        _wait_for(delivered)
        time.sleep(1.5)  # long enough for any stray retry to show up
        deliveries = api.get(
            f"/api/webhooks/{hook['id']}/deliveries", headers=tenant.headers
        ).json()

    assert len(receiver.requests) == 2  # one 500, then one success; nothing after
    event_ids = {r.headers["x-wavestack-event-id"] for r in receiver.requests}
    assert len(event_ids) == 1
    for request in receiver.requests:
        assert request.headers["x-wavestack-signature"] == _expected_signature(
            hook["secret"], request.body
        )
        assert request.headers["x-wavestack-event"] == "asset.created"
        payload = json.loads(request.body)
        assert payload["type"] == "asset.created"
        assert payload["org_id"] == tenant.org_id
        assert payload["data"]["asset_id"] == asset["id"]
    (delivery,) = deliveries["items"]
    assert delivery["attempts"] == 2
    assert [a["statusCode"] for a in delivery["history"]] == [500, 200]


def test_event_types_are_filtered_and_orgs_kept_apart(live: Container) -> None:
    a, b = make_tenant(live, "A"), make_tenant(live, "B")
    receiver = RecordingServer()
    with receiver.running(), asgi_client(create_app(live)) as api:
        api.post(
            "/api/webhooks",
            headers=a.headers,
            json={"url": f"{receiver.url}/a", "events": ["queue_item.*"]},
        )
        _upload(api, a)  # asset.created: not subscribed
        _upload(api, b)  # another org's event
        project = api.post("/api/projects", headers=a.headers, json={"name": "P"}).json()
        asset = _upload(api, a)
        item = api.post(
            "/api/queue",
            headers={**a.headers, "Idempotency-Key": "k"},
            json={
                "projectId": project["id"],
                "assetId": asset["id"],
                "title": "T",
                "platforms": ["local"],
            },
        )
        assert item.status_code == 201
        _wait_for(lambda: len(receiver.requests) >= 1)
        time.sleep(1.0)
    assert [json.loads(r.body)["type"] for r in receiver.requests] == ["queue_item.created"]


def test_permanent_failure_stops_after_max_attempts(settings_factory: Any, namespace: str) -> None:
    container = bootstrap(
        settings_factory(http_allowed_hosts=LOCAL, webhook_max_attempts=3),
        immediate_jobs=False,
        namespace=namespace,
    )
    tenant = make_tenant(container, "Down")
    receiver = RecordingServer(statuses=[503])
    try:
        with (
            background_roles(container, frozenset({Role.worker})),
            receiver.running(),
            asgi_client(create_app(container)) as api,
        ):
            hook = api.post(
                "/api/webhooks",
                headers=tenant.headers,
                json={"url": f"{receiver.url}/in", "events": ["*"]},
            ).json()
            _upload(api, tenant)

            def failed() -> bool:
                items = api.get(
                    f"/api/webhooks/{hook['id']}/deliveries", headers=tenant.headers
                ).json()["items"]
                return bool(items) and items[0]["status"] == "failed"

            _wait_for(failed, timeout=30)
            time.sleep(1.5)
        assert len(receiver.requests) == 3
    finally:
        container.jobs.huey.flush()
        container.close()
