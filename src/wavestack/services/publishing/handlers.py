"""Jobs of publishing: one publish job per (queue item, platform)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

import httpx
from huey import crontab

from wavestack.kernel.clock import utcnow
from wavestack.kernel.jobs import RetryPolicy
from wavestack.providers.linkedin import LinkedInClient, LinkedInSettings
from wavestack.providers.meta import GraphClient, MetaSettings
from wavestack.providers.oauth import OAuthClient, OAuthEndpoints
from wavestack.providers.tiktok import TikTokClient, TikTokSettings
from wavestack.providers.x import XClient, XSettings
from wavestack.providers.youtube import YouTubeSettings, YouTubeUploader
from wavestack.services import cms, connections
from wavestack.services.cms import AssetRead
from wavestack.services.publishing import service
from wavestack.services.publishing.events import PublishToPlatform
from wavestack.services.publishing.limits import Gates, concurrency, limits
from wavestack.services.publishing.linkedin import LinkedInPublisher
from wavestack.services.publishing.local import LocalPublisher
from wavestack.services.publishing.meta import FacebookPublisher, InstagramPublisher
from wavestack.services.publishing.publishers import Publisher, PublishFailed
from wavestack.services.publishing.settings import PublishingSettings
from wavestack.services.publishing.tiktok import TikTokPublisher
from wavestack.services.publishing.x import XPublisher
from wavestack.services.publishing.youtube import YouTubePublisher

if TYPE_CHECKING:
    from wavestack.bootstrap import Container

BUSY_RETRY = timedelta(seconds=5)
MEDIA_LINK_SECONDS = 3600  # Meta fetches the media while processing: well within an hour


def publishers_of(container: Container) -> dict[str, Publisher]:
    """Every platform publishing can reach, by name."""
    settings = container.settings
    local = LocalPublisher(
        settings.data_dir / "published",
        container.storage,
        public_url=settings.resolved_public_url,
        feed_items=PublishingSettings().feed_items,
    )
    youtube, x, tiktok = YouTubeSettings(), XSettings(), TikTokSettings()
    linkedin, meta = LinkedInSettings(), MetaSettings()

    def x_account(org_id: str) -> tuple[XClient, str]:
        token, account = connected_account(container, org_id, "x", x.oauth())
        return XClient(token, api_url=x.api_url), account.account_name

    def tiktok_account(org_id: str) -> tuple[TikTokClient, str]:
        token, account = connected_account(container, org_id, "tiktok", tiktok.oauth())
        return TikTokClient(token, api_url=tiktok.api_url), account.account_name

    def linkedin_account(org_id: str) -> tuple[LinkedInClient, str]:
        token, account = connected_account(container, org_id, "linkedin", linkedin.oauth())
        client = LinkedInClient(token, api_url=linkedin.api_url, version=linkedin.version)
        return client, account.account_id

    def meta_account(platform: str) -> Callable[[str], tuple[GraphClient, str]]:
        def account(org_id: str) -> tuple[GraphClient, str]:
            token, found = connected_account(container, org_id, platform, meta.oauth())
            client = GraphClient(
                token,
                api_url=meta.api_url,
                poll_seconds=meta.poll_seconds,
                poll_timeout=meta.poll_timeout_seconds,
            )
            return client, found.account_id

        return account

    def media_link(asset: AssetRead) -> str:
        return cms.share_link(
            container.secrets,
            base_url=settings.resolved_public_url,
            org_id=asset.org_id,
            asset_id=asset.id,
            seconds=MEDIA_LINK_SECONDS,
        )

    return {
        local.platform: local,
        "instagram": InstagramPublisher(meta_account("instagram"), container.storage, media_link),
        "facebook": FacebookPublisher(meta_account("facebook"), container.storage),
        "youtube": YouTubePublisher(
            lambda org_id: YouTubeUploader(
                connected_account(container, org_id, "youtube", youtube.oauth())[0],
                api_url=youtube.api_url,
            ),
            container.storage,
            youtube,
            lambda org_id, asset_id: cms.get_asset(
                container.uow(write=False), org_id=org_id, asset_id=asset_id
            ),
        ),
        "x": XPublisher(x_account, container.storage),
        "tiktok": TikTokPublisher(tiktok_account, container.storage, tiktok),
        "linkedin": LinkedInPublisher(linkedin_account, container.storage),
    }


def connected_account(
    container: Container, org_id: str, platform: str, endpoints: OAuthEndpoints
) -> tuple[Callable[[bool], str], connections.Credentials]:
    """The organization's access token on a platform (renewed through its OAuth client) and
    the account; a platform not connected (or no longer) fails the post, saying so."""
    if not endpoints.client_id:
        raise PublishFailed(f"{platform} is not set up on this install (see README)")

    def read(force: bool) -> connections.Credentials:
        with httpx.Client(timeout=15.0) as http:
            try:
                return connections.credentials(
                    container.uow(),
                    container.secrets,
                    org_id=org_id,
                    platform=platform,
                    refresh=OAuthClient(endpoints, http).refresh,
                    force_refresh=force,
                )
            except connections.ConnectionUnusable as exc:
                raise PublishFailed(str(exc)) from exc

    account = read(False)  # fails now when the platform is not connected
    return lambda force: read(force).access_token, account


def install(container: Container) -> None:
    """Register the publish job."""
    publishers = publishers_of(container)
    settings = PublishingSettings()
    table = limits(settings.limits)
    gates = Gates(concurrency(settings.concurrency), container.semaphores)

    def publish(job: PublishToPlatform) -> None:
        ticket = gates.enter(job.platform)
        if ticket is None:
            # The platform has its share of uploads running here: try again shortly,
            # leaving this worker to other platforms' posts.
            later = container.uow()
            with later:
                later.enqueue(job, eta=utcnow() + BUSY_RETRY)
                later.commit()
            return
        try:
            service.publish(container.uow, publishers, job, table.get(job.platform))
        finally:
            gates.leave(job.platform, ticket)

    def give_up(job: PublishToPlatform, exc: Exception) -> None:
        service.fail(container.uow, job, f"gave up after retries: {exc}")

    def confirm() -> None:
        now = utcnow()
        stalled = timedelta(minutes=settings.stalled_minutes)
        service.recover_stalled(container.uow, publishers, now=now, older_than=stalled)
        service.confirm_unconfirmed(container.uow, publishers, now=now)

    # Posts that got no answer, or whose worker stopped, are looked at every minute (by the
    # scheduler role).
    container.jobs.register_periodic("publishing.confirm", crontab(minute="*"), confirm)
    container.jobs.register_job(
        PublishToPlatform,
        publish,
        # A refusal ends the delivery inside `publish`; what raises is transient.
        RetryPolicy(retries=3, delay_seconds=5, backoff=2.0),
        on_give_up=give_up,
    )
