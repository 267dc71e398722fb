"""Publishing on YouTube, end to end: a queued item uploaded as the organization's connected
channel (the token renewed on 401), added to the playlist, recorded as a post; refusals
(quota, limits, not connected) fail the delivery with the reason."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fakes.http import served
from fakes.youtube import CHANNEL, FakeGoogle
from support import SyncASGIClient, Tenant, make_asset, make_project, set_settings
from wavestack.bootstrap import Container
from wavestack.kernel.ids import new_id
from wavestack.providers.oauth import TokenSet
from wavestack.services import connections
from wavestack.services.publishing import PublishScheduler


@pytest.fixture
def google(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGoogle]:
    """Google's fakes, and this install's settings pointing at them (before the container
    that reads them is built)."""
    fake = FakeGoogle()
    with served(fake.handle) as base:
        set_settings(
            monkeypatch,
            "YOUTUBE",
            {
                "CLIENT_ID": "google-client",
                "CLIENT_SECRET": "s3cret",
                "API_URL": f"{base}/",
                "TOKEN_URL": f"{base}/oauth2/token",
                "PLAYLIST_ID": "PLhighlights",
            },
        )
        yield fake


def connect(container: Container, tenant: Tenant, fake: FakeGoogle) -> None:
    fake.oauth.access_tokens.add("ya29.first")
    fake.oauth.refresh_tokens.add("1//refresh")
    connections.save(
        container.uow(),
        container.secrets,
        org_id=tenant.org_id,
        platform="youtube",
        account_id=CHANNEL,
        account_name="The Creator",
        tokens=TokenSet(
            "ya29.first",
            refresh_token="1//refresh",
            expires_at=datetime.now(UTC) + timedelta(hours=1),
        ),
    )


def publish_now(
    api: SyncASGIClient, container: Container, tenant: Tenant, **overrides: Any
) -> dict[str, Any]:
    body = {
        "projectId": make_project(api, tenant),
        "assetId": make_asset(api, tenant),
        "title": "Best moment",
        "caption": "From last night",
        "hashtags": ["gaming", "clips"],
        "platforms": ["youtube"],
        "idempotencyKey": new_id(),
        **overrides,
    }
    queued = api.post("/api/queue", headers=tenant.headers, json=body)
    assert queued.status_code == 201, queued.text
    PublishScheduler(container.uow).run_once()
    return dict(api.get(f"/api/queue/{queued.json()['id']}", headers=tenant.headers).json())


def test_a_video_is_uploaded_to_the_connected_channel(
    google: FakeGoogle, api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    connect(container, tenant, google)
    google.oauth.access_tokens.discard("ya29.first")  # expired on Google's side: 401, renewed
    done = publish_now(api, container, tenant, platforms=["youtube", "local"])
    assert done["status"] == "published", done
    delivery = done["deliveries"]["youtube"]
    (video_id,) = google.youtube.videos
    assert delivery["url"] == f"https://www.youtube.com/watch?v={video_id}"
    video = google.youtube.videos[video_id]
    assert video["snippet"] == {
        "title": "Best moment",
        "description": "From last night\n\n#gaming #clips",
        "tags": ["gaming", "clips"],
        "categoryId": "22",
    }
    assert video["status"] == {"privacyStatus": "public", "selfDeclaredMadeForKids": False}
    assert google.youtube.playlist_items[0]["resourceId"]["videoId"] == video_id
    assert any(call.get("grant_type") == "refresh_token" for call in google.oauth.calls)
    posts = api.get("/api/posts?platform=youtube", headers=tenant.headers).json()["items"]
    assert [p["externalId"] for p in posts] == [video_id]


def test_refusals_fail_the_delivery_with_the_reason(
    google: FakeGoogle,
    api: SyncASGIClient,
    container: Container,
    tenant: Tenant,
    other_tenant: Tenant,
) -> None:
    connect(container, tenant, google)
    google.youtube.quota_left = 100
    done = publish_now(api, container, tenant)
    assert done["status"] == "failed"
    assert done["deliveries"]["youtube"]["error"] == (
        "YouTube's daily API quota is used up (it resets at midnight Pacific time)"
    )
    google.youtube.quota_left = 10_000
    google.youtube.upload_limit_reached = True
    limited = publish_now(api, container, tenant)
    assert limited["error"] == "youtube: the channel reached YouTube's upload limit for now"
    elsewhere = publish_now(api, container, other_tenant)
    assert elsewhere["error"] == "youtube: youtube is not connected (wavestack connect youtube)"
    assert google.youtube.videos == {}


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_options_schedule_the_video_and_set_its_thumbnail_and_playlist(
    google: FakeGoogle, api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    connect(container, tenant, google)
    thumbnail = make_asset(api, tenant, ("cover.png", PNG, "image/png"))
    goes_public = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    done = publish_now(
        api,
        container,
        tenant,
        options={
            "youtube": {
                "publishAt": goes_public.isoformat(),
                "thumbnailAssetId": thumbnail,
                "playlistId": "PLseries",
            }
        },
    )
    assert done["status"] == "published", done
    assert done["deliveries"]["youtube"]["error"] is None
    (video_id,) = google.youtube.videos
    assert google.youtube.videos[video_id]["status"] == {
        "privacyStatus": "private",
        "publishAt": goes_public.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "selfDeclaredMadeForKids": False,
    }
    assert google.youtube.thumbnails[video_id] == ("image/png", PNG)
    assert [p["playlistId"] for p in google.youtube.playlist_items] == ["PLseries"]


def test_a_refused_thumbnail_is_noted_but_the_video_is_published(
    google: FakeGoogle, api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    connect(container, tenant, google)
    google.youtube.custom_thumbnails = False
    thumbnail = make_asset(api, tenant, ("cover.png", PNG, "image/png"))
    done = publish_now(api, container, tenant, options={"youtube": {"thumbnailAssetId": thumbnail}})
    assert done["status"] == "published"
    note = done["deliveries"]["youtube"]["error"]
    assert note.startswith("the thumbnail was not set: YouTube refused the thumbnail: forbidden")
    assert google.youtube.thumbnails == {}


@pytest.mark.parametrize(
    ("youtube", "field", "message"),
    [
        (
            {"privacy": "public", "publishAt": "2999-01-01T00:00:00Z"},
            "options.youtube.publishAt",
            "YouTube schedules only private videos",
        ),
        ({"publishAt": "2001-01-01T00:00:00Z"}, "options.youtube.publishAt", "is in the past"),
        ({"thumbnailAssetId": "nope"}, "options.youtube.thumbnailAssetId", "no such asset"),
        ({"privacy": "secret"}, None, "privacy"),
    ],
)
def test_youtube_options_are_checked_when_queued(
    api: SyncASGIClient, tenant: Tenant, youtube: dict[str, str], field: str | None, message: str
) -> None:
    body = {
        "projectId": make_project(api, tenant),
        "assetId": make_asset(api, tenant),
        "title": "Best moment",
        "platforms": ["youtube"],
        "idempotencyKey": new_id(),
        "options": {"youtube": youtube},
    }
    refused = api.post("/api/queue", headers=tenant.headers, json=body)
    assert refused.status_code == 422, refused.text
    assert message in refused.text
    if field is not None:
        assert field in [d["field"] for d in refused.json()["error"]["details"]]


def test_a_video_thumbnail_is_refused_when_queued(api: SyncASGIClient, tenant: Tenant) -> None:
    body = {
        "projectId": make_project(api, tenant),
        "assetId": make_asset(api, tenant),
        "title": "Best moment",
        "platforms": ["youtube"],
        "idempotencyKey": new_id(),
        "options": {"youtube": {"thumbnailAssetId": make_asset(api, tenant)}},
    }
    refused = api.post("/api/queue", headers=tenant.headers, json=body)
    assert refused.status_code == 422
    assert "JPEG or PNG" in refused.text
