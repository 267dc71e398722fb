"""Publishing on YouTube: the queue item's asset uploaded as the organization's connected
channel (resumable, in chunks), with its title, description and tags, then added to the
configured playlist."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wavestack.kernel.logging import get_logger
from wavestack.kernel.storage import FileStorage
from wavestack.providers.youtube import YouTubeError, YouTubeSettings, YouTubeUploader
from wavestack.services import content_queue
from wavestack.services.cms import AssetRead
from wavestack.services.content_queue import QueueItemRead
from wavestack.services.publishing.publishers import (
    Published,
    PublishFailed,
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
    """The video's snippet and status."""
    return {
        "snippet": {
            "title": item.title,
            "description": content_queue.post_text(item.caption, item.hashtags),
            "tags": list(item.hashtags),
            "categoryId": settings.category_id,
        },
        "status": {
            "privacyStatus": settings.privacy,
            "selfDeclaredMadeForKids": False,
        },
    }


class YouTubePublisher:
    """Uploads to the channel each organization connected (`wavestack connect youtube`)."""

    platform = "youtube"

    def __init__(
        self,
        uploader_for: Callable[[str], YouTubeUploader],
        storage: FileStorage,
        settings: YouTubeSettings,
    ) -> None:
        self.uploader_for = uploader_for
        self.storage = storage
        self.settings = settings

    def publish(self, item: QueueItemRead, asset: AssetRead) -> Published:
        """Upload; a refusal (quota, limits, rights) is final, a server error is retried."""
        check_fits("youtube", item, asset)
        body = video_body(item, self.settings)
        uploader = self.uploader_for(item.org_id)
        with local_media(self.storage, asset) as path:
            try:
                video = uploader.upload(path, asset.mime_type, body)
            except YouTubeError as exc:
                if exc.status >= 500 or exc.status == 0:
                    raise  # YouTube's side had trouble: the job tries again later
                raise PublishFailed(EXPLAINED.get(exc.reason, str(exc))) from exc
        video_id = str(video["id"])
        if self.settings.playlist_id:
            try:
                uploader.add_to_playlist(video_id, self.settings.playlist_id)
            except YouTubeError as exc:
                # The video is up: a playlist that refused it does not undo the post.
                log.warning("playlist insert failed", video_id=video_id, error=str(exc))
        return Published(external_id=video_id, url=f"https://www.youtube.com/watch?v={video_id}")
