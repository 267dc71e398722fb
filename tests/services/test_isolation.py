"""Organizations are isolated: another org's projects, assets and queue items answer exactly as
missing ones do, never show up in lists, cannot be changed, and cannot be referenced."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from support import SyncASGIClient, Tenant
from wavestack.kernel.ids import new_id

CONTENT = b"\x00\x00\x00\x18ftypmp42 the bytes of org A"


@dataclass
class Owned:
    """What org A owns, as A saw it right after creating it."""

    project: dict[str, Any]
    asset: dict[str, Any]
    item: dict[str, Any]

    @property
    def urls(self) -> dict[str, str]:
        return {
            "project": f"/api/projects/{self.project['id']}",
            "asset": f"/api/assets/{self.asset['id']}",
            "item": f"/api/queue/{self.item['id']}",
        }


def _created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def make_refs(api: SyncASGIClient, tenant: Tenant, name: str) -> tuple[str, str]:
    project = _created(api.post("/api/projects", headers=tenant.headers, json={"name": name}))
    files = {"file": ("clip.mp4", CONTENT, "video/mp4")}
    asset = _created(
        api.post(
            "/api/assets", headers=tenant.headers, files=files, data={"projectId": project["id"]}
        )
    )
    return project["id"], asset["id"]


def queue_body(project_id: str, asset_id: str) -> dict[str, Any]:
    return {
        "projectId": project_id,
        "assetId": asset_id,
        "title": "Highlights",
        "platforms": ["youtube"],
        "idempotencyKey": f"key-{new_id()}",
    }


@pytest.fixture
def owned(api: SyncASGIClient, tenant: Tenant) -> Owned:
    project_id, asset_id = make_refs(api, tenant, "A's show")
    project = api.get(f"/api/projects/{project_id}", headers=tenant.headers).json()
    asset = api.get(f"/api/assets/{asset_id}", headers=tenant.headers).json()
    assert asset["status"] == "ready"
    item = _created(
        api.post("/api/queue", headers=tenant.headers, json=queue_body(project_id, asset_id))
    )
    return Owned(project, asset, item)


def calls_on(project: str, asset: str, item: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Every read and write of one project, asset and queue item."""
    return [
        ("GET", f"/api/projects/{project}", {}),
        ("PATCH", f"/api/projects/{project}", {"json": {"name": "Taken over"}}),
        ("DELETE", f"/api/projects/{project}", {}),
        ("GET", f"/api/assets/{asset}", {}),
        ("GET", f"/api/assets/{asset}/content", {}),
        ("GET", f"/api/assets/{asset}/content", {"headers": {"Range": "bytes=0-3"}}),
        ("DELETE", f"/api/assets/{asset}", {}),
        ("GET", f"/api/queue/{item}", {}),
        ("PATCH", f"/api/queue/{item}", {"json": {"title": "Taken over"}}),
        ("DELETE", f"/api/queue/{item}", {}),
    ]


def call(
    api: SyncASGIClient, tenant: Tenant, method: str, url: str, kwargs: dict[str, Any], **extra: str
) -> Any:
    headers = {**tenant.headers, **kwargs.get("headers", {}), **extra}
    return api.request(method, url, **{**kwargs, "headers": headers})


def assert_unchanged(api: SyncASGIClient, tenant: Tenant, owned: Owned) -> None:
    assert api.get(owned.urls["project"], headers=tenant.headers).json() == owned.project
    assert api.get(owned.urls["asset"], headers=tenant.headers).json() == owned.asset
    assert api.get(owned.urls["item"], headers=tenant.headers).json() == owned.item
    content = api.get(owned.urls["asset"] + "/content", headers=tenant.headers)
    assert content.status_code == 200
    assert content.content == CONTENT


def test_another_orgs_rows_answer_like_missing_ones(
    api: SyncASGIClient, tenant: Tenant, other_tenant: Tenant, owned: Owned
) -> None:
    theirs = calls_on(owned.project["id"], owned.asset["id"], owned.item["id"])
    missing = calls_on(new_id(), new_id(), new_id())
    for (method, url, kwargs), (_, missing_url, _) in zip(theirs, missing, strict=True):
        response = call(api, other_tenant, method, url, kwargs)
        expected = call(api, other_tenant, method, missing_url, kwargs)
        assert expected.status_code == 404, (method, missing_url)
        assert response.status_code == 404, (method, url, response.text)
        assert response.json() == expected.json(), (method, url)
        assert response.json()["error"]["code"] == "NOT_FOUND"
    assert_unchanged(api, tenant, owned)


def test_lists_of_another_org_hide_the_rows(
    api: SyncASGIClient, tenant: Tenant, other_tenant: Tenant, owned: Owned
) -> None:
    theirs = make_refs(api, other_tenant, "B's show")
    project_a = owned.project["id"]
    lists = (
        "/api/projects",
        "/api/assets",
        "/api/queue",
        f"/api/queue?projectId={project_a}",
        f"/api/assets?projectId={project_a}",
    )
    a_ids = {owned.project["id"], owned.asset["id"], owned.item["id"]}
    for url in lists:
        as_a = api.get(url, headers=tenant.headers).json()
        assert as_a["total"] >= 1, url
        as_b = api.get(url, headers=other_tenant.headers)
        assert as_b.status_code == 200, url
        page = as_b.json()
        assert not a_ids & {row["id"] for row in page["items"]}, url
        assert all(row["orgId"] == other_tenant.org_id for row in page["items"]), url
        expected = 0 if "projectId" in url or url == "/api/queue" else 1
        assert page["total"] == expected, url
    # B's own rows are listed for B, so the lists above are not empty for another reason.
    assert {
        p["id"] for p in api.get("/api/projects", headers=other_tenant.headers).json()["items"]
    } == {theirs[0]}
    assert_unchanged(api, tenant, owned)


def test_org_header_of_another_org_is_403(
    api: SyncASGIClient, tenant: Tenant, other_tenant: Tenant, owned: Owned
) -> None:
    spoof = {"X-Org-Id": tenant.org_id}
    own_project, own_asset = make_refs(api, other_tenant, "B's show")
    calls = [
        *calls_on(owned.project["id"], owned.asset["id"], owned.item["id"]),
        ("GET", "/api/projects", {}),
        ("GET", "/api/assets", {}),
        ("GET", "/api/queue", {}),
        ("POST", "/api/projects", {"json": {"name": "Sneaky"}}),
        ("POST", "/api/assets", {"files": {"file": ("x.mp4", b"x", "video/mp4")}}),
        ("POST", "/api/queue", {"json": queue_body(owned.project["id"], owned.asset["id"])}),
        ("POST", "/api/queue", {"json": queue_body(own_project, own_asset)}),
    ]
    for method, url, kwargs in calls:
        response = call(api, other_tenant, method, url, kwargs, **spoof)
        assert response.status_code == 403, (method, url, response.text)
        assert response.json()["error"]["code"] == "FORBIDDEN", (method, url)
    assert_unchanged(api, tenant, owned)
    for url in ("/api/projects", "/api/assets", "/api/queue"):
        assert api.get(url, headers=tenant.headers).json()["total"] == 1, url
    assert api.get("/api/queue", headers=other_tenant.headers).json()["total"] == 0
    assert api.get("/api/projects", headers=other_tenant.headers).json()["total"] == 1


def test_queue_items_cannot_reference_another_orgs_rows(
    api: SyncASGIClient, tenant: Tenant, other_tenant: Tenant, owned: Owned
) -> None:
    own_project, own_asset = make_refs(api, other_tenant, "B's show")
    for project_id, asset_id, field in (
        (owned.project["id"], own_asset, "projectId"),
        (own_project, owned.asset["id"], "assetId"),
        (owned.project["id"], owned.asset["id"], "projectId"),
    ):
        response = api.post(
            "/api/queue", headers=other_tenant.headers, json=queue_body(project_id, asset_id)
        )
        assert response.status_code == 422, (field, response.text)
        error = response.json()["error"]
        assert error["code"] == "VALIDATION_ERROR"
        assert [d["field"] for d in error["details"]] == [field]
    assert api.get("/api/queue", headers=other_tenant.headers).json()["total"] == 0

    # Nor can B move its own item onto A's project or asset.
    item = _created(
        api.post(
            "/api/queue", headers=other_tenant.headers, json=queue_body(own_project, own_asset)
        )
    )
    for change in ({"projectId": owned.project["id"]}, {"assetId": owned.asset["id"]}):
        response = api.patch(f"/api/queue/{item['id']}", headers=other_tenant.headers, json=change)
        assert response.status_code == 422, (change, response.text)
    after = api.get(f"/api/queue/{item['id']}", headers=other_tenant.headers).json()
    assert (after["projectId"], after["assetId"]) == (own_project, own_asset)
    assert_unchanged(api, tenant, owned)
