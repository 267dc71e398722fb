"""Publishing on X: the caption (or title) and hashtags as a post, a thread when longer than
X allows, with the media (a video, or up to four images) on the first post."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from wavestack.kernel.storage import FileStorage
from wavestack.providers.x import XClient, XError, XUnconfirmed
from wavestack.services import content_queue
from wavestack.services.cms import AssetRead
from wavestack.services.content_queue import QueueItemRead
from wavestack.services.publishing.publishers import (
    Published,
    PublishFailed,
    PublishUnconfirmed,
    check_fits,
    local_media,
)


def post_url(username: str, post_id: str) -> str:
    """Where a post is seen."""
    return f"https://x.com/{username}/status/{post_id}"


class XPublisher:
    """Posts as the account each organization connected (`wavestack connect x`)."""

    platform = "x"

    def __init__(
        self, client_for: Callable[[str], tuple[XClient, str]], storage: FileStorage
    ) -> None:
        self.client_for = client_for  # org id -> (client, the account's username)
        self.storage = storage

    def publish(self, item: QueueItemRead, assets: Sequence[AssetRead]) -> Published:
        """Upload the media, then post the thread. Once a part is up nothing is retried:
        trying again would post the first parts twice."""
        check_fits("x", item, assets)
        parts = content_queue.x_thread(
            content_queue.post_text(item.caption or item.title, item.hashtags)
        )
        client, username = self.client_for(item.org_id)
        media_ids = [self._upload(client, media) for media in assets if _postable(media)]
        try:
            posted = client.thread(parts, media_ids=media_ids)
        except XUnconfirmed as exc:
            raise PublishUnconfirmed(
                f"post {len(exc.posted) + 1} of {len(parts)} got no answer: {exc}"
            ) from exc
        except XError as exc:
            if not exc.posted:
                _refusal_or_retry(exc)
            first = post_url(username, exc.posted[0])
            raise PublishFailed(
                f"the thread stopped after {len(exc.posted)} of {len(parts)} posts ({first}): {exc}"
            ) from exc
        return Published(external_id=posted[0], url=post_url(username, posted[0]))

    def _upload(self, client: XClient, asset: AssetRead) -> str:
        with local_media(self.storage, asset) as path:
            return _unless_refused(lambda: client.upload_media(path, asset.mime_type))


def _postable(asset: AssetRead) -> bool:
    return asset.mime_type.startswith(("video/", "image/"))


def _unless_refused(call: Callable[[], str]) -> str:
    try:
        return call()
    except XError as exc:
        _refusal_or_retry(exc)
        raise


def _refusal_or_retry(exc: XError) -> None:
    """A 4xx (but a rate limit) is final; a rate limit or X's own trouble is retried."""
    if 400 <= exc.status < 500 and exc.status != 429:
        raise PublishFailed(str(exc)) from exc
    raise exc
