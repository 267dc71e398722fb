"""The content queue as the contract states it: create, list, change, cancel, validation,
idempotency, events and a bounded number of queries per list."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text

from support import SyncASGIClient, Tenant, make_asset, make_project, outbox_events
from wavestack.bootstrap import Container
from wavestack.kernel.ids import new_id

FUTURE = "2999-01-01T10:00:00+00:00"
PAST = "2001-01-01T00:00:00Z"
NAIVE = "2999-01-01T10:00:00"


@dataclass
class Refs:
    """A project and an asset of the tenant, and of another organization."""

    project: str
    asset: str
    other_project: str
    other_asset: str


def item_body(project: str, asset: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "projectId": project,
        "assetId": asset,
        "title": "Best moments",
        "caption": "From last night's stream",
        "hashtags": ["gaming"],
        "platforms": ["youtube", "local"],
        "idempotencyKey": f"key-{new_id()}",
    }
    body.update(overrides)
    return body


def create_item(api: SyncASGIClient, tenant: Tenant, project: str, asset: str, **kw: Any) -> Any:
    response = api.post("/api/queue", headers=tenant.headers, json=item_body(project, asset, **kw))
    assert response.status_code == 201, response.text
    return response.json()


def queue_total(api: SyncASGIClient, tenant: Tenant) -> int:
    response = api.get("/api/queue", headers=tenant.headers)
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


def row_count(container: Container, sql: str, **params: Any) -> int:
    with container.db.engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar_one())


def set_status(container: Container, item_id: str, status: str) -> None:
    # Put the item in a state directly, without running the publishing that would move it on.
    with container.db.engine.begin() as conn:
        conn.execute(
            text("UPDATE content_queue_items SET status = :s WHERE id = :id"),
            {"s": status, "id": item_id},
        )


def assert_validation_error(response: httpx.Response, code: str = "VALIDATION_ERROR") -> None:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    assert "details" in error


@pytest.fixture
def refs(api: SyncASGIClient, tenant: Tenant, other_tenant: Tenant) -> Refs:
    return Refs(
        project=make_project(api, tenant),
        asset=make_asset(api, tenant),
        other_project=make_project(api, other_tenant, "Not yours"),
        other_asset=make_asset(api, other_tenant),
    )


# --- create, get, list ----------------------------------------------------------------------


def test_create_returns_the_camel_case_item(
    api: SyncASGIClient, tenant: Tenant, refs: Refs
) -> None:
    body = item_body(
        refs.project, refs.asset, hashtags=["#ok", "fine_1"], scheduleAt="2999-01-01T12:00:00+02:00"
    )
    response = api.post("/api/queue", headers=tenant.headers, json=body)
    assert response.status_code == 201, response.text
    item = response.json()
    assert set(item) == {
        "id",
        "orgId",
        "projectId",
        "assetId",
        "extraAssetIds",
        "title",
        "caption",
        "hashtags",
        "platforms",
        "options",
        "scheduleAt",
        "idempotencyKey",
        "status",
        "error",
        "deliveries",
        "createdAt",
        "updatedAt",
    }
    assert item["status"] == "queued"
    assert item["deliveries"] == {}
    assert item["extraAssetIds"] == []
    assert item["options"] == {"youtube": None}
    assert item["orgId"] == tenant.org_id
    assert item["projectId"] == refs.project
    assert item["assetId"] == refs.asset
    assert item["title"] == "Best moments"
    assert item["caption"] == "From last night's stream"
    assert item["hashtags"] == ["ok", "fine_1"]
    assert item["platforms"] == ["youtube", "local"]
    assert item["idempotencyKey"] == body["idempotencyKey"]
    assert item["error"] is None
    assert datetime.fromisoformat(item["scheduleAt"]) == datetime.fromisoformat(
        "2999-01-01T10:00:00+00:00"
    )
    assert datetime.fromisoformat(item["createdAt"]).tzinfo is not None

    fetched = api.get(f"/api/queue/{item['id']}", headers=tenant.headers)
    assert fetched.status_code == 200
    assert fetched.json() == item


def test_schedule_at_is_optional(api: SyncASGIClient, tenant: Tenant, refs: Refs) -> None:
    body = item_body(refs.project, refs.asset)
    body.pop("caption")
    body.pop("hashtags")
    item = api.post("/api/queue", headers=tenant.headers, json=body).json()
    assert item["scheduleAt"] is None
    assert item["caption"] is None
    assert item["hashtags"] == []


def test_missing_item_is_404(api: SyncASGIClient, tenant: Tenant) -> None:
    missing = f"/api/queue/{new_id()}"
    for response in (
        api.get(missing, headers=tenant.headers),
        api.patch(missing, headers=tenant.headers, json={"title": "x"}),
        api.delete(missing, headers=tenant.headers),
    ):
        assert response.status_code == 404, response.request.method
        assert response.json()["error"]["code"] == "NOT_FOUND"


def test_list_newest_first_with_filters_and_paging(
    api: SyncASGIClient, tenant: Tenant, refs: Refs
) -> None:
    second_project = make_project(api, tenant, "Second")
    first = create_item(api, tenant, refs.project, refs.asset, title="one")
    second = create_item(api, tenant, second_project, refs.asset, title="two")
    third = create_item(api, tenant, refs.project, refs.asset, title="three")
    assert api.delete(f"/api/queue/{second['id']}", headers=tenant.headers).status_code == 200

    everything = api.get("/api/queue", headers=tenant.headers).json()
    assert everything["total"] == 3
    assert everything["limit"] == 20
    assert everything["offset"] == 0
    assert [i["id"] for i in everything["items"]] == [third["id"], second["id"], first["id"]]

    canceled = api.get("/api/queue?status=canceled", headers=tenant.headers).json()
    assert [i["id"] for i in canceled["items"]] == [second["id"]]
    assert canceled["total"] == 1
    queued = api.get("/api/queue", headers=tenant.headers, params={"status": "queued"}).json()
    assert [i["id"] for i in queued["items"]] == [third["id"], first["id"]]

    by_project = api.get(
        "/api/queue", headers=tenant.headers, params={"projectId": refs.project}
    ).json()
    assert [i["id"] for i in by_project["items"]] == [third["id"], first["id"]]
    both = api.get(
        "/api/queue",
        headers=tenant.headers,
        params={"projectId": second_project, "status": "queued"},
    ).json()
    assert both["items"] == []
    assert both["total"] == 0

    paged = api.get("/api/queue?limit=1&offset=1", headers=tenant.headers).json()
    assert [i["id"] for i in paged["items"]] == [second["id"]]
    assert paged["total"] == 3
    assert (paged["limit"], paged["offset"]) == (1, 1)
    beyond = api.get("/api/queue?offset=10", headers=tenant.headers).json()
    assert beyond["items"] == []
    assert beyond["total"] == 3
    assert api.get("/api/queue?limit=100", headers=tenant.headers).status_code == 200


def test_default_limit_is_20(api: SyncASGIClient, tenant: Tenant, refs: Refs) -> None:
    for i in range(21):
        create_item(api, tenant, refs.project, refs.asset, title=f"item {i}")
    listed = api.get("/api/queue", headers=tenant.headers).json()
    assert listed["total"] == 21
    assert len(listed["items"]) == 20
    assert listed["items"][0]["title"] == "item 20"


def test_bad_list_parameters_are_422(api: SyncASGIClient, tenant: Tenant) -> None:
    for query in ("limit=101", "limit=0", "limit=abc", "offset=-1", "status=bogus"):
        response = api.get(f"/api/queue?{query}", headers=tenant.headers)
        assert response.status_code == 422, query
        assert response.json()["error"]["code"] == "VALIDATION_ERROR", query


# --- patch and cancel -----------------------------------------------------------------------


def test_patch_changes_a_queued_item(api: SyncASGIClient, tenant: Tenant, refs: Refs) -> None:
    item = create_item(api, tenant, refs.project, refs.asset)
    changes = {
        "title": "Renamed",
        "hashtags": ["#new", "tags"],
        "platforms": ["tiktok"],
        "scheduleAt": "2999-06-01T12:00:00+02:00",
    }
    response = api.patch(f"/api/queue/{item['id']}", headers=tenant.headers, json=changes)
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["title"] == "Renamed"
    assert changed["hashtags"] == ["new", "tags"]
    assert changed["platforms"] == ["tiktok"]
    assert datetime.fromisoformat(changed["scheduleAt"]) == datetime.fromisoformat(
        "2999-06-01T10:00:00+00:00"
    )
    # Fields not sent stay as they were.
    assert changed["caption"] == item["caption"]
    assert changed["projectId"] == item["projectId"]
    assert changed["status"] == "queued"
    assert api.get(f"/api/queue/{item['id']}", headers=tenant.headers).json() == changed

    cleared = api.patch(
        f"/api/queue/{item['id']}", headers=tenant.headers, json={"scheduleAt": None}
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["scheduleAt"] is None
    assert cleared.json()["title"] == "Renamed"
    assert api.get(f"/api/queue/{item['id']}", headers=tenant.headers).json()["scheduleAt"] is None


def test_invalid_patch_is_422_and_changes_nothing(
    api: SyncASGIClient, container: Container, tenant: Tenant, refs: Refs
) -> None:
    item = create_item(api, tenant, refs.project, refs.asset)
    for changes in (
        {"title": ""},
        {"title": None},
        {"title": "x" * 121},
        {"platforms": []},
        {"platforms": None},
        {"platforms": ["myspace"]},
        {"hashtags": ["has space"]},
        {"scheduleAt": PAST},
        {"scheduleAt": NAIVE},
        {"colour": "red"},
        {"idempotencyKey": "another"},
        {"projectId": new_id()},
        {"projectId": refs.other_project},
        {"assetId": refs.other_asset},
    ):
        response = api.patch(f"/api/queue/{item['id']}", headers=tenant.headers, json=changes)
        assert response.status_code == 422, (changes, response.text)
        assert response.json()["error"]["code"] == "VALIDATION_ERROR", changes
    assert api.get(f"/api/queue/{item['id']}", headers=tenant.headers).json() == item
    assert [n for n, _ in outbox_events(container, tenant.org_id, "queue_item.")] == [
        "queue_item.created"
    ]


def test_cancel_is_idempotent_and_final(
    api: SyncASGIClient, container: Container, tenant: Tenant, refs: Refs
) -> None:
    item = create_item(api, tenant, refs.project, refs.asset)
    response = api.delete(f"/api/queue/{item['id']}", headers=tenant.headers)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "canceled"
    assert response.json()["id"] == item["id"]
    again = api.delete(f"/api/queue/{item['id']}", headers=tenant.headers)
    assert again.status_code == 200
    assert again.json()["status"] == "canceled"
    assert api.get(f"/api/queue/{item['id']}", headers=tenant.headers).json()["status"] == (
        "canceled"
    )

    patched = api.patch(f"/api/queue/{item['id']}", headers=tenant.headers, json={"title": "x"})
    assert patched.status_code == 409
    assert patched.json()["error"]["code"] == "CONFLICT"
    assert (
        api.get(f"/api/queue/{item['id']}", headers=tenant.headers).json()["title"]
        == (item["title"])
    )
    # Canceling twice records one event.
    names = [name for name, _ in outbox_events(container, tenant.org_id, "queue_item.")]
    assert names.count("queue_item.canceled") == 1


def test_no_changes_once_publishing_began(
    api: SyncASGIClient, container: Container, tenant: Tenant, refs: Refs
) -> None:
    for status in ("processing", "published"):
        item = create_item(api, tenant, refs.project, refs.asset)
        set_status(container, item["id"], status)
        url = f"/api/queue/{item['id']}"
        for response in (
            api.delete(url, headers=tenant.headers),
            api.patch(url, headers=tenant.headers, json={"title": "Too late"}),
        ):
            assert response.status_code == 409, (status, response.text)
            assert response.json()["error"]["code"] == "CONFLICT"
        after = api.get(url, headers=tenant.headers).json()
        assert after["status"] == status
        assert after["title"] == item["title"]
    names = [name for name, _ in outbox_events(container, tenant.org_id, "queue_item.")]
    assert names == ["queue_item.created", "queue_item.created"]


# --- validation on create -------------------------------------------------------------------


Case = Callable[[Refs], tuple[dict[str, Any], dict[str, Any]]]


def _body_case(**overrides: Any) -> Case:
    """A create request whose JSON body has `overrides`; `_DROP` removes a key."""

    def build(refs: Refs) -> tuple[dict[str, Any], dict[str, Any]]:
        body = item_body(refs.project, refs.asset)
        for key, value in overrides.items():
            if value is _DROP:
                body.pop(key)
            else:
                body[key] = value(refs) if callable(value) else value
        return {"json": body}, {}

    return build


_DROP = object()

INVALID_CREATES: dict[str, Case] = {
    "missing title": _body_case(title=_DROP),
    "title of 121 chars": _body_case(title="x" * 121),
    "empty title": _body_case(title=""),
    "blank title": _body_case(title="   "),
    "missing platforms": _body_case(platforms=_DROP),
    "empty platforms": _body_case(platforms=[]),
    "unknown platform": _body_case(platforms=["youtube", "myspace"]),
    "hashtag with a space": _body_case(hashtags=["ok", "has space"]),
    "bare # hashtag": _body_case(hashtags=["#"]),
    "31 hashtags": _body_case(hashtags=[f"tag{i}" for i in range(31)]),
    "scheduleAt in the past": _body_case(scheduleAt=PAST),
    "naive scheduleAt": _body_case(scheduleAt=NAIVE),
    "scheduleAt not a date": _body_case(scheduleAt="tomorrow"),
    "missing projectId": _body_case(projectId=_DROP),
    "missing assetId": _body_case(assetId=_DROP),
    "unknown projectId": _body_case(projectId=new_id()),
    "unknown assetId": _body_case(assetId=new_id()),
    "project of another org": _body_case(projectId=lambda r: r.other_project),
    "asset of another org": _body_case(assetId=lambda r: r.other_asset),
    "no idempotency key": _body_case(idempotencyKey=_DROP),
    "empty idempotency key": _body_case(idempotencyKey=""),
    "body key of 256 chars": _body_case(idempotencyKey="k" * 256),
    "unknown field": _body_case(priority="high"),
    "hashtags not a list": _body_case(hashtags="gaming"),
}


def _key_mismatch(refs: Refs) -> tuple[dict[str, Any], dict[str, Any]]:
    return {"json": item_body(refs.project, refs.asset, idempotencyKey="a")}, {
        "Idempotency-Key": "b"
    }


def _malformed_json(refs: Refs) -> tuple[dict[str, Any], dict[str, Any]]:
    return {"content": b'{"title": "oops",'}, {"Content-Type": "application/json"}


def _not_an_object(refs: Refs) -> tuple[dict[str, Any], dict[str, Any]]:
    return {"json": ["a", "list"]}, {"Idempotency-Key": "k"}


def _long_header_key(refs: Refs) -> tuple[dict[str, Any], dict[str, Any]]:
    body = item_body(refs.project, refs.asset)
    body.pop("idempotencyKey")
    return {"json": body}, {"Idempotency-Key": "k" * 256}


INVALID_CREATES["body key differs from header key"] = _key_mismatch
INVALID_CREATES["header key of 256 chars"] = _long_header_key
INVALID_CREATES["malformed JSON"] = _malformed_json
INVALID_CREATES["JSON that is not an object"] = _not_an_object


def test_invalid_create_is_422_and_writes_nothing(
    api: SyncASGIClient, container: Container, tenant: Tenant, refs: Refs
) -> None:
    for case, build in INVALID_CREATES.items():
        kwargs, extra_headers = build(refs)
        response = api.post("/api/queue", headers={**tenant.headers, **extra_headers}, **kwargs)
        assert response.status_code == 422, (case, response.text)
        error = response.json()["error"]
        assert error["code"] == "VALIDATION_ERROR", case
        assert error["message"], case
        assert "details" in error, case
        assert queue_total(api, tenant) == 0, case
        assert row_count(container, "SELECT count(*) FROM content_queue_items") == 0, case
    assert outbox_events(container, tenant.org_id, "queue_item.") == []
    # The same requests made valid do write: the checks above can see a row.
    create_item(api, tenant, refs.project, refs.asset)
    assert row_count(container, "SELECT count(*) FROM content_queue_items") == 1


def test_unknown_refs_name_the_field(api: SyncASGIClient, tenant: Tenant, refs: Refs) -> None:
    response = api.post(
        "/api/queue",
        headers=tenant.headers,
        json=item_body(refs.other_project, refs.asset),
    )
    assert_validation_error(response)
    assert [d["field"] for d in response.json()["error"]["details"]] == ["projectId"]
    response = api.post(
        "/api/queue",
        headers=tenant.headers,
        json=item_body(refs.project, refs.other_asset),
    )
    assert [d["field"] for d in response.json()["error"]["details"]] == ["assetId"]


def test_limits_are_inclusive(api: SyncASGIClient, tenant: Tenant, refs: Refs) -> None:
    item = create_item(
        api,
        tenant,
        refs.project,
        refs.asset,
        title="🎬" * 120,  # YouTube takes 100: see the platform rules below
        hashtags=[f"#tag{i}" for i in range(30)],
        platforms=["instagram", "tiktok", "facebook", "linkedin", "x", "local"],
    )
    assert len(item["title"]) == 120
    assert item["hashtags"] == [f"tag{i}" for i in range(30)]
    assert len(item["platforms"]) == 6


def test_content_that_does_not_fit_a_platform_is_refused(
    api: SyncASGIClient, tenant: Tenant, refs: Refs
) -> None:
    def refused(**overrides: Any) -> list[dict[str, str]]:
        body = item_body(refs.project, refs.asset, **overrides)
        response = api.post("/api/queue", headers=tenant.headers, json=body)
        assert response.status_code == 422, response.text
        return list(response.json()["error"]["details"])

    assert refused(title="x" * 101, platforms=["youtube"]) == [
        {"field": "title", "message": "YouTube titles are at most 100 characters"}
    ]
    assert refused(caption="y" * 2200, platforms=["instagram", "x"]) == [
        {
            "field": "caption",
            "message": "Instagram takes at most 2200 characters of caption and hashtags",
        }
    ]
    picture = api.post(
        "/api/assets",
        headers=tenant.headers,
        files={"file": ("pic.png", b"\x89PNG\r\n\x1a\n", "image/png")},
    ).json()["id"]
    assert refused(assetId=picture, platforms=["youtube", "tiktok", "local"]) == [
        {"field": "assetId", "message": "YouTube takes videos, not image/png"},
        {"field": "assetId", "message": "TikTok takes videos, not image/png"},
    ]
    # X takes long text as a thread, so it is no reason to refuse.
    long_post = item_body(refs.project, refs.asset, caption="word " * 200, platforms=["x"])
    assert api.post("/api/queue", headers=tenant.headers, json=long_post).status_code == 201
    changed = api.post(
        "/api/queue",
        headers=tenant.headers,
        json=item_body(refs.project, refs.asset, title="x" * 101, platforms=["local"]),
    ).json()
    patched = api.patch(
        f"/api/queue/{changed['id']}", headers=tenant.headers, json={"platforms": ["youtube"]}
    )
    assert patched.status_code == 422
    assert api.get(f"/api/queue/{changed['id']}", headers=tenant.headers).json()["platforms"] == [
        "local"
    ]


# --- idempotency ----------------------------------------------------------------------------


def test_same_key_and_body_replays_the_item(
    api: SyncASGIClient, container: Container, tenant: Tenant, refs: Refs
) -> None:
    body = item_body(refs.project, refs.asset, scheduleAt=FUTURE)
    first = api.post("/api/queue", headers=tenant.headers, json=body)
    assert first.status_code == 201, first.text
    again = api.post("/api/queue", headers=tenant.headers, json=body)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.json() == first.json()
    assert queue_total(api, tenant) == 1
    assert [n for n, _ in outbox_events(container, tenant.org_id, "queue_item.")] == [
        "queue_item.created"
    ]
    # A replay answers with the stored item, before the checks a new request goes through.
    assert api.delete(f"/api/projects/{refs.project}", headers=tenant.headers).status_code == 204
    late = api.post("/api/queue", headers=tenant.headers, json=body)
    assert late.status_code == 200, late.text
    assert late.json()["id"] == first.json()["id"]


def test_same_key_with_another_body_is_refused(
    api: SyncASGIClient, tenant: Tenant, refs: Refs
) -> None:
    body = item_body(refs.project, refs.asset)
    first = api.post("/api/queue", headers=tenant.headers, json=body)
    assert first.status_code == 201
    reused = api.post("/api/queue", headers=tenant.headers, json={**body, "title": "Other"})
    assert_validation_error(reused, code="IDEMPOTENCY_KEY_REUSED")
    assert queue_total(api, tenant) == 1
    assert api.get(f"/api/queue/{first.json()['id']}", headers=tenant.headers).json() == (
        first.json()
    )


def test_key_in_header_works_like_key_in_body(
    api: SyncASGIClient, tenant: Tenant, refs: Refs
) -> None:
    body = item_body(refs.project, refs.asset)
    key = body.pop("idempotencyKey")
    headers = {**tenant.headers, "Idempotency-Key": key}
    first = api.post("/api/queue", headers=headers, json=body)
    assert first.status_code == 201, first.text
    assert first.json()["idempotencyKey"] == key
    replay = api.post("/api/queue", headers=headers, json=body)
    assert replay.status_code == 200
    assert replay.json()["id"] == first.json()["id"]
    # The same key in the body (or in both places) names the same request.
    in_body = api.post("/api/queue", headers=tenant.headers, json={**body, "idempotencyKey": key})
    assert in_body.status_code == 200
    assert in_body.json()["id"] == first.json()["id"]
    in_both = api.post("/api/queue", headers=headers, json={**body, "idempotencyKey": key})
    assert in_both.status_code == 200
    assert in_both.json()["id"] == first.json()["id"]
    reused = api.post("/api/queue", headers=headers, json={**body, "platforms": ["x"]})
    assert_validation_error(reused, code="IDEMPOTENCY_KEY_REUSED")
    assert queue_total(api, tenant) == 1


def test_keys_are_unique_per_organization(
    api: SyncASGIClient, tenant: Tenant, other_tenant: Tenant, refs: Refs
) -> None:
    mine = api.post(
        "/api/queue",
        headers=tenant.headers,
        json=item_body(refs.project, refs.asset, idempotencyKey="shared-key"),
    )
    theirs = api.post(
        "/api/queue",
        headers=other_tenant.headers,
        json=item_body(refs.other_project, refs.other_asset, idempotencyKey="shared-key"),
    )
    assert mine.status_code == 201, mine.text
    assert theirs.status_code == 201, theirs.text
    assert mine.json()["id"] != theirs.json()["id"]
    assert theirs.json()["orgId"] == other_tenant.org_id
    assert queue_total(api, tenant) == 1
    assert queue_total(api, other_tenant) == 1


def test_concurrent_creates_with_one_key_make_one_item(
    api: SyncASGIClient, container: Container, tenant: Tenant, refs: Refs, backend: str
) -> None:
    body = item_body(refs.project, refs.asset)
    responses = api.concurrently(
        [("POST", "/api/queue", {"headers": tenant.headers, "json": body})] * 20
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 19 + [201], [r.text for r in responses if r.status_code >= 300]
    assert len({r.json()["id"] for r in responses}) == 1
    assert queue_total(api, tenant) == 1
    assert row_count(container, "SELECT count(*) FROM content_queue_items") == 1
    assert [n for n, _ in outbox_events(container, tenant.org_id, "queue_item.")] == [
        "queue_item.created"
    ]


# --- events ---------------------------------------------------------------------------------


def test_changes_are_recorded_in_the_outbox(
    api: SyncASGIClient, container: Container, tenant: Tenant, refs: Refs
) -> None:
    item = create_item(api, tenant, refs.project, refs.asset)
    api.patch(f"/api/queue/{item['id']}", headers=tenant.headers, json={"title": "New title"})
    # A change to the same values is no change and records no event.
    api.patch(f"/api/queue/{item['id']}", headers=tenant.headers, json={"title": "New title"})
    api.delete(f"/api/queue/{item['id']}", headers=tenant.headers)

    events = outbox_events(container, tenant.org_id, "queue_item.")
    assert [name for name, _ in events] == [
        "queue_item.created",
        "queue_item.updated",
        "queue_item.canceled",
    ]
    for name, payload in events:
        assert payload["type"] == name
        assert payload["org_id"] == tenant.org_id
        assert payload["data"]["item_id"] == item["id"]
    created, updated = events[0][1]["data"], events[1][1]["data"]
    assert created["project_id"] == refs.project
    assert created["asset_id"] == refs.asset
    assert created["platforms"] == ["youtube", "local"]
    assert updated["changed"] == ["title"]


# --- query count ----------------------------------------------------------------------------


@contextmanager
def counted_statements(container: Container) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(container.db.read_engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(container.db.read_engine, "before_cursor_execute", count)


def test_list_uses_a_constant_number_of_queries(
    api: SyncASGIClient, container: Container, tenant: Tenant, refs: Refs
) -> None:
    def statements_for_one_list(expected_items: int) -> int:
        with counted_statements(container) as statements:
            response = api.get("/api/queue?limit=50", headers=tenant.headers)
        assert response.status_code == 200
        assert len(response.json()["items"]) == expected_items
        return len(statements)

    for i in range(5):
        create_item(api, tenant, refs.project, refs.asset, title=f"item {i}")
    few = statements_for_one_list(5)
    for i in range(5, 30):
        create_item(api, tenant, refs.project, refs.asset, title=f"item {i}")
    many = statements_for_one_list(30)
    assert 1 <= many <= 3
    assert many == few
