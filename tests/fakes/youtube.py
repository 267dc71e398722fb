"""A protocol-level fake of the YouTube Data API v3: live chat (liveBroadcasts, liveChat/messages
with `nextPageToken` and `pollingIntervalMillis`, insert, delete, liveChat/bans), resumable
video uploads (the session URI from the first POST, chunks with `Content-Range` answered
`308` with `Range`, a status query `bytes */size`, a connection cut partway on demand,
`publishAt` only on private videos), thumbnails.set and playlistItems; bearer tokens
checked (401), and Google's error shape with reasons (liveChatEnded, quotaExceeded,
uploadLimitExceeded)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx

from fakes.oauth import FakeTokenEndpoint

CHANNEL = "UCcreator0000000000000000"  # the connected (broadcaster's) channel
CHAT = "Cg0KC2xpdmVjaGF0MTIz"


@dataclass
class FakeYouTube:
    tokens: set[str] = field(default_factory=lambda: {"ya29.good"})
    live: bool = True
    ended: bool = False
    interval_ms: int = 300
    quota_left: int = 10_000
    messages: list[dict[str, Any]] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    bans: list[dict[str, Any]] = field(default_factory=list)
    polls: list[str | None] = field(default_factory=list)  # the pageToken of each poll
    uploads: dict[str, Upload] = field(default_factory=dict)  # by upload id
    videos: dict[str, dict[str, Any]] = field(default_factory=dict)
    playlist_items: list[dict[str, Any]] = field(default_factory=list)
    thumbnails: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # video: (type, data)
    cut_at: float | None = None  # keep only this share of the next upload, then fail (503)
    upload_limit_reached: bool = False
    custom_thumbnails: bool = True  # an unverified channel may not set them

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def chat(
        self,
        text: str,
        *,
        channel: str = "UCviewer1",
        name: str = "Viewer One",
        kind: str = "textMessageEvent",
        **extra: Any,
    ) -> str:
        """A chatter writes (or something else happens in chat); returns the message id."""
        with self._lock:
            message_id = f"LCC.{len(self.messages) + 1}"
            snippet: dict[str, Any] = {
                "type": kind,
                "liveChatId": CHAT,
                "authorChannelId": channel,
                "publishedAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                "hasDisplayContent": True,
                "displayMessage": text,
                **extra,
            }
            if kind == "textMessageEvent":
                snippet["textMessageDetails"] = {"messageText": text}
            self.messages.append(
                {
                    "kind": "youtube#liveChatMessage",
                    "id": message_id,
                    "snippet": snippet,
                    "authorDetails": {
                        "channelId": channel,
                        "displayName": name,
                        "isChatOwner": channel == CHANNEL,
                        "isChatModerator": channel.startswith("UCmod"),
                        "isChatSponsor": channel.startswith("UCmember"),
                        "isVerified": False,
                    },
                }
            )
            return message_id

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in self.tokens:
            return _error(401, "authError", "Invalid Credentials")
        if request.url.path == "/upload/youtube/v3/videos":
            return self._upload(request)
        if request.url.path == "/upload/youtube/v3/thumbnails/set":
            return self._thumbnail(request)
        path = request.url.path.removeprefix("/youtube/v3")
        query = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
        body = json.loads(request.content) if request.content else {}
        if self.quota_left <= 0:
            return _error(
                403,
                "quotaExceeded",
                "The request cannot be completed because you have exceeded your quota.",
            )
        self.quota_left -= 1
        if (request.method, path) == ("GET", "/channels"):
            mine = [{"id": CHANNEL, "snippet": {"title": "The Creator"}}]
            return httpx.Response(200, json={"items": mine})
        if (request.method, path) == ("GET", "/liveBroadcasts"):
            items = []
            if self.live:
                items = [
                    {
                        "id": "bcast1",
                        "snippet": {"title": "Live now!", "liveChatId": CHAT, "channelId": CHANNEL},
                        "status": {"lifeCycleStatus": "live"},
                    }
                ]
            return httpx.Response(
                200, json={"kind": "youtube#liveBroadcastListResponse", "items": items}
            )
        if path == "/liveChat/messages":
            if query.get("liveChatId", body.get("snippet", {}).get("liveChatId")) not in (
                CHAT,
                None,
            ):
                return _error(
                    404,
                    "liveChatNotFound",
                    "The live chat that you are trying to retrieve cannot be found.",
                )
            if request.method == "GET":
                if self.ended:
                    return _error(403, "liveChatEnded", "The live chat is no longer live.")
                token = query.get("pageToken")
                self.polls.append(token)
                with self._lock:
                    start = int(token) if token else 0
                    items = self.messages[start:]
                    next_token = str(len(self.messages))
                return httpx.Response(
                    200,
                    json={
                        "nextPageToken": next_token,
                        "pollingIntervalMillis": self.interval_ms,
                        "items": items,
                    },
                )
            if request.method == "POST":
                text = body["snippet"]["textMessageDetails"]["messageText"]
                if len(text) > 200:
                    return _error(400, "messageTextInvalid", "message too long")
                message_id = self.chat(text, channel=CHANNEL, name="The Creator")
                return httpx.Response(200, json={"id": message_id, "snippet": body["snippet"]})
            if request.method == "DELETE":
                self.deleted.append(query["id"])
                return httpx.Response(204)
        if (request.method, path) == ("POST", "/playlistItems"):
            if body["snippet"]["resourceId"]["videoId"] not in self.videos:
                return _error(404, "videoNotFound", "video not found")
            self.playlist_items.append(body["snippet"])
            return httpx.Response(200, json={"id": f"PLI{len(self.playlist_items)}", **body})
        if (request.method, path) == ("POST", "/liveChat/bans"):
            self.bans.append(body["snippet"])
            return httpx.Response(200, json={"id": "ban1", "snippet": body["snippet"]})
        return _error(404, "notFound", f"{request.method} {path}")

    def _upload(self, request: httpx.Request) -> httpx.Response:
        query = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
        if request.method == "POST":  # start a session: metadata now, bytes later
            if query.get("uploadType") != "resumable":
                return _error(400, "badRequest", "only resumable uploads here")
            if self.upload_limit_reached:
                return _error(400, "uploadLimitExceeded", "The user has exceeded uploads.")
            if self.quota_left < 1600:  # videos.insert costs 1,600 units
                return _error(403, "quotaExceeded", "You have exceeded your quota.")
            metadata = json.loads(request.content)
            status = metadata.get("status", {})
            if status.get("publishAt") and status.get("privacyStatus") != "private":
                return _error(400, "invalidPublishAt", "publishAt needs a private video")
            self.quota_left -= 1600
            upload_id = f"up{len(self.uploads) + 1}"
            self.uploads[upload_id] = Upload(
                metadata=metadata,
                size=int(request.headers["x-upload-content-length"]),
                mime=request.headers["x-upload-content-type"],
            )
            location = (
                f"{request.url.copy_with(query=None)}?uploadType=resumable&upload_id={upload_id}"
            )
            return httpx.Response(200, headers={"Location": location})
        upload = self.uploads.get(query.get("upload_id", ""))
        if upload is None or request.method != "PUT":
            return _error(404, "notFound", "no such upload session")
        ranged = request.headers.get("content-range", "")
        if ranged.startswith("bytes */"):  # where are we?
            return self._upload_state(upload)
        first = int(ranged.removeprefix("bytes ").split("-")[0])
        if first != len(upload.received):
            return _error(400, "badRequest", f"expected byte {len(upload.received)}")
        chunk = request.content
        upload.chunks.append((first, first + len(chunk)))
        if self.cut_at is not None and first + len(chunk) > upload.size * self.cut_at:
            keep = int(upload.size * self.cut_at) - first
            upload.received += chunk[: max(keep, 0)]
            self.cut_at = None
            return _error(503, "backendError", "connection lost mid-chunk")
        upload.received += chunk
        return self._upload_state(upload)

    def _thumbnail(self, request: httpx.Request) -> httpx.Response:
        query = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
        if request.method != "POST" or query.get("uploadType") != "media":
            return _error(400, "badRequest", "thumbnails are sent as a simple media upload")
        video = query.get("videoId", "")
        if not self.custom_thumbnails:
            return _error(
                403,
                "forbidden",
                "The authenticated user doesn't have permissions to upload and set custom "
                "video thumbnails.",
            )
        if video not in self.videos:
            return _error(404, "videoNotFound", "video not found")
        kind = request.headers.get("content-type", "")
        if kind not in ("image/jpeg", "image/png"):
            return _error(400, "invalidImage", f"not an image: {kind}")
        if len(request.content) > 2 * 1024 * 1024:
            return _error(400, "mediaBodyTooLarge", "thumbnails are at most 2 MB")
        self.quota_left -= 50
        self.thumbnails[video] = (kind, request.content)
        return httpx.Response(200, json={"kind": "youtube#thumbnailSetResponse", "items": []})

    def _upload_state(self, upload: Upload) -> httpx.Response:
        if len(upload.received) < upload.size:
            headers = {"Range": f"bytes=0-{len(upload.received) - 1}"} if upload.received else {}
            return httpx.Response(308, headers=headers)
        if upload.video_id is None:
            upload.video_id = f"vid{len(self.videos) + 1}"
            self.videos[upload.video_id] = {
                "kind": "youtube#video",
                "id": upload.video_id,
                "snippet": upload.metadata.get("snippet", {}),
                "status": upload.metadata.get("status", {}),
                "bytes": len(upload.received),
            }
        return httpx.Response(200, json=self.videos[upload.video_id])


@dataclass
class Upload:
    metadata: dict[str, Any]
    size: int
    mime: str
    received: bytes = b""
    chunks: list[tuple[int, int]] = field(default_factory=list)
    video_id: str | None = None


def _error(status: int, reason: str, message: str) -> httpx.Response:
    return httpx.Response(
        status,
        json={
            "error": {
                "code": status,
                "message": message,
                "errors": [{"message": message, "domain": "youtube.liveChat", "reason": reason}],
            }
        },
    )


class FakeGoogle:
    """Google's token endpoint (under /oauth2/) and the YouTube API behind one server; the
    API accepts the access tokens the endpoint issued."""

    def __init__(self) -> None:
        self.oauth = FakeTokenEndpoint(client_id="google-client")
        self.youtube = FakeYouTube(tokens=self.oauth.access_tokens)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/oauth2/"):
            return self.oauth.handle(request)
        return self.youtube.handle(request)
