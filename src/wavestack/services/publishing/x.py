"""Publishing on X: the caption (or title) and hashtags as a post, a thread when longer than
X allows, with the media (a video, or up to four images) on the first post.

A post that got no answer is left unconfirmed with the thread's parts and the ids already
up; `confirm` then looks for it among the account's newest posts and finishes the thread
from where it stopped, so nothing is posted twice."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence

from wavestack.kernel.storage import FileStorage
from wavestack.providers.x import XClient, XError, XUnconfirmed
from wavestack.services import content_queue
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

_LINK = re.compile(r"https?://\S+")


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
        return self._thread(client, username, parts, [], media_ids)

    def confirm(self, item: QueueItemRead, ref: str) -> Published | None:
        """Look for the part that got no answer among the account's newest posts, then post
        what is still missing of the thread; NotPosted when not even its first part is up."""
        state = json.loads(ref)
        parts, posted = list(state["parts"]), list(state["posted"])
        client, username = self.client_for(item.org_id)
        reply_to = posted[-1] if posted else None
        try:
            account = client.me()[0]
            recent = client.recent(account)
        except XError as exc:
            _refusal_or_retry(exc)
            raise
        missing = _plain(parts[len(posted)])
        up = [
            id_ for id_, text, replied in recent if replied == reply_to and _plain(text) == missing
        ]
        if up:
            posted.append(up[-1])
        elif not posted:
            raise NotPosted("X shows no such post")
        return self._thread(client, username, parts, posted, [])

    def _thread(
        self,
        client: XClient,
        username: str,
        parts: list[str],
        posted: list[str],
        media_ids: list[str],
    ) -> Published:
        """Post the parts not yet up (`posted` are), each a reply to the one before."""
        if len(posted) < len(parts):
            try:
                posted += client.thread(
                    parts[len(posted) :],
                    media_ids=media_ids,
                    reply_to=posted[-1] if posted else None,
                )
            except XUnconfirmed as exc:
                up = posted + exc.posted
                raise PublishUnconfirmed(
                    f"post {len(up) + 1} of {len(parts)} got no answer: {exc}",
                    ref=json.dumps({"parts": parts, "posted": up}),
                ) from exc
            except XError as exc:
                up = posted + exc.posted
                if not up:
                    _refusal_or_retry(exc)
                first = post_url(username, up[0])
                raise PublishFailed(
                    f"the thread stopped after {len(up)} of {len(parts)} posts ({first}): {exc}"
                ) from exc
        return Published(external_id=posted[0], url=post_url(username, posted[0]))

    def _upload(self, client: XClient, asset: AssetRead) -> str:
        with local_media(self.storage, asset) as path:
            return _unless_refused(lambda: client.upload_media(path, asset.mime_type))


def _plain(text: str) -> str:
    """A post's words as X shows them back: links (shortened, or the media's) left out."""
    return " ".join(_LINK.sub(" ", text).split())


def _postable(asset: AssetRead) -> bool:
    return asset.mime_type.startswith(("video/", "image/"))


def _unless_refused(call: Callable[[], str]) -> str:
    try:
        return call()
    except XError as exc:
        _refusal_or_retry(exc)
        raise


def _refusal_or_retry(exc: XError) -> None:
    """A 4xx (but a rate limit) is final; a rate limit waits until X's window resets; X's
    own trouble is retried."""
    if exc.status == 429:
        wait = exc.retry_at - time.time() if exc.retry_at is not None else None
        raise RateLimited("x", max(wait, 0.0) if wait is not None else None) from exc
    if 400 <= exc.status < 500:
        raise PublishFailed(str(exc)) from exc
    raise exc
