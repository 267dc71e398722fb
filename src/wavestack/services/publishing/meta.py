"""Publishing on Instagram and Facebook through the Graph API, as the Page (and its linked
Instagram professional account) each organization connected.

Instagram: one video becomes a Reel (its bytes sent to Meta), one image a photo post (Meta
fetches it from a sealed link to this install, so `WAVESTACK_PUBLIC_URL` must be an address
Meta can reach), several files a carousel. Facebook: a video becomes a Reel, an image a
photo post, several images one post with all of them, no media a text post."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from wavestack.kernel.logging import get_logger
from wavestack.kernel.storage import FileStorage
from wavestack.providers.meta import GraphClient, MetaError, MetaUnconfirmed
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

log = get_logger(__name__)
ClientFor = Callable[[str], tuple[GraphClient, str]]  # org id -> (client, account id)
QUOTA_WAIT_SECONDS = 3600  # Meta's limit is over a rolling 24 hours: look again in an hour


def refusal(exc: MetaError, platform: str, ref: str | None = None) -> Exception:
    """What a Graph API error means for the delivery: a dead token or a refusal fails it
    (saying why), Meta's trouble or a throttle is retried, no answer is unconfirmed (`ref`
    is then what to ask Meta about later)."""
    if isinstance(exc, MetaUnconfirmed):
        return PublishUnconfirmed(str(exc), ref=ref)
    if exc.token_invalid:
        return PublishFailed(
            f"Meta no longer accepts the {platform} connection (expired or revoked): connect "
            f"it again (wavestack connect {platform})"
        )
    if exc.retryable:
        return exc
    return PublishFailed(str(exc))


def _caption(item: QueueItemRead) -> str:
    return content_queue.post_text(item.caption or item.title, item.hashtags)


class InstagramPublisher:
    """Posts as the Instagram account each organization connected."""

    platform = "instagram"

    def __init__(
        self, client_for: ClientFor, storage: FileStorage, link_for: Callable[[AssetRead], str]
    ) -> None:
        self.client_for = client_for
        self.storage = storage
        self.link_for = link_for  # a public, expiring URL of an asset's bytes

    def publish(self, item: QueueItemRead, assets: Sequence[AssetRead]) -> Published:
        """Make the container (and a carousel's items), wait until Meta has processed it,
        then publish it once."""
        check_fits("instagram", item, assets)
        client, account = self.client_for(item.org_id)
        self._within_quota(client, account)
        try:
            if len(assets) == 1:
                container = self._container(client, account, assets[0], {"caption": _caption(item)})
            else:
                children = [
                    self._container(client, account, asset, {"is_carousel_item": "true"})
                    for asset in assets
                ]
                for child in children:
                    client.ig_wait(child)
                fields = {
                    "media_type": "CAROUSEL",
                    "children": ",".join(children),
                    "caption": _caption(item),
                }
                container = str(client.ig_container(account, fields)["id"])
            client.ig_wait(container)
        except MetaError as exc:
            raise refusal(exc, self.platform) from exc
        return self._publish(client, account, container)

    def _within_quota(self, client: GraphClient, account: str) -> None:
        """Wait while the account's 24-hour publishing limit is used up (posts made
        elsewhere count too). A dead token or Meta's trouble goes as on any call; a limit
        Meta will not show is not held against the post."""
        try:
            used, total = client.ig_quota(account)
        except MetaError as exc:
            if exc.token_invalid or exc.retryable:
                raise refusal(exc, self.platform) from exc
            log.info("Instagram's publishing limit could not be read", error=str(exc))
            return
        if total and used >= total:
            reason = f"Instagram's publishing limit is used up ({used} of {total} in 24 hours)"
            raise RateLimited(self.platform, QUOTA_WAIT_SECONDS, reason)

    def _publish(self, client: GraphClient, account: str, container: str) -> Published:
        """Publish a finished container (Meta publishes one container once, at most)."""
        try:
            media = client.ig_publish(account, container)
        except MetaError as exc:
            raise refusal(exc, self.platform, ref=container) from exc
        return Published(external_id=media, url=client.permalink(media))

    def confirm(self, item: QueueItemRead, ref: str) -> Published | None:
        """Ask about the container whose publishing got no answer: published, it is found
        among the account's newest posts; still only finished, it is published now (it can
        go up only once); failed or expired, the post is made again."""
        client, account = self.client_for(item.org_id)
        try:
            status = client.ig_status(ref)
            if status == "FINISHED":
                return self._publish(client, account, ref)
            if status in ("ERROR", "EXPIRED"):
                raise NotPosted(f"the Instagram container is {status}")
            if status != "PUBLISHED":
                return None
            caption = _caption(item)
            for media in client.ig_recent(account):
                if media.get("caption") == caption:
                    return Published(str(media["id"]), media.get("permalink"))
        except MetaError as exc:
            raise refusal(exc, self.platform, ref=ref) from exc
        return Published(ref, None, "Instagram published it; its post was not found to link")

    def _container(
        self, client: GraphClient, account: str, asset: AssetRead, fields: dict[str, str]
    ) -> str:
        if asset.mime_type.startswith("video/"):
            carousel = "is_carousel_item" in fields
            kind = {"media_type": "VIDEO"} if carousel else {"media_type": "REELS"}
            with local_media(self.storage, asset) as path:
                return client.ig_video(account, path, {**fields, **kind})
        link = self.link_for(asset)
        if not _reachable(link):
            raise PublishFailed(
                "Instagram fetches images from a public address: set WAVESTACK_PUBLIC_URL to "
                f"one Meta can reach (not {urlsplit(link).hostname})"
            )
        return str(client.ig_container(account, {**fields, "image_url": link})["id"])


class FacebookPublisher:
    """Posts on the Facebook Page each organization connected."""

    platform = "facebook"

    def __init__(self, client_for: ClientFor, storage: FileStorage) -> None:
        self.client_for = client_for
        self.storage = storage

    def publish(self, item: QueueItemRead, assets: Sequence[AssetRead]) -> Published:
        """A Reel, a photo, or one post of several photos."""
        check_fits("facebook", item, assets)
        client, page = self.client_for(item.org_id)
        caption = _caption(item)
        try:
            if not assets:
                post = client.fb_feed(page, caption, [])
                return Published(post, f"https://www.facebook.com/{post}")
            first = assets[0]
            if first.mime_type.startswith("video/"):
                with local_media(self.storage, first) as path:
                    video = client.fb_reel_upload(page, path)
                try:
                    client.fb_reel_finish(page, video, caption)
                except MetaUnconfirmed as exc:
                    raise refusal(exc, self.platform, ref=video) from exc
                if not client.fb_reel_wait(video):
                    return Published(video, _reel_url(video), "Facebook was still processing it")
                return Published(video, _reel_url(video))
            if len(assets) == 1:
                with local_media(self.storage, first) as path:
                    photo = client.fb_photo(page, path, first.mime_type, caption=caption)
                post = str(photo.get("post_id") or photo["id"])
                return Published(post, f"https://www.facebook.com/{post}")
            photos = []
            for asset in assets:
                with local_media(self.storage, asset) as path:
                    unpublished = client.fb_photo(page, path, asset.mime_type, published=False)
                    photos.append(str(unpublished["id"]))
            post = client.fb_feed(page, caption, photos)
        except MetaError as exc:
            raise refusal(exc, self.platform) from exc
        return Published(post, f"https://www.facebook.com/{post}")

    def confirm(self, item: QueueItemRead, ref: str) -> Published | None:
        """Ask whether the Reel whose finish got no answer was published."""
        client, _ = self.client_for(item.org_id)
        try:
            published = client.fb_reel_published(ref)
        except MetaError as exc:
            raise refusal(exc, self.platform, ref=ref) from exc
        return Published(ref, _reel_url(ref)) if published else None


def _reel_url(video: str) -> str:
    return f"https://www.facebook.com/reel/{video}"


def _reachable(link: str) -> bool:
    """Whether a link could be fetched from the internet (not this machine or a LAN)."""
    host = urlsplit(link).hostname or ""
    if host == "localhost" or host.endswith((".local", ".localhost", ".internal")):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True  # a name: public DNS decides
    return address.is_global
