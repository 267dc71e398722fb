"""TikTok, against a protocol-level fake of the Content Posting API: TikTok's chunk sizes,
a draft sent to the inbox, a direct post, the refusals of an unaudited app and of a daily
limit, and connecting the account (OAuth with PKCE and a `client_key`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakes.http import served
from fakes.oauth import consenting_browser
from fakes.tiktok import MB, FakeTikTok
from support import SyncASGIClient, Tenant, free_port, make_project, set_settings
from wavestack.bootstrap import Container
from wavestack.connect import connect_tiktok
from wavestack.kernel.ids import new_id
from wavestack.providers.tiktok import TikTokClient, TikTokError, TikTokSettings, chunk_plan
from wavestack.services.content_queue import QueueItemRead
from wavestack.services.publishing import PublishScheduler
from wavestack.services.publishing.handlers import publishers_of
from wavestack.services.publishing.publishers import Published
from wavestack.services.publishing.tiktok import TikTokPublisher


def test_chunks_follow_tiktoks_rules() -> None:
    assert chunk_plan(3 * MB) == chunk_plan(3 * MB, 64 * MB)  # under 5 MB: one piece
    assert (chunk_plan(3 * MB).chunk_size, chunk_plan(3 * MB).count) == (3 * MB, 1)
    plan = chunk_plan(23 * MB, 10 * MB)
    assert (plan.chunk_size, plan.count) == (10 * MB, 2)  # the last chunk takes 13 MB
    assert plan.ranges(23 * MB) == [(0, 10 * MB - 1), (10 * MB, 23 * MB - 1)]
    assert chunk_plan(7 * MB, 10 * MB).count == 1  # smaller than a chunk: one chunk
    assert chunk_plan(100 * MB, 2 * MB).chunk_size == 5 * MB  # never under 5 MB
    assert chunk_plan(700 * MB, 100 * MB).chunk_size == 64 * MB  # never over 64 MB
    with pytest.raises(TikTokError, match="empty"):
        chunk_plan(0)


@pytest.fixture
def tiktok(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeTikTok, TikTokSettings]]:
    fake = FakeTikTok()
    with served(fake.handle) as base:
        values = {
            "CLIENT_ID": "tt-key",
            "CLIENT_SECRET": "s3cret",
            "API_URL": base,
            "AUTH_URL": f"{base}/v2/auth/authorize/",
            "TOKEN_URL": f"{base}/v2/oauth/token/",
            "REDIRECT_URI": f"http://localhost:{free_port()}/callback",
            "CHUNK_MB": "5",
        }
        set_settings(monkeypatch, "TIKTOK", values)
        yield fake, TikTokSettings()


def video_asset(api: SyncASGIClient, tenant: Tenant, size: int) -> str:
    content = bytes(range(256)) * (size // 256)
    files = {"file": ("clip.mp4", content, "video/mp4")}
    response = api.post("/api/assets", headers=tenant.headers, files=files)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def publish(api: SyncASGIClient, container: Container, tenant: Tenant, asset: str) -> Any:
    body = {
        "projectId": make_project(api, tenant),
        "assetId": asset,
        "title": "Best moment",
        "caption": "What a clutch",
        "hashtags": ["gaming"],
        "platforms": ["tiktok"],
        "idempotencyKey": new_id(),
    }
    queued = api.post("/api/queue", headers=tenant.headers, json=body)
    assert queued.status_code == 201, queued.text
    PublishScheduler(container.uow).run_once()
    return api.get(f"/api/queue/{queued.json()['id']}", headers=tenant.headers).json()


def test_a_video_goes_to_the_inbox_in_chunks(
    tiktok: tuple[FakeTikTok, TikTokSettings],
    api: SyncASGIClient,
    container: Container,
    tenant: Tenant,
) -> None:
    fake, settings = tiktok

    def check(query: dict[str, str]) -> None:
        assert query["client_key"] == "tt-key"
        assert query["scope"] == "user.info.basic,video.upload,video.publish"

    connected = connect_tiktok(
        container,
        settings,
        org_id=tenant.org_id,
        open_url=consenting_browser(fake.oauth, check=check),
        timeout=10,
    )
    assert (connected.account_id, connected.account_name) == ("tt-open-1", "wavecreator")
    fake.oauth.access_tokens.clear()  # expired on TikTok's side: 401, renewed, tried again
    size = 12 * MB
    done = publish(api, container, tenant, video_asset(api, tenant, size))
    assert done["status"] == "published", done
    assert [c["grant_type"] for c in fake.oauth.calls].count("refresh_token") == 1
    (upload,) = fake.publishes.values()
    assert upload.kind == "inbox"
    assert (upload.chunk_size, upload.chunks) == (5 * MB, 2)
    assert upload.ranges == [(0, 5 * MB - 1), (5 * MB, size - 1)]  # the last took the rest
    assert len(upload.received) == size
    assert done["deliveries"]["tiktok"]["url"] is None  # a draft has no public page yet
    # Had the status polls run out, the check would ask TikTok once more about the publish.
    (publish_id,) = fake.publishes
    item = QueueItemRead.model_validate(done)
    checked = publishers_of(container)["tiktok"]
    assert isinstance(checked, TikTokPublisher)
    assert checked.confirm(item, publish_id) == Published(external_id=publish_id, url=None)
    fake.posts_left = 0
    limited = publish(api, container, tenant, video_asset(api, tenant, MB))
    assert limited["error"] == "tiktok: the account reached TikTok's daily post limit"


def test_direct_posts_and_refusals(
    tiktok: tuple[FakeTikTok, TikTokSettings],
    api: SyncASGIClient,
    container: Container,
    tenant: Tenant,
    tmp_path: Path,
) -> None:
    fake, settings = tiktok
    fake.oauth.access_tokens.add("tt-token")
    client = TikTokClient(
        lambda _force: "tt-token", api_url=settings.api_url, sleep=lambda _s: None
    )
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"v" * 1000)
    publish_id = client.upload(video, title="hi", draft=False, privacy="SELF_ONLY")
    assert client.wait(publish_id)["status"] == "PUBLISH_COMPLETE"
    with pytest.raises(TikTokError) as refused:
        client.upload(video, title="hi", draft=False, privacy="PUBLIC_TO_EVERYONE")
    assert refused.value.code == "unaudited_client_can_only_post_to_private_accounts"
    fake.audited = True
    public = client.upload(video, title="hi", draft=False, privacy="PUBLIC_TO_EVERYONE")
    assert client.wait(public)["publicaly_available_post_id"]
    fake.posts_left = 0
    with pytest.raises(TikTokError) as limited:
        client.upload(video, title="hi", draft=True)
    assert limited.value.code == "spam_risk_too_many_posts"
    assert client.creator()["creator_username"] == "wavecreator"
