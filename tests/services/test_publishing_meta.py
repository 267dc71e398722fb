"""Publishing on Instagram and Facebook, end to end against a fake Graph API: connecting a
Page (the login's token made long-lived, the Page's token kept), Instagram Reels, images
fetched by Meta through a sealed link, carousels, a container that ends in ERROR, a
throttle, a dead token and a publish call without an answer; Facebook Reels, photos and a
post of several photos."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from fakes.http import served
from fakes.meta import INSTAGRAM, PAGE, VERSION, FakeMeta
from fakes.oauth import consenting_browser
from support import (
    SyncASGIClient,
    Tenant,
    free_port,
    make_asset,
    make_project,
    outbox_job_etas,
    set_settings,
)
from wavestack.bootstrap import Container
from wavestack.connect import ConnectFailed, connect_facebook, connect_instagram
from wavestack.kernel.ids import new_id
from wavestack.providers.meta import MetaSettings
from wavestack.services import cms
from wavestack.services.content_queue import QueueItemRead
from wavestack.services.publishing import PublishScheduler
from wavestack.services.publishing.events import PublishToPlatform
from wavestack.services.publishing.handlers import publishers_of
from wavestack.services.publishing.meta import InstagramPublisher
from wavestack.services.publishing.publishers import PublishFailed
from wavestack.services.publishing.service import confirm_unconfirmed, publish

PUBLIC = "https://wave.example.com"
VIDEO = ("clip.mp4", b"\x00\x00\x00\x18ftypmp42 video" * 50, "video/mp4")
JPEG = ("look.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF look", "image/jpeg")


@pytest.fixture
def meta(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMeta]:
    """The fake, and settings pointing at it (before the container that reads them)."""
    fake = FakeMeta()
    with served(fake.handle) as base:
        set_settings(
            monkeypatch,
            "META",
            {
                "CLIENT_ID": "meta-app",
                "CLIENT_SECRET": "s3cret",
                "API_URL": f"{base}/{VERSION}",
                "AUTH_URL": f"{base}/dialog/oauth",
                "TOKEN_URL": f"{base}/{VERSION}/oauth/access_token",
                "REDIRECT_URI": f"http://localhost:{free_port()}/callback",
                "POLL_SECONDS": "0.01",
            },
        )
        monkeypatch.setenv("WAVESTACK_PUBLIC_URL", PUBLIC)
        yield fake


@pytest.fixture
def connected(
    meta: FakeMeta, container: Container, tenant: Tenant, api: SyncASGIClient
) -> FakeMeta:
    """Facebook and Instagram connected for the tenant; Meta fetches image links through
    this install's API (as it would over the internet)."""

    def fetch(url: str) -> bytes | None:
        got = api.get(url.removeprefix(PUBLIC))
        return got.content if got.status_code == 200 else None

    meta.fetch = fetch
    for connect in (connect_facebook, connect_instagram):
        connect(
            container,
            MetaSettings(),
            org_id=tenant.org_id,
            open_url=consenting_browser(meta.oauth),
            timeout=10,
        )
    return meta


def publish_now(
    api: SyncASGIClient,
    container: Container,
    tenant: Tenant,
    media: list[tuple[str, bytes, str]],
    platforms: list[str],
) -> dict[str, Any]:
    first, *more = [make_asset(api, tenant, file) for file in media]
    body = {
        "projectId": make_project(api, tenant),
        "assetId": first,
        "extraAssetIds": more,
        "title": "Best moment",
        "caption": "From last night",
        "hashtags": ["gaming"],
        "platforms": platforms,
        "idempotencyKey": new_id(),
    }
    queued = api.post("/api/queue", headers=tenant.headers, json=body)
    assert queued.status_code == 201, queued.text
    PublishScheduler(container.uow).run_once()
    return dict(api.get(f"/api/queue/{queued.json()['id']}", headers=tenant.headers).json())


def test_connecting_keeps_the_pages_token_and_names_the_accounts(
    connected: FakeMeta, api: SyncASGIClient, tenant: Tenant
) -> None:
    accounts = api.get("/api/connections", headers=tenant.headers).json()
    found = {(c["platform"], c["accountId"], c["accountName"]) for c in accounts}
    assert found == {
        ("facebook", PAGE["id"], PAGE["name"]),
        ("instagram", INSTAGRAM["id"], INSTAGRAM["username"]),
    }
    assert connected.long_lived  # the login's token was traded for a long-lived one
    assert connected.oauth.calls[0]["redirect_uri"].startswith("http://localhost:")


def test_a_video_becomes_an_instagram_reel(
    connected: FakeMeta, api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    done = publish_now(api, container, tenant, [VIDEO], ["instagram"])
    assert done["status"] == "published", done
    ((media_id, container_id),) = connected.published.items()
    reel = connected.containers[container_id]
    assert reel.fields["media_type"] == "REELS"
    assert reel.fields["caption"] == "From last night\n\n#gaming"
    assert reel.data == VIDEO[1]
    assert (
        done["deliveries"]["instagram"]["url"] == f"https://www.instagram.com/p/W{media_id[-6:]}/"
    )


def test_an_image_is_fetched_by_meta_through_a_sealed_link(
    connected: FakeMeta, api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    done = publish_now(api, container, tenant, [JPEG], ["instagram"])
    assert done["status"] == "published", done
    (container_id,) = connected.published.values()
    image = connected.containers[container_id]
    assert image.data == JPEG[1]
    link = image.fields["image_url"]
    assert link.startswith(f"{PUBLIC}/api/media/")
    forged = link[:-8] + ("A" * 8 if not link.endswith("A" * 8) else "B" * 8)
    assert api.get(forged.removeprefix(PUBLIC)).status_code == 404


def test_several_files_become_an_instagram_carousel(
    connected: FakeMeta, api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    done = publish_now(api, container, tenant, [JPEG, VIDEO], ["instagram"])
    assert done["status"] == "published", done
    (carousel_id,) = connected.published.values()
    carousel = connected.containers[carousel_id]
    assert carousel.fields["media_type"] == "CAROUSEL"
    assert carousel.fields["caption"] == "From last night\n\n#gaming"
    items = [connected.containers[c] for c in carousel.fields["children"].split(",")]
    assert [i.fields.get("media_type", "IMAGE") for i in items] == ["IMAGE", "VIDEO"]
    assert all(i.fields["is_carousel_item"] == "true" for i in items)
    assert [i.data for i in items] == [JPEG[1], VIDEO[1]]


def test_a_container_in_error_fails_the_delivery_with_metas_reason(
    connected: FakeMeta, api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    connected.fail_processing = "ERROR: 2207026: unsupported video format"
    done = publish_now(api, container, tenant, [VIDEO], ["instagram"])
    assert done["status"] == "failed"
    assert done["deliveries"]["instagram"]["error"] == (
        "Instagram could not use the media: ERROR: 2207026: unsupported video format"
    )
    assert connected.published == {}


def test_a_throttle_is_retried_and_a_dead_token_fails(
    connected: FakeMeta, api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    connected.throttled = 1
    waiting = publish_now(api, container, tenant, [VIDEO], ["instagram"])
    assert waiting["deliveries"]["instagram"]["status"] == "pending"  # the job tries again
    job = PublishToPlatform(org_id=tenant.org_id, item_id=waiting["id"], platform="instagram")
    publish(container.uow, publishers_of(container), job)
    retried = api.get(f"/api/queue/{waiting['id']}", headers=tenant.headers).json()
    assert retried["status"] == "published"

    connected.page_tokens.clear()  # the person removed the app: Meta answers code 190
    dead = publish_now(api, container, tenant, [VIDEO], ["facebook"])
    assert dead["deliveries"]["facebook"]["error"] == (
        "Meta no longer accepts the facebook connection (expired or revoked): connect it "
        "again (wavestack connect facebook)"
    )


def test_a_used_up_publishing_limit_makes_the_post_wait(
    connected: FakeMeta, api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    connected.published_elsewhere = 49  # by other tools today: one post is left
    assert publish_now(api, container, tenant, [VIDEO], ["instagram"])["status"] == "published"
    before = datetime.now(UTC)
    waiting = publish_now(api, container, tenant, [VIDEO], ["instagram"])
    delivery = waiting["deliveries"]["instagram"]
    assert delivery["status"] == "pending"
    assert delivery["error"].startswith(
        "Instagram's publishing limit is used up (50 of 50 in 24 hours): trying again at "
    )
    eta = outbox_job_etas(container, "publishing.publish")[-1]
    assert eta is not None
    assert timedelta(minutes=59) < eta - before < timedelta(minutes=61)
    assert len(connected.containers) == 1  # nothing was made for the waiting post


def test_images_need_a_public_address(
    connected: FakeMeta, api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    body = {
        "projectId": make_project(api, tenant),
        "assetId": make_asset(api, tenant, JPEG),
        "title": "Look",
        "platforms": ["instagram"],
        "scheduleAt": "2999-01-01T00:00:00Z",
        "idempotencyKey": new_id(),
    }
    queued = QueueItemRead.model_validate(
        api.post("/api/queue", headers=tenant.headers, json=body).json()
    )
    image = cms.get_asset(container.uow(), org_id=tenant.org_id, asset_id=queued.asset_id)
    real = publishers_of(container)["instagram"]
    assert isinstance(real, InstagramPublisher)
    on_a_lan = InstagramPublisher(
        real.client_for, container.storage, lambda _asset: "http://192.168.1.20:8080/api/media/x"
    )
    with pytest.raises(PublishFailed, match="set WAVESTACK_PUBLIC_URL to one Meta can reach"):
        on_a_lan.publish(queued, [image])
    assert connected.containers == {}


def test_facebook_reels_photos_and_albums(
    connected: FakeMeta, api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    reel = publish_now(api, container, tenant, [VIDEO], ["facebook"])
    assert reel["status"] == "published", reel
    ((video_id, video),) = connected.reels.items()
    assert (video["data"], video["video_state"]) == (VIDEO[1], "PUBLISHED")
    assert video["description"] == "From last night\n\n#gaming"
    assert reel["deliveries"]["facebook"]["url"] == f"https://www.facebook.com/reel/{video_id}"

    photo = publish_now(api, container, tenant, [JPEG], ["facebook"])
    ((photo_id, sent),) = connected.photos.items()
    assert bytes.fromhex(sent["source:bytes"]) == JPEG[1]
    assert (sent["caption"], sent["published"]) == ("From last night\n\n#gaming", True)
    url = f"https://www.facebook.com/{PAGE['id']}_{photo_id}"
    assert photo["deliveries"]["facebook"]["url"] == url

    album = publish_now(api, container, tenant, [JPEG, JPEG, JPEG], ["facebook"])
    assert album["status"] == "published", album
    (post,) = connected.feed
    assert post["message"] == "From last night\n\n#gaming"
    assert len(post["photos"]) == 3
    assert all(not connected.photos[p]["published"] for p in post["photos"])


def test_a_page_without_instagram_cannot_connect_instagram(
    meta: FakeMeta, container: Container, tenant: Tenant
) -> None:
    meta.pages = [dict(PAGE)]
    with pytest.raises(ConnectFailed, match="no Instagram professional account linked"):
        connect_instagram(
            container,
            MetaSettings(),
            org_id=tenant.org_id,
            open_url=consenting_browser(meta.oauth),
            timeout=10,
        )
    meta.pages = [dict(PAGE), {"id": "1040000002", "name": "Second"}]
    with pytest.raises(ConnectFailed, match="set WAVESTACK_META_PAGE_ID to one of"):
        connect_facebook(
            container,
            MetaSettings(),
            org_id=tenant.org_id,
            open_url=consenting_browser(meta.oauth),
            timeout=10,
        )


def test_publishing_without_an_answer_is_confirmed_later(
    connected: FakeMeta, api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    connected.drop_publishing = True  # Instagram publishes; its answer is lost
    reel = publish_now(api, container, tenant, [VIDEO], ["instagram"])
    assert reel["deliveries"]["instagram"]["status"] == "unconfirmed"
    connected.drop_publishing = True  # Facebook finishes the reel; its answer is lost
    page_reel = publish_now(api, container, tenant, [VIDEO], ["facebook"])
    assert page_reel["deliveries"]["facebook"]["status"] == "unconfirmed"

    publishers = publishers_of(container)
    assert confirm_unconfirmed(container.uow, publishers, now=datetime.now(UTC)) == 2
    (media_id,) = connected.published  # published once, and found again
    done = api.get(f"/api/queue/{reel['id']}", headers=tenant.headers).json()
    assert done["status"] == "published"
    assert (
        done["deliveries"]["instagram"]["url"] == f"https://www.instagram.com/p/W{media_id[-6:]}/"
    )
    (video_id,) = connected.reels
    done = api.get(f"/api/queue/{page_reel['id']}", headers=tenant.headers).json()
    assert done["deliveries"]["facebook"]["url"] == f"https://www.facebook.com/reel/{video_id}"


def test_a_finished_container_that_was_not_published_is_published_by_the_check(
    connected: FakeMeta, api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    original = connected._publish

    def lost_before_meta_saw_it(container_id: str) -> httpx.Response:
        connected._publish = original  # type: ignore[method-assign]
        raise ConnectionAbortedError("the request never reached Meta")

    connected._publish = lost_before_meta_saw_it  # type: ignore[method-assign]
    waiting = publish_now(api, container, tenant, [VIDEO], ["instagram"])
    assert waiting["deliveries"]["instagram"]["status"] == "unconfirmed"
    assert connected.published == {}
    confirm_unconfirmed(container.uow, publishers_of(container), now=datetime.now(UTC))
    done = api.get(f"/api/queue/{waiting['id']}", headers=tenant.headers).json()
    assert done["status"] == "published"
    assert len(connected.published) == 1
