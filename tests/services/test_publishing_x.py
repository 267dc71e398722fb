"""Publishing on X, end to end: connecting the account (OAuth 2.0 with PKCE, the secret as
Basic auth), a long caption posted as a thread with the video on the first post, a thread
stopped partway failed without reposting, and a post with no answer left unconfirmed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fakes.http import served
from fakes.oauth import consenting_browser
from fakes.x import ACCOUNT, FakeX
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
from wavestack.connect import ConnectFailed, connect_x
from wavestack.kernel.ids import new_id
from wavestack.providers.x import XSettings
from wavestack.services.publishing import PublishScheduler
from wavestack.services.publishing.handlers import publishers_of
from wavestack.services.publishing.service import confirm_unconfirmed

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"


@pytest.fixture
def x(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeX, XSettings]]:
    fake = FakeX()
    with served(fake.handle) as base:
        values = {
            "CLIENT_ID": "x-app",
            "CLIENT_SECRET": "s3cret",
            "API_URL": base,
            "AUTH_URL": f"{base}/i/oauth2/authorize",
            "TOKEN_URL": f"{base}/2/oauth2/token",
            "REDIRECT_URI": f"http://localhost:{free_port()}/callback",
        }
        set_settings(monkeypatch, "X", values)
        yield fake, XSettings()


def browser(fake: FakeX) -> Callable[[str], None]:
    def check(query: dict[str, str]) -> None:
        assert query["code_challenge_method"] == "S256"
        assert "offline.access" in query["scope"].split()

    return consenting_browser(fake.oauth, check=check)


def queue_for_x(
    api: SyncASGIClient, container: Container, tenant: Tenant, caption: str, **more: Any
) -> str:
    body: dict[str, Any] = {
        "projectId": make_project(api, tenant),
        "assetId": make_asset(api, tenant),
        "title": "Best moment",
        "caption": caption,
        "hashtags": ["gaming"],
        "platforms": ["x"],
        "idempotencyKey": new_id(),
        **more,
    }
    queued = api.post("/api/queue", headers=tenant.headers, json=body)
    assert queued.status_code == 201, queued.text
    PublishScheduler(container.uow).run_once()
    return str(queued.json()["id"])


def test_a_long_post_goes_out_as_a_thread_with_the_video(
    x: tuple[FakeX, XSettings], api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    fake, settings = x
    connected = connect_x(
        container, settings, org_id=tenant.org_id, open_url=browser(fake), timeout=10
    )
    assert (connected.account_id, connected.account_name) == (ACCOUNT["id"], "wavecreator")
    assert fake.oauth.calls[0]["client_secret"] == "s3cret"  # sent as Basic auth
    caption = " ".join(f"moment{n}" for n in range(60))  # about 470 characters
    item_id = queue_for_x(api, container, tenant, caption)
    done = api.get(f"/api/queue/{item_id}", headers=tenant.headers).json()
    assert done["status"] == "published", done
    first, *rest = fake.posts
    assert len(rest) >= 1
    assert done["deliveries"]["x"]["url"] == f"https://x.com/wavecreator/status/{first['id']}"
    (media_id,) = first["media"]["media_ids"]
    assert fake.received(media_id) == b"\x00\x00\x00\x18ftypmp42 video"
    assert all("media" not in post for post in rest)
    assert rest[0]["reply"] == {"in_reply_to_tweet_id": first["id"]}
    assert " ".join(p["text"] for p in fake.posts) == f"{caption} #gaming"


def test_several_images_go_on_one_post(
    x: tuple[FakeX, XSettings], api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    fake, settings = x
    connect_x(container, settings, org_id=tenant.org_id, open_url=browser(fake), timeout=10)
    images = [
        make_asset(api, tenant, (f"{n}.jpg", JPEG + bytes([n]), "image/jpeg")) for n in range(3)
    ]
    item_id = queue_for_x(
        api, container, tenant, "Three looks", assetId=images[0], extraAssetIds=images[1:]
    )
    assert api.get(f"/api/queue/{item_id}", headers=tenant.headers).json()["status"] == "published"
    (post,) = fake.posts
    ids = post["media"]["media_ids"]
    assert [fake.received(media_id) for media_id in ids] == [JPEG + bytes([n]) for n in range(3)]


def test_a_text_post_goes_out_without_media(
    x: tuple[FakeX, XSettings], api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    fake, settings = x
    connect_x(container, settings, org_id=tenant.org_id, open_url=browser(fake), timeout=10)
    item_id = queue_for_x(api, container, tenant, "Live at 8", assetId=None)
    assert api.get(f"/api/queue/{item_id}", headers=tenant.headers).json()["status"] == "published"
    (post,) = fake.posts
    assert (post["text"], post.get("media")) == ("Live at 8\n\n#gaming", None)


def test_a_long_rate_limit_waits_for_xs_window(
    x: tuple[FakeX, XSettings], api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    fake, settings = x
    connect_x(container, settings, org_id=tenant.org_id, open_url=browser(fake), timeout=10)
    fake.throttle, fake.reset_in = 1, 600  # 429 until X's window resets in ten minutes
    item_id = queue_for_x(api, container, tenant, "Live at 8", assetId=None)
    waiting = api.get(f"/api/queue/{item_id}", headers=tenant.headers).json()
    assert waiting["deliveries"]["x"]["status"] == "pending"
    eta = outbox_job_etas(container, "publishing.publish")[-1]
    assert eta is not None
    assert timedelta(seconds=590) < eta - datetime.now(UTC) < timedelta(seconds=610)
    assert fake.posts == []


def test_a_thread_stopped_partway_is_not_posted_again(
    x: tuple[FakeX, XSettings], api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    fake, settings = x
    connect_x(container, settings, org_id=tenant.org_id, open_url=browser(fake), timeout=10)
    fake.refuse_from = 1
    item_id = queue_for_x(api, container, tenant, " ".join(["word"] * 120))
    done = api.get(f"/api/queue/{item_id}", headers=tenant.headers).json()
    assert done["status"] == "failed"
    assert done["deliveries"]["x"]["error"].startswith(
        f"the thread stopped after 1 of 3 posts (https://x.com/wavecreator/status/{fake.posts[0]['id']})"
    )
    assert len(fake.posts) == 1


def test_a_post_without_an_answer_is_unconfirmed(
    x: tuple[FakeX, XSettings], api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    fake, settings = x
    connect_x(container, settings, org_id=tenant.org_id, open_url=browser(fake), timeout=10)
    fake.drop_next_post = True
    item_id = queue_for_x(api, container, tenant, "short one")
    done = api.get(f"/api/queue/{item_id}", headers=tenant.headers).json()
    assert done["status"] == "processing"  # not published, not failed: nobody knows yet
    assert done["deliveries"]["x"]["status"] == "unconfirmed"
    assert "got no answer" in done["deliveries"]["x"]["error"]
    assert len(fake.posts) == 1  # it did go up, and it is not posted twice
    assert confirm_unconfirmed(container.uow, publishers_of(container), now=datetime.now(UTC)) == 1
    confirmed = api.get(f"/api/queue/{item_id}", headers=tenant.headers).json()
    assert confirmed["status"] == "published"
    assert confirmed["deliveries"]["x"]["url"].endswith(f"/status/{fake.posts[0]['id']}")
    assert len(fake.posts) == 1


def test_a_thread_without_an_answer_partway_is_finished_once(
    x: tuple[FakeX, XSettings], api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    fake, settings = x
    connect_x(container, settings, org_id=tenant.org_id, open_url=browser(fake), timeout=10)
    fake.drop_at = 1  # the second part goes up, its answer is lost
    item_id = queue_for_x(api, container, tenant, " ".join(["word"] * 120))
    assert len(fake.posts) == 2
    confirm_unconfirmed(container.uow, publishers_of(container), now=datetime.now(UTC))
    done = api.get(f"/api/queue/{item_id}", headers=tenant.headers).json()
    assert done["status"] == "published", done
    first, second, third = fake.posts
    assert second["reply"] == {"in_reply_to_tweet_id": first["id"]}
    assert third["reply"] == {"in_reply_to_tweet_id": second["id"]}


def test_a_post_x_never_took_is_published_again(
    x: tuple[FakeX, XSettings], api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    fake, settings = x
    connect_x(container, settings, org_id=tenant.org_id, open_url=browser(fake), timeout=10)
    fake.lose_next_post = True
    item_id = queue_for_x(api, container, tenant, "short one")
    lost = api.get(f"/api/queue/{item_id}", headers=tenant.headers).json()
    assert (lost["deliveries"]["x"]["status"], fake.posts) == ("unconfirmed", [])
    confirm_unconfirmed(container.uow, publishers_of(container), now=datetime.now(UTC))
    done = api.get(f"/api/queue/{item_id}", headers=tenant.headers).json()
    assert done["status"] == "published", done
    assert len(fake.posts) == 1


def test_connecting_needs_an_app(container: Container, tenant: Tenant) -> None:
    with pytest.raises(ConnectFailed, match="WAVESTACK_X_CLIENT_ID"):
        connect_x(container, XSettings(client_id=""), org_id=tenant.org_id, open_url=print)
