"""Publishing on YouTube: the queue item's asset uploaded as the organization's connected
channel (resumable, in chunks), with its title, description, tags, privacy and perhaps a
scheduled `publishAt`, then its thumbnail set and the video added to a playlist."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from wavestack.kernel.errors import NotFound
from wavestack.kernel.logging import get_logger
from wavestack.kernel.storage import FileStorage
from wavestack.providers.youtube import YouTubeError, YouTubeSettings, YouTubeUploader
from wavestack.services import content_queue
from wavestack.services.cms import AssetRead
from wavestack.services.content_queue import QueueItemRead, YouTubeOptions
from wavestack.services.publishing.publishers import (
    Published,
    PublishFailed,
    RateLimited,
    check_fits,
    local_media,
)

log = get_logger(__name__)
EXPLAINED = {
    "quotaExceeded": "YouTube's daily API quota is used up (it resets at midnight Pacific time)",
    "uploadLimitExceeded": "the channel reached YouTube's upload limit for now",
    "forbidden": "the connected account may not upload to this channel",
}


def video_body(item: QueueItemRead, settings: YouTubeSettings) -> dict[str, Any]:
    """The video's snippet and status: the item's YouTube options over the settings."""
    options = item.options.youtube or YouTubeOptions()
    status: dict[str, Any] = {"selfDeclaredMadeForKids": False}
    if options.publish_at is not None:
        # YouTube keeps the video private and makes it public at that time.
        status |= {"privacyStatus": "private", "publishAt": _rfc3339(options.publish_at)}
    else:
        status["privacyStatus"] = options.privacy or settings.privacy
    return {
        "snippet": {
            "title": item.title,
            "description": content_queue.post_text(item.caption, item.hashtags),
            "tags": list(item.hashtags),
            "categoryId": settings.category_id,
        },
        "status": status,
    }


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class YouTubePublisher:
    """Uploads to the channel each organization connected (`wavestack connect youtube`)."""

    platform = "youtube"

    def __init__(
        self,
        uploader_for: Callable[[str], YouTubeUploader],
        storage: FileStorage,
        settings: YouTubeSettings,
        asset_of: Callable[[str, str], AssetRead],
    ) -> None:
        self.uploader_for = uploader_for
        self.storage = storage
        self.settings = settings
        self.asset_of = asset_of  # (org id, asset id) -> the asset: the thumbnail's

    def publish(self, item: QueueItemRead, assets: Sequence[AssetRead]) -> Published:
        """Upload; a refusal (quota, limits, rights) is final, a server error is retried.
        The thumbnail and playlist come after: the video is up whatever they answer, so
        their refusals are noted on the delivery, not made failures."""
        check_fits("youtube", item, assets)  # a video among them
        asset = assets[0]
        body = video_body(item, self.settings)
        uploader = self.uploader_for(item.org_id)
        with local_media(self.storage, asset) as path:
            try:
                video = uploader.upload(path, asset.mime_type, body)
            except YouTubeError as exc:
                if exc.status >= 500 or exc.status == 0:
                    raise  # YouTube's side had trouble: the job tries again later
                if exc.status == 429:
                    raise RateLimited(self.platform, exc.retry_after) from exc
                raise PublishFailed(EXPLAINED.get(exc.reason, str(exc))) from exc
        video_id = str(video["id"])
        notes = [
            note
            for note in (
                self._thumbnail(item, uploader, video_id),
                self._playlist(item, uploader, video_id),
            )
            if note
        ]
        return Published(
            external_id=video_id,
            url=f"https://www.youtube.com/watch?v={video_id}",
            note="; ".join(notes) or None,
        )

    def _thumbnail(self, item: QueueItemRead, uploader: YouTubeUploader, video_id: str) -> str:
        options = item.options.youtube
        if options is None or options.thumbnail_asset_id is None:
            return ""
        try:
            image = self.asset_of(item.org_id, options.thumbnail_asset_id)
            with local_media(self.storage, image) as path:
                uploader.set_thumbnail(video_id, path, image.mime_type)
        except (YouTubeError, PublishFailed, NotFound) as exc:
            log.warning("thumbnail not set", video_id=video_id, error=str(exc))
            return f"the thumbnail was not set: {exc}"
        return ""

    def _playlist(self, item: QueueItemRead, uploader: YouTubeUploader, video_id: str) -> str:
        options = item.options.youtube
        playlist = (options.playlist_id if options else None) or self.settings.playlist_id
        if not playlist:
            return ""
        try:
            uploader.add_to_playlist(video_id, playlist)
        except YouTubeError as exc:
            log.warning("playlist insert failed", video_id=video_id, error=str(exc))
            return f"the video was not added to playlist {playlist}: {exc}"
        return ""
