"""Publishing on TikTok: the video uploaded in TikTok's chunks, sent to the creator's inbox
as a draft (the default: no audit needed) or posted at once, then followed until done."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from wavestack.kernel.storage import FileStorage
from wavestack.providers.tiktok import FINISHED, TikTokClient, TikTokError, TikTokSettings
from wavestack.services import content_queue
from wavestack.services.cms import AssetRead
from wavestack.services.content_queue import QueueItemRead
from wavestack.services.publishing.publishers import (
    Published,
    PublishFailed,
    PublishUnconfirmed,
    RateLimited,
    check_fits,
    local_media,
)

MB = 1024 * 1024
EXPLAINED = {
    "spam_risk_too_many_posts": "the account reached TikTok's daily post limit",
    "unaudited_client_can_only_post_to_private_accounts": (
        "an unaudited TikTok app may post only privately (WAVESTACK_TIKTOK_PRIVACY=SELF_ONLY, "
        "or WAVESTACK_TIKTOK_MODE=draft)"
    ),
    "reached_active_user_cap": "the TikTok app reached its limit of users for today",
    "spam_risk_user_banned_from_posting": "TikTok does not let this account post now",
}


class TikTokPublisher:
    """Uploads as the account each organization connected (`wavestack connect tiktok`)."""

    platform = "tiktok"

    def __init__(
        self,
        client_for: Callable[[str], tuple[TikTokClient, str]],
        storage: FileStorage,
        settings: TikTokSettings,
    ) -> None:
        self.client_for = client_for  # org id -> (client, the account's name)
        self.storage = storage
        self.settings = settings

    def publish(self, item: QueueItemRead, assets: Sequence[AssetRead]) -> Published:
        """Upload, then wait for TikTok; a refusal is final, TikTok's own trouble retried."""
        check_fits("tiktok", item, assets)  # a video among them
        asset = assets[0]
        client, username = self.client_for(item.org_id)
        text = content_queue.post_text(item.caption or item.title, item.hashtags)
        with local_media(self.storage, asset) as path:
            try:
                publish_id = client.upload(
                    path,
                    title=text,
                    draft=self.settings.mode == "draft",
                    privacy=self.settings.privacy,
                    chunk_bytes=self.settings.chunk_mb * MB,
                )
            except TikTokError as exc:
                if exc.status == 429:
                    raise RateLimited(self.platform, exc.retry_after) from exc
                if 400 <= exc.status < 500:
                    raise PublishFailed(EXPLAINED.get(exc.code, str(exc))) from exc
                raise
        try:
            status = client.wait(publish_id)
        except TikTokError as exc:
            if exc.code:  # TikTok said it failed, and why
                raise PublishFailed(str(exc)) from exc
            raise PublishUnconfirmed(f"{exc} (publish id {publish_id})", ref=publish_id) from exc
        return _published(status, publish_id, username)

    def confirm(self, item: QueueItemRead, ref: str) -> Published | None:
        """Ask TikTok once more how the publish went."""
        client, username = self.client_for(item.org_id)
        try:
            status = client.status(ref)
        except TikTokError as exc:
            if exc.code:
                raise PublishFailed(str(exc)) from exc
            raise
        return _published(status, ref, username) if status.get("status") in FINISHED else None


def _published(status: dict[str, Any], publish_id: str, username: str) -> Published:
    public = status.get("publicaly_available_post_id") or []
    if public:
        return Published(
            external_id=str(public[0]),
            url=f"https://www.tiktok.com/@{username}/video/{public[0]}",
        )
    return Published(external_id=publish_id, url=None)  # a draft, or a private post
