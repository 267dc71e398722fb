"""Video uploads through the official client: a resumable `videos.insert` in chunks that
picks up where it stopped after an interruption (the client asks the server how much
arrived, `308` with `Range`, and sends the rest), then its thumbnail set and the video
added to a playlist.

The discovery document's root URL is replaced by the configured one: the client builds
upload URLs from it (its `api_endpoint` option changes only the other calls' base).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

import structlog
from googleapiclient.discovery import build_from_document
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaFileUpload

from wavestack.kernel.http import parse_retry_after
from wavestack.providers.youtube.common import (
    ConnectionCredentials,
    TokenSource,
    YouTubeError,
    reason_of,
)

log = structlog.get_logger(__name__)
CHUNK = 256 * 1024  # the client's chunks must be whole multiples of this
TRANSIENT = frozenset({500, 502, 503, 504})


def _document(api_url: str) -> dict[str, Any]:
    source = files("googleapiclient").joinpath("discovery_cache/documents/youtube.v3.json")
    document: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
    root = api_url if api_url.endswith("/") else api_url + "/"
    document["rootUrl"] = root
    document["baseUrl"] = root + document["servicePath"]
    return document


class YouTubeUploader:
    """Uploads as the connected channel; `attempts` interruptions are survived per upload."""

    def __init__(
        self,
        token: TokenSource,
        *,
        api_url: str = "https://www.googleapis.com/",
        chunk_bytes: int = 32 * CHUNK,
        attempts: int = 5,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._youtube = build_from_document(
            _document(api_url), credentials=ConnectionCredentials(token)
        )
        self._chunk = max(CHUNK, chunk_bytes // CHUNK * CHUNK)
        self._attempts = attempts
        self._backoff = backoff
        self._sleep = sleep
        self._lock = threading.Lock()

    def upload(
        self,
        path: Path,
        mime_type: str,
        body: dict[str, Any],
        *,
        on_progress: Callable[[float], None] | None = None,
    ) -> dict[str, Any]:
        """Upload a video with its snippet and status; returns the video resource."""
        media = MediaFileUpload(
            str(path), mimetype=mime_type, chunksize=self._chunk, resumable=True
        )
        with self._lock:
            request = self._youtube.videos().insert(
                part=",".join(body), body=body, media_body=media, notifySubscribers=True
            )
            failures = 0
            while True:
                try:
                    progress, video = request.next_chunk()
                except HttpError as exc:
                    status = exc.resp.status
                    if status not in TRANSIENT or failures >= self._attempts:
                        raise _refused(exc, "the upload") from exc
                    failures += 1
                    self._wait(failures, f"HTTP {status}")
                    continue
                except (OSError, TimeoutError) as exc:
                    if failures >= self._attempts:
                        raise YouTubeError(f"the upload kept failing: {exc}") from exc
                    failures += 1
                    self._wait(failures, str(exc))
                    continue
                if video is not None:
                    return dict(video)
                if progress is not None and on_progress is not None:
                    on_progress(progress.progress())

    def _wait(self, failures: int, why: str) -> None:
        delay = self._backoff * 2 ** (failures - 1)
        log.info("youtube upload interrupted; resuming", error=why, retry_in=delay)
        self._sleep(delay)

    def add_to_playlist(self, video_id: str, playlist_id: str) -> None:
        """Add an uploaded video to one of the channel's playlists."""
        body = {
            "snippet": {
                "playlistId": playlist_id,
                "resourceId": {"kind": "youtube#video", "videoId": video_id},
            }
        }
        with self._lock:
            try:
                self._youtube.playlistItems().insert(part="snippet", body=body).execute()
            except HttpError as exc:
                raise _refused(exc, "the playlist insert") from exc

    def set_thumbnail(self, video_id: str, path: Path, mime_type: str) -> None:
        """Set a video's custom thumbnail (a JPEG or PNG of at most 2 MiB; the channel must
        be verified to use custom thumbnails)."""
        media = MediaFileUpload(str(path), mimetype=mime_type, resumable=False)
        with self._lock:
            try:
                self._youtube.thumbnails().set(videoId=video_id, media_body=media).execute()
            except HttpError as exc:
                raise _refused(exc, "the thumbnail") from exc


def _refused(exc: HttpError, what: str) -> YouTubeError:
    status, reason = exc.resp.status, reason_of(exc)
    return YouTubeError(
        f"YouTube refused {what}: {reason or status}",
        status=status,
        reason=reason,
        retry_after=parse_retry_after(exc.resp.get("retry-after")),
    )
