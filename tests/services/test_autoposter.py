"""The autoposter: drafts wait for a person; approved ones are queued one per cadence
interval and published when due; rejected or pending ones never are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from support import SyncASGIClient, Tenant, set_settings
from wavestack.bootstrap import Container
from wavestack.services import autoposter
from wavestack.services.publishing import PublishScheduler


@pytest.fixture(autouse=True)
def cadence(monkeypatch: pytest.MonkeyPatch) -> None:
    set_settings(monkeypatch, "AUTOPOSTER", {"POST_FREQUENCY_HOURS": "4", "PLATFORMS": "local"})


def draft(api: SyncASGIClient, tenant: Tenant, text: str) -> dict[str, Any]:
    made = api.post("/api/autoposter/drafts", headers=tenant.headers, json={"text": text})
    assert made.status_code == 201, made.text
    return dict(made.json())


def decide(api: SyncASGIClient, tenant: Tenant, draft_id: str, what: str, **body: Any) -> Any:
    return api.post(
        f"/api/autoposter/drafts/{draft_id}/{what}", headers=tenant.headers, json=body or None
    )


def queue(api: SyncASGIClient, tenant: Tenant) -> list[dict[str, Any]]:
    return list(api.get("/api/queue?limit=100", headers=tenant.headers).json()["items"])


def test_approved_drafts_go_out_one_per_interval(
    api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    first = draft(api, tenant, "Going live at 8 tonight: ranked grind")
    second = draft(api, tenant, "New clip is up")
    assert (first["status"], first["source"], first["queueItemId"]) == ("pending", "person", None)
    assert queue(api, tenant) == []  # nothing is queued before a person approves

    now = datetime.now(UTC)
    approved = decide(api, tenant, first["id"], "approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert approved.json()["decidedBy"] == tenant.client_id
    later = decide(api, tenant, second["id"], "approve").json()
    gap = datetime.fromisoformat(later["scheduledFor"]) - datetime.fromisoformat(
        approved.json()["scheduledFor"]
    )
    assert gap == timedelta(hours=4)
    assert decide(api, tenant, first["id"], "approve").json() == approved.json()  # once

    items = {i["id"]: i for i in queue(api, tenant)}
    assert set(items) == {approved.json()["queueItemId"], later["queueItemId"]}
    assert items[later["queueItemId"]]["caption"] == "New clip is up"
    assert items[later["queueItemId"]]["platforms"] == ["local"]
    assert PublishScheduler(container.uow).run_once() == 1  # the first, at once
    at_slot = PublishScheduler(container.uow, clock=lambda: now + timedelta(hours=4, minutes=1))
    assert at_slot.run_once() == 1
    statuses = {i["id"]: i["status"] for i in queue(api, tenant)}
    assert set(statuses.values()) == {"published"}


def test_rejected_and_pending_drafts_are_never_posted(
    api: SyncASGIClient, container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    no = draft(api, tenant, "Hot take nobody asked for")
    rejected = decide(api, tenant, no["id"], "reject", reason="off brand")
    assert (rejected.json()["status"], rejected.json()["reason"]) == ("rejected", "off brand")
    assert decide(api, tenant, no["id"], "approve").status_code == 409
    generated = autoposter.add_draft(
        container.uow(), org_id=tenant.org_id, text="An AI idea", source="ai"
    )
    waiting = api.get("/api/autoposter/drafts?status=pending", headers=tenant.headers).json()
    assert [(d["id"], d["source"]) for d in waiting["items"]] == [(generated.id, "ai")]
    assert decide(api, other_tenant, generated.id, "approve").status_code == 404
    assert queue(api, tenant) == []
    PublishScheduler(container.uow).run_once()
    assert api.get("/api/posts", headers=tenant.headers).json()["total"] == 0

    yes = decide(api, tenant, generated.id, "approve").json()
    assert decide(api, tenant, generated.id, "reject").status_code == 409
    assert yes["queueItemId"] in {i["id"] for i in queue(api, tenant)}


def test_drafts_are_checked(api: SyncASGIClient, tenant: Tenant) -> None:
    empty = api.post("/api/autoposter/drafts", headers=tenant.headers, json={"text": ""})
    assert empty.status_code == 422
    assert api.get("/api/autoposter/drafts/nope", headers=tenant.headers).status_code == 404
