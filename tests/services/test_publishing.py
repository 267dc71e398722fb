"""Publishing: the scheduler claims due queue items and publishes them, one job per platform;
the `local` platform writes posts, an RSS feed and a page; claims never overlap."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from support import (
    SyncASGIClient,
    Tenant,
    asgi_client,
    make_asset,
    make_project,
    outbox_events,
    outbox_job_etas,
    set_asset_status,
)
from wavestack.app import create_app
from wavestack.bootstrap import Container, bootstrap
from wavestack.kernel.ids import new_id
from wavestack.services import cms, content_queue
from wavestack.services.cms import AssetRead
from wavestack.services.content_queue import QueueItemRead
from wavestack.services.publishing import PublishScheduler
from wavestack.services.publishing.events import PublishToPlatform
from wavestack.services.publishing.handlers import publishers_of
from wavestack.services.publishing.limits import Gates, concurrency, limits
from wavestack.services.publishing.publishers import Published, PublishUnconfirmed
from wavestack.services.publishing.service import (
    claim_and_queue,
    confirm_unconfirmed,
    publish,
    recover_stalled,
)


def queue(api: SyncASGIClient, tenant: Tenant, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "projectId": make_project(api, tenant),
        "assetId": make_asset(api, tenant),
        "title": "Best moments <3",
        "caption": "From last night's stream & more",
        "hashtags": ["gaming"],
        "platforms": ["local"],
        "idempotencyKey": f"key-{new_id()}",
        **overrides,
    }
    response = api.post("/api/queue", headers=tenant.headers, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def item(api: SyncASGIClient, tenant: Tenant, item_id: str) -> dict[str, Any]:
    response = api.get(f"/api/queue/{item_id}", headers=tenant.headers)
    assert response.status_code == 200
    return dict(response.json())


def test_a_due_item_is_published_to_the_local_feed(
    api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    queued = queue(api, tenant)
    assert queued["deliveries"] == {}
    assert PublishScheduler(container.uow).run_once() == 1

    done = item(api, tenant, queued["id"])
    assert done["status"] == "published"
    local = done["deliveries"]["local"]
    assert local["status"] == "published"
    media_url = f"http://127.0.0.1:8080/published/{tenant.org_id}/{queued['id']}.mp4"
    assert local["url"] == media_url
    posts = api.get("/api/posts", headers=tenant.headers).json()["items"]
    assert [(p["id"], p["platform"], p["url"]) for p in posts] == [
        (local["postId"], "local", media_url)
    ]

    folder = container.settings.data_dir / "published" / tenant.org_id
    assert (folder / f"{queued['id']}.mp4").read_bytes() == b"\x00\x00\x00\x18ftypmp42 video"
    feed = api.get(f"/published/{tenant.org_id}/feed.xml")
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("application/rss+xml")
    channel = ET.fromstring(feed.content).find("channel")  # noqa: S314 - the feed we wrote
    assert channel is not None
    (entry,) = channel.findall("item")
    assert entry.findtext("title") == "Best moments <3"
    assert entry.findtext("description") == "From last night's stream & more #gaming"
    assert entry.findtext("guid") == queued["id"]
    enclosure = entry.find("enclosure")
    assert enclosure is not None
    assert (enclosure.get("url"), enclosure.get("type")) == (media_url, "video/mp4")
    page = api.get(f"/published/{tenant.org_id}/")
    assert page.status_code == 200
    assert "Best moments &lt;3" in page.text
    assert api.get(f"/published/{tenant.org_id}/{queued['id']}.mp4").status_code == 200
    assert api.get(f"/published/{tenant.org_id}/nothing.mp4").status_code == 404
    assert api.get(f"/published/{tenant.org_id}/..%2Fjobs.db").status_code in (404, 422)

    # Nothing is due any more; running the job again publishes nothing twice.
    assert PublishScheduler(container.uow).run_once() == 0
    job = PublishToPlatform(org_id=tenant.org_id, item_id=queued["id"], platform="local")
    publish(container.uow, publishers_of(container), job)
    assert api.get("/api/posts", headers=tenant.headers).json()["total"] == 1


def test_the_local_feed_keeps_one_entry_per_post_and_rebuilds_from_its_files(
    api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    first, second = queue(api, tenant, title="First"), queue(api, tenant, title="Second")
    assert PublishScheduler(container.uow).run_once() == 2
    local = publishers_of(container)["local"]
    again = content_queue.get_item(container.uow(), org_id=tenant.org_id, item_id=first["id"])
    assets = [cms.get_asset(container.uow(), org_id=tenant.org_id, asset_id=again.asset_id)]
    local.publish(again, assets)  # published again, as after a stalled worker
    folder = container.settings.data_dir / "published" / tenant.org_id
    metadata = sorted(path.name for path in folder.glob("post-*.json"))
    assert metadata == sorted(f"post-{item['id']}.json" for item in (first, second))

    def titles() -> list[str | None]:
        feed = api.get(f"/published/{tenant.org_id}/feed.xml")
        channel = ET.fromstring(feed.content).find("channel")  # noqa: S314 - the feed we wrote
        assert channel is not None
        return [entry.findtext("title") for entry in channel.findall("item")]

    assert titles() == ["First", "Second"]  # the newest publication first
    (folder / "recent.json").unlink()  # the kept list lost: the folder is read again
    local.refresh(tenant.org_id)
    assert titles() == ["First", "Second"]


def test_items_wait_for_their_time_and_their_asset(
    api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    later = datetime.now(UTC) + timedelta(hours=1)
    scheduled = queue(api, tenant, scheduleAt=later.isoformat())
    canceled = queue(api, tenant)
    assert api.delete(f"/api/queue/{canceled['id']}", headers=tenant.headers).status_code == 200
    coming = queue(api, tenant)
    broken = queue(api, tenant)
    set_asset_status(container, coming["assetId"], "pending")  # its bytes still on the way
    set_asset_status(container, broken["assetId"], "failed")

    assert PublishScheduler(container.uow).run_once() == 0
    assert item(api, tenant, scheduled["id"])["status"] == "queued"
    assert item(api, tenant, canceled["id"])["status"] == "canceled"
    assert item(api, tenant, coming["id"])["status"] == "queued"
    failed = item(api, tenant, broken["id"])
    assert (failed["status"], failed["error"]) == ("failed", "the asset failed")

    set_asset_status(container, coming["assetId"], "ready")
    assert PublishScheduler(container.uow).run_once() == 1
    assert item(api, tenant, coming["id"])["status"] == "published"
    at_time = PublishScheduler(container.uow, clock=lambda: later + timedelta(seconds=1))
    assert at_time.run_once() == 1
    assert item(api, tenant, scheduled["id"])["status"] == "published"


def test_a_rescheduled_item_goes_out_at_its_new_time(
    api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    now = datetime.now(UTC)
    first = queue(api, tenant, scheduleAt=(now + timedelta(hours=1)).isoformat())
    moved = api.patch(
        f"/api/queue/{first['id']}",
        headers=tenant.headers,
        json={"scheduleAt": (now + timedelta(hours=3)).isoformat()},
    )
    assert moved.status_code == 200
    second = queue(api, tenant, scheduleAt=(now + timedelta(hours=5)).isoformat())
    sooner = api.patch(
        f"/api/queue/{second['id']}", headers=tenant.headers, json={"scheduleAt": None}
    )
    assert sooner.status_code == 200  # now, then

    def at(hours: float) -> int:
        return PublishScheduler(
            container.uow, clock=lambda: now + timedelta(hours=hours)
        ).run_once()

    assert at(0) == 1  # the one moved to now
    assert item(api, tenant, second["id"])["status"] == "published"
    assert at(1.5) == 0  # the old time of the other passed: nothing
    assert item(api, tenant, first["id"])["status"] == "queued"
    assert at(3.01) == 1
    assert item(api, tenant, first["id"])["status"] == "published"


def test_a_text_post_needs_no_asset(
    api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    body = {
        "projectId": make_project(api, tenant),
        "title": "Stream at 8",
        "caption": "Going live at 8 tonight",
        "platforms": ["local"],
        "idempotencyKey": new_id(),
    }
    queued = api.post("/api/queue", headers=tenant.headers, json=body)
    assert queued.status_code == 201, queued.text
    assert queued.json()["assetId"] is None
    assert PublishScheduler(container.uow).run_once() == 1
    done = item(api, tenant, queued.json()["id"])
    assert done["status"] == "published", done
    page = f"http://127.0.0.1:8080/published/{tenant.org_id}/"
    assert done["deliveries"]["local"]["url"] == f"{page}#{done['id']}"
    feed = ET.fromstring(api.get(f"/published/{tenant.org_id}/feed.xml").content)  # noqa: S314
    (entry,) = feed.iter("item")
    assert entry.find("enclosure") is None
    assert entry.findtext("description") == "Going live at 8 tonight"
    assert f'<article id="{done["id"]}">' in api.get(f"/published/{tenant.org_id}/").text

    for platforms, message in [
        (["youtube"], "YouTube posts need media: videos"),
        (["instagram", "tiktok"], "Instagram posts need media: videos or JPEG images"),
    ]:
        refused = api.post(
            "/api/queue",
            headers=tenant.headers,
            json={**body, "platforms": platforms, "idempotencyKey": new_id()},
        )
        assert refused.status_code == 422
        assert message in refused.json()["error"]["message"]
    alone = {**body, "extraAssetIds": [make_asset(api, tenant)], "idempotencyKey": new_id()}
    refused = api.post("/api/queue", headers=tenant.headers, json=alone)
    assert refused.status_code == 422
    assert "come after assetId" in refused.text


def test_an_item_waits_for_every_one_of_its_assets(
    api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    extra = make_asset(api, tenant, ("more.jpg", b"\xff\xd8\xff more", "image/jpeg"))
    queued = queue(api, tenant, extraAssetIds=[extra])
    assert queued["extraAssetIds"] == [extra]
    set_asset_status(container, extra, "processing")
    assert PublishScheduler(container.uow).run_once() == 0
    set_asset_status(container, extra, "ready")
    assert PublishScheduler(container.uow).run_once() == 1
    assert item(api, tenant, queued["id"])["status"] == "published"
    # The local feed keeps every file of the post and shows them all on its page.
    more = api.get(f"/published/{tenant.org_id}/{queued['id']}-1.jpg")
    assert more.content == b"\xff\xd8\xff more"
    page = api.get(f"/published/{tenant.org_id}/").text
    assert f'<img src="{queued["id"]}-1.jpg"' in page


@pytest.mark.parametrize(
    ("platforms", "media", "message"),
    [
        (["youtube"], ["video", "image"], "YouTube posts one file"),
        (["x"], ["image", "video"], "X posts of several files hold images only"),
        (["x"], ["image"] * 5, "X takes at most 4 files"),
        (["facebook"], ["video", "video"], "Facebook posts of several files hold images only"),
    ],
)
def test_posts_of_several_files_are_checked_when_queued(
    api: SyncASGIClient, tenant: Tenant, platforms: list[str], media: list[str], message: str
) -> None:
    files = {
        "video": ("clip.mp4", b"\x00\x00\x00\x18ftypmp42 video", "video/mp4"),
        "image": ("look.jpg", b"\xff\xd8\xff look", "image/jpeg"),
    }
    first, *more = [make_asset(api, tenant, files[kind]) for kind in media]
    body = {
        "projectId": make_project(api, tenant),
        "assetId": first,
        "extraAssetIds": more,
        "title": "Looks",
        "platforms": platforms,
        "idempotencyKey": new_id(),
    }
    refused = api.post("/api/queue", headers=tenant.headers, json=body)
    assert refused.status_code == 422, refused.text
    assert message in refused.json()["error"]["message"]


def test_extra_assets_must_be_the_organizations(
    api: SyncASGIClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = make_asset(api, other_tenant)
    body = {
        "projectId": make_project(api, tenant),
        "assetId": make_asset(api, tenant),
        "extraAssetIds": [theirs],
        "title": "Looks",
        "platforms": ["instagram"],
        "idempotencyKey": new_id(),
    }
    refused = api.post("/api/queue", headers=tenant.headers, json=body)
    assert refused.status_code == 422
    assert f"no asset {theirs} in this organization" in refused.text


def test_a_platform_not_set_up_fails_with_the_reason(
    api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    queued = queue(api, tenant, platforms=["local", "instagram"])
    PublishScheduler(container.uow).run_once()
    done = item(api, tenant, queued["id"])
    assert done["status"] == "failed"
    assert done["deliveries"]["local"]["status"] == "published"
    assert done["deliveries"]["instagram"] == {
        "status": "failed",
        "error": "instagram is not set up on this install (see README)",
        "url": None,
        "postId": None,
        "ref": None,
        "since": None,
    }
    assert done["error"] == "instagram: instagram is not set up on this install (see README)"
    events = outbox_events(container, tenant.org_id, "post.")
    assert sorted((name, payload["data"]["platform"]) for name, payload in events) == [
        ("post.failed", "instagram"),
        ("post.published", "local"),
    ]


def test_concurrent_claims_never_take_an_item_twice(
    api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    project, asset = make_project(api, tenant), make_asset(api, tenant)
    for number in range(40):
        body = {
            "projectId": project,
            "assetId": asset,
            "title": f"Post {number}",
            "platforms": ["local"],
            "idempotencyKey": f"many-{number}",
        }
        assert api.post("/api/queue", headers=tenant.headers, json=body).status_code == 201
    claimed: list[int] = []
    now = datetime.now(UTC) + timedelta(seconds=1)

    def claimer() -> None:
        total = 0
        while True:
            got = claim_and_queue(container.uow(), now=now, limit=3)
            if not got:
                break
            total += got
        claimed.append(total)

    threads = [threading.Thread(target=claimer) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(claimed) == 40
    posts = api.get("/api/posts?limit=100", headers=tenant.headers).json()
    assert posts["total"] == 40
    # Published from three threads at once, every post made it into the feed.
    feed = api.get(f"/published/{tenant.org_id}/feed.xml").content
    titles = {e.text for e in ET.fromstring(feed).iter("title")}  # noqa: S314 - ours
    assert {f"Post {n}" for n in range(40)} <= titles


def test_a_platform_limit_makes_posts_wait(
    api: SyncASGIClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    monkeypatch.setenv("WAVESTACK_PUBLISHING_LIMITS", "local=2/1h")
    container = bootstrap(settings, immediate_jobs=True, namespace=f"limits-{new_id()[-6:]}")
    try:
        with asgi_client(create_app(container)) as limited_api:
            items = [queue(limited_api, tenant) for _ in range(3)]
            PublishScheduler(container.uow).run_once()
            states = [item(limited_api, tenant, i["id"]) for i in items]
        etas = outbox_job_etas(container, "publishing.publish")
    finally:
        container.close()
    assert sorted(s["status"] for s in states) == ["processing", "published", "published"]
    (waiting,) = (s for s in states if s["status"] == "processing")
    delivery = waiting["deliveries"]["local"]
    assert delivery["status"] == "pending"
    assert delivery["error"].startswith("waiting for local's limit of 2/1h: next at ")
    assert [eta is not None for eta in etas].count(True) == 1  # queued again for later


def test_concurrency_gates_and_limit_tables(container: Container) -> None:
    # Two workers' gates over the install's semaphores (Redis on the postgres backend: two
    # processes would share them just the same).
    here, there = (Gates(concurrency(["youtube=1"]), container.semaphores) for _ in range(2))
    ticket = here.enter("youtube")
    assert ticket is not None
    assert there.enter("youtube") is None  # one upload at a time, whichever worker asks
    assert there.enter("x") is not None
    assert here.enter("local") == "-"  # no cap
    here.leave("youtube", ticket)
    assert there.enter("youtube") is not None
    assert concurrency([])["x"] == 4
    with pytest.raises(ValueError, match="youtube=2"):
        concurrency(["youtube=lots"])
    table = limits(["x=5/1m", "linkedin=none", "local=3/2h"])
    assert (table["x"].posts, table["x"].window) == (5, timedelta(minutes=1))
    assert "linkedin" not in table
    assert table["local"].window == timedelta(hours=2)
    assert table["youtube"].text == "6/24h"
    with pytest.raises(ValueError, match="6/24h"):
        limits(["x=often"])


def test_items_waiting_for_assets_do_not_hold_up_the_rest(
    api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    coming = [queue(api, tenant) for _ in range(3)]
    for waiting in coming:
        set_asset_status(container, waiting["assetId"], "pending")
    ready = queue(api, tenant)  # queued last: behind the three
    claimed = claim_and_queue(container.uow(), now=datetime.now(UTC), limit=2)
    assert claimed == 1
    assert item(api, tenant, ready["id"])["status"] == "published"
    assert {item(api, tenant, w["id"])["status"] for w in coming} == {"queued"}


class Unanswered:
    """A platform that never answers a publish, and cannot tell afterwards either."""

    platform = "local"

    def __init__(self) -> None:
        self.asked: list[str] = []

    def publish(self, item: QueueItemRead, assets: Sequence[AssetRead]) -> Published:
        raise PublishUnconfirmed("no answer from the platform", ref="upload-17")

    def confirm(self, item: QueueItemRead, ref: str) -> Published | None:
        self.asked.append(ref)
        return None


def test_an_unconfirmed_post_is_asked_about_until_it_is_given_up(
    api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    queued = queue(api, tenant, scheduleAt=(datetime.now(UTC) + timedelta(hours=1)).isoformat())
    later = datetime.now(UTC) + timedelta(hours=2)
    claimed = container.uow()
    with claimed:
        assert len(content_queue.claim_due(claimed, now=later, limit=10)) == 1
        claimed.commit()
    platform = Unanswered()
    job = PublishToPlatform(org_id=tenant.org_id, item_id=queued["id"], platform="local")
    publish(container.uow, {"local": platform}, job)
    waiting = item(api, tenant, queued["id"])["deliveries"]["local"]
    assert (waiting["status"], waiting["ref"]) == ("unconfirmed", "upload-17")

    assert confirm_unconfirmed(container.uow, {"local": platform}, now=later) == 0
    assert platform.asked == ["upload-17"]
    assert item(api, tenant, queued["id"])["deliveries"]["local"]["status"] == "unconfirmed"

    a_day_on = later + timedelta(hours=25)
    assert confirm_unconfirmed(container.uow, {"local": platform}, now=a_day_on) == 1
    done = item(api, tenant, queued["id"])
    assert done["status"] == "failed"
    assert done["deliveries"]["local"]["error"].startswith(
        "local never said whether the post went up"
    )
    assert ("post.failed", "local") in [
        (name, payload["data"]["platform"])
        for name, payload in outbox_events(container, tenant.org_id, "post.")
    ]


def test_a_publish_whose_worker_stopped_is_recovered(
    api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    queued = queue(api, tenant, platforms=["local", "x"])
    claimed = container.uow()
    with claimed:
        content_queue.claim_due(claimed, now=datetime.now(UTC), limit=10)
        claimed.commit()
    for platform in ("local", "x"):  # taken by a worker that then died
        content_queue.start_delivery(
            container.uow(), org_id=tenant.org_id, item_id=queued["id"], platform=platform
        )
    publishers = {**publishers_of(container), "x": Unanswered()}
    soon = datetime.now(UTC) + timedelta(minutes=5)
    assert recover_stalled(container.uow, publishers, now=soon, older_than=timedelta(hours=3)) == 0
    later = datetime.now(UTC) + timedelta(hours=4)
    assert recover_stalled(container.uow, publishers, now=later, older_than=timedelta(hours=3)) == 2
    deliveries = item(api, tenant, queued["id"])["deliveries"]
    assert deliveries["local"]["status"] == "published"  # the same files again: safe
    assert deliveries["x"]["status"] == "unconfirmed"  # it may be up: asked about, not redone
    assert "whether the post went up is not known" in deliveries["x"]["error"]
