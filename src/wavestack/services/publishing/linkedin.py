"""Publishing on LinkedIn: the caption and hashtags as a member's post, with the asset as its
image or video."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import NoReturn

from wavestack.kernel.storage import FileStorage
from wavestack.providers.linkedin import LinkedInClient, LinkedInError, LinkedInUnconfirmed
from wavestack.services.cms import AssetRead
from wavestack.services.content_queue import QueueItemRead
from wavestack.services.publishing.publishers import (
    NotPosted,
    Published,
    PublishFailed,
    PublishUnconfirmed,
    RateLimited,
    check_fits,
    local_media,
)

# LinkedIn's "little text" gives these characters a meaning: written as text, they are escaped.
_RESERVED = re.compile(r"([\\|{}@\[\]()<>#*_~])")


def little_text(caption: str, hashtags: list[str]) -> str:
    """The post's commentary: the caption escaped, the hashtags as hashtag templates."""
    tags = " ".join(f"{{hashtag|\\#|{tag}}}" for tag in hashtags)
    return "\n\n".join(part for part in (_RESERVED.sub(r"\\\1", caption), tags) if part)


class LinkedInPublisher:
    """Posts as the member each organization connected (`wavestack connect linkedin`)."""

    platform = "linkedin"

    def __init__(
        self, client_for: Callable[[str], tuple[LinkedInClient, str]], storage: FileStorage
    ) -> None:
        self.client_for = client_for  # org id -> (client, the member's id)
        self.storage = storage

    def publish(self, item: QueueItemRead, assets: Sequence[AssetRead]) -> Published:
        """Upload the media, then post; a refusal is final, LinkedIn's own trouble retried."""
        check_fits("linkedin", item, assets)
        client, member = self.client_for(item.org_id)
        author = f"urn:li:person:{member}"
        try:
            media = None
            asset = assets[0] if assets else None
            if asset is not None and asset.mime_type.startswith(("video/", "image/")):
                with local_media(self.storage, asset) as path:
                    if asset.mime_type.startswith("video/"):
                        media = client.upload_video(author, path)
                    else:
                        media = client.upload_image(author, path)
            urn = client.post(author, _commentary(item), media=media, title=item.title)
        except LinkedInUnconfirmed as exc:
            raise PublishUnconfirmed(str(exc), ref=author) from exc
        except LinkedInError as exc:
            _refusal_or_retry(exc, self.platform)
        return _published(urn)

    def confirm(self, item: QueueItemRead, ref: str) -> Published | None:
        """Look for the post among the member's newest; not there, it is posted again."""
        client, _ = self.client_for(item.org_id)
        try:
            recent = client.recent_posts(ref)
        except LinkedInError as exc:
            _refusal_or_retry(exc, self.platform)
        wanted = _commentary(item)
        for urn, commentary in recent:
            if commentary == wanted:
                return _published(urn)
        raise NotPosted("LinkedIn shows no such post")


def _commentary(item: QueueItemRead) -> str:
    return little_text(item.caption or item.title, item.hashtags)


def _published(urn: str) -> Published:
    return Published(external_id=urn, url=f"https://www.linkedin.com/feed/update/{urn}/")


def _refusal_or_retry(exc: LinkedInError, platform: str) -> NoReturn:
    """A 429 waits for Retry-After; another 4xx is final; LinkedIn's own trouble is retried."""
    if exc.status == 429:
        raise RateLimited(platform, exc.retry_after) from exc
    if 400 <= exc.status < 500:
        raise PublishFailed(str(exc)) from exc
    raise exc
