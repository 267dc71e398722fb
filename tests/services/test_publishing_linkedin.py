"""LinkedIn, end to end against a protocol-level fake: connecting the member, a video
uploaded in LinkedIn's parts and finalized with their ETags, the post in "little text"
(reserved characters escaped, hashtags as templates), refusals failing the delivery."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from fakes.http import served
from fakes.linkedin import MEMBER, FakeLinkedIn
from fakes.oauth import consenting_browser
from support import (
    SyncASGIClient,
    Tenant,
    free_port,
    make_project,
    outbox_job_etas,
    set_settings,
)
from wavestack.bootstrap import Container
from wavestack.connect import connect_linkedin
from wavestack.kernel.ids import new_id
from wavestack.providers.linkedin import LinkedInSettings
from wavestack.services.publishing import PublishScheduler
from wavestack.services.publishing.events import PublishToPlatform
from wavestack.services.publishing.handlers import publishers_of
from wavestack.services.publishing.linkedin import little_text
from wavestack.services.publishing.service import confirm_unconfirmed, publish


@pytest.fixture
def linkedin(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeLinkedIn, LinkedInSettings]]:
    fake = FakeLinkedIn()
    with served(fake.handle) as base:
        set_settings(
            monkeypatch,
            "LINKEDIN",
            {
                "CLIENT_ID": "li-app",
                "CLIENT_SECRET": "s3cret",
                "API_URL": base,
                "AUTH_URL": f"{base}/oauth/v2/authorization",
                "TOKEN_URL": f"{base}/oauth/v2/accessToken",
                "REDIRECT_URI": f"http://localhost:{free_port()}/callback",
            },
        )
        yield fake, LinkedInSettings()


def test_little_text_escapes_and_tags() -> None:
    assert little_text("Big (huge) win @ 50% *wow*", ["gaming"]) == (
        "Big \\(huge\\) win \\@ 50% \\*wow\\*\n\n{hashtag|\\#|gaming}"
    )


def test_a_video_post(
    linkedin: tuple[FakeLinkedIn, LinkedInSettings],
    api: SyncASGIClient,
    container: Container,
    tenant: Tenant,
) -> None:
    fake, settings = linkedin

    def check(query: dict[str, str]) -> None:
        assert "code_challenge" not in query
        assert query["scope"] == "openid profile w_member_social"

    connected = connect_linkedin(
        container,
        settings,
        org_id=tenant.org_id,
        open_url=consenting_browser(fake.oauth, check=check),
        timeout=10,
    )
    assert (connected.account_id, connected.account_name) == (MEMBER["sub"], "Wave Creator")
    content = bytes(range(256)) * (9 * 1024 * 1024 // 256)  # three parts of up to 4 MiB
    asset = api.post(
        "/api/assets",
        headers=tenant.headers,
        files={"file": ("clip.mp4", content, "video/mp4")},
    ).json()["id"]
    body = {
        "projectId": make_project(api, tenant),
        "assetId": asset,
        "title": "Best moment",
        "caption": "What a (clutch) play",
        "hashtags": ["gaming"],
        "platforms": ["linkedin"],
        "idempotencyKey": new_id(),
    }
    queued = api.post("/api/queue", headers=tenant.headers, json=body).json()
    PublishScheduler(container.uow).run_once()
    done = api.get(f"/api/queue/{queued['id']}", headers=tenant.headers).json()
    assert done["status"] == "published", done
    (post,) = fake.posts
    (video,) = fake.uploads
    assert bytes(fake.uploads[video]) == content
    assert fake.etags[video] == ["etag-0", "etag-1", "etag-2"]
    assert post["author"] == "urn:li:person:m-782"
    assert post["commentary"] == "What a \\(clutch\\) play\n\n{hashtag|\\#|gaming}"
    assert post["content"] == {"media": {"id": video, "title": "Best moment"}}
    assert done["deliveries"]["linkedin"]["url"] == (
        "https://www.linkedin.com/feed/update/urn:li:share:7000/"
    )

    # Revoked on LinkedIn's side: the 401 asks for a fresh token, and the grant is gone too.
    fake.oauth.access_tokens.clear()
    fake.oauth.refresh_tokens.clear()
    body["idempotencyKey"] = new_id()
    queued = api.post("/api/queue", headers=tenant.headers, json=body).json()
    PublishScheduler(container.uow).run_once()
    failed = api.get(f"/api/queue/{queued['id']}", headers=tenant.headers).json()
    assert failed["status"] == "failed"
    assert failed["error"].startswith("linkedin: ")
    assert "connect" in failed["error"]
    assert len(fake.posts) == 1


def test_a_throttled_post_waits_for_retry_after(
    linkedin: tuple[FakeLinkedIn, LinkedInSettings],
    api: SyncASGIClient,
    container: Container,
    tenant: Tenant,
) -> None:
    fake, settings = linkedin
    connect_linkedin(
        container,
        settings,
        org_id=tenant.org_id,
        open_url=consenting_browser(fake.oauth),
        timeout=10,
    )
    fake.throttle = 1
    fake.oauth.access_tokens.clear()  # expired on LinkedIn's side: 401, renewed, tried again
    body = {
        "projectId": make_project(api, tenant),
        "title": "Live at 8",
        "platforms": ["linkedin"],
        "idempotencyKey": new_id(),
    }
    queued = api.post("/api/queue", headers=tenant.headers, json=body).json()
    before = datetime.now(UTC)
    PublishScheduler(container.uow).run_once()
    waiting = api.get(f"/api/queue/{queued['id']}", headers=tenant.headers).json()
    delivery = waiting["deliveries"]["linkedin"]
    assert delivery["status"] == "pending"
    assert delivery["error"].startswith("linkedin asked to slow down: trying again at ")
    eta = outbox_job_etas(container, "publishing.publish")[-1]
    assert eta is not None
    assert timedelta(seconds=85) < eta - before < timedelta(seconds=95)  # Retry-After: 90
    assert fake.posts == []
    job = PublishToPlatform(org_id=tenant.org_id, item_id=queued["id"], platform="linkedin")
    publish(container.uow, publishers_of(container), job)  # at that time
    done = api.get(f"/api/queue/{queued['id']}", headers=tenant.headers).json()
    assert done["status"] == "published"
    assert len(fake.posts) == 1
    assert [c["grant_type"] for c in fake.oauth.calls].count("refresh_token") == 1


def test_a_post_without_an_answer_is_found_later(
    linkedin: tuple[FakeLinkedIn, LinkedInSettings],
    api: SyncASGIClient,
    container: Container,
    tenant: Tenant,
) -> None:
    fake, settings = linkedin
    connect_linkedin(
        container, settings, org_id=tenant.org_id, open_url=consenting_browser(fake.oauth)
    )
    fake.drop_next_post = True
    body = {
        "projectId": make_project(api, tenant),
        "title": "Live at 8",
        "platforms": ["linkedin"],
        "idempotencyKey": new_id(),
    }
    queued = api.post("/api/queue", headers=tenant.headers, json=body).json()
    PublishScheduler(container.uow).run_once()
    waiting = api.get(f"/api/queue/{queued['id']}", headers=tenant.headers).json()
    assert waiting["deliveries"]["linkedin"]["status"] == "unconfirmed"
    assert confirm_unconfirmed(container.uow, publishers_of(container), now=datetime.now(UTC))
    done = api.get(f"/api/queue/{queued['id']}", headers=tenant.headers).json()
    assert done["status"] == "published"
    (post,) = fake.posts  # found, not posted twice
    assert done["deliveries"]["linkedin"]["url"].endswith(f"/{post['id']}/")
