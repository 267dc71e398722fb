"""A protocol-level fake of TikTok's Content Posting API: creator info, direct-post and
inbox (draft) initialization with TikTok's chunk rules checked, the upload URL taking
`Content-Range` chunks in order (206, then 201), status polling, the errors of unaudited
apps and post limits, and the OAuth token endpoint (which names the client `client_key`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from fakes.oauth import FakeTokenEndpoint

MB = 1024 * 1024
CREATOR = {"creator_username": "wavecreator", "creator_nickname": "Wave Creator"}


@dataclass
class Publish:
    kind: str  # "direct" or "inbox"
    size: int
    chunk_size: int
    chunks: int
    post_info: dict[str, Any]
    received: bytearray = field(default_factory=bytearray)
    ranges: list[tuple[int, int]] = field(default_factory=list)
    polls: int = 0


@dataclass
class FakeTikTok:
    oauth: FakeTokenEndpoint = field(default_factory=lambda: FakeTokenEndpoint(client_id="tt-key"))
    publishes: dict[str, Publish] = field(default_factory=dict)
    audited: bool = False
    posts_left: int = 5
    processing_polls: int = 1

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/v2/oauth/token/":
            return self._token(request)
        if path.startswith("/upload/"):
            return self._chunk(request, path.removeprefix("/upload/"))
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in (
            self.oauth.access_tokens
        ):
            return _error(401, "access_token_invalid", "The access token is invalid.")
        body = json.loads(request.content or b"{}")
        if path == "/v2/user/info/":
            return _ok({"user": {"open_id": "tt-open-1", "display_name": "wavecreator"}})
        if path == "/v2/post/publish/creator_info/query/":
            return _ok(
                {
                    **CREATOR,
                    "privacy_level_options": ["SELF_ONLY"],
                    "max_video_post_duration_sec": 600,
                }
            )
        if path in ("/v2/post/publish/video/init/", "/v2/post/publish/inbox/video/init/"):
            return self._init(request, body, "inbox" if "/inbox/" in path else "direct")
        if path == "/v2/post/publish/status/fetch/":
            return self._status(body["publish_id"])
        return _error(404, "not_found", path)

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = request.content.replace(b"client_key=", b"client_id=")
        return self.oauth.handle(httpx.Request("POST", request.url, content=form))

    def _init(self, request: httpx.Request, body: dict[str, Any], kind: str) -> httpx.Response:
        source = body.get("source_info") or {}
        size, chunk, count = source["video_size"], source["chunk_size"], source["total_chunk_count"]
        if source.get("source") != "FILE_UPLOAD" or not _chunks_ok(size, chunk, count):
            return _error(400, "invalid_params", f"bad chunks: {size} {chunk} {count}")
        post = body.get("post_info") or {}
        if kind == "direct" and not self.audited and post.get("privacy_level") != "SELF_ONLY":
            return _error(
                403,
                "unaudited_client_can_only_post_to_private_accounts",
                "Unaudited clients can only post to private accounts.",
            )
        if self.posts_left <= 0:
            return _error(403, "spam_risk_too_many_posts", "Too many posts today.")
        self.posts_left -= 1
        publish_id = f"v_pub_file~v2-1.{len(self.publishes) + 1}"
        self.publishes[publish_id] = Publish(kind, size, chunk, count, post)
        upload = f"{request.url.scheme}://{request.url.netloc.decode()}/upload/{publish_id}"
        return _ok({"publish_id": publish_id, "upload_url": upload})

    def _chunk(self, request: httpx.Request, publish_id: str) -> httpx.Response:
        publish = self.publishes[publish_id]
        ranged = request.headers["content-range"].removeprefix("bytes ")
        span, _, total = ranged.partition("/")
        first, last = (int(n) for n in span.split("-"))
        if first != len(publish.received) or int(total) != publish.size:
            return httpx.Response(416)
        publish.received += request.content
        publish.ranges.append((first, last))
        return httpx.Response(201 if len(publish.received) == publish.size else 206)

    def _status(self, publish_id: str) -> httpx.Response:
        publish = self.publishes[publish_id]
        publish.polls += 1
        if len(publish.received) < publish.size or publish.polls <= self.processing_polls:
            return _ok({"status": "PROCESSING_UPLOAD", "uploaded_bytes": len(publish.received)})
        if publish.kind == "inbox":
            return _ok({"status": "SEND_TO_USER_INBOX"})
        public = publish.post_info.get("privacy_level") == "PUBLIC_TO_EVERYONE"
        return _ok(
            {
                "status": "PUBLISH_COMPLETE",
                "publicaly_available_post_id": [7_300_000 + len(self.publishes)] if public else [],
            }
        )


def _chunks_ok(size: int, chunk: int, count: int) -> bool:
    if size < 5 * MB:
        return chunk == size and count == 1
    last = size - (count - 1) * chunk
    return 5 * MB <= chunk <= 64 * MB and count == size // chunk and last <= 128 * MB


def _ok(data: dict[str, Any]) -> httpx.Response:
    return httpx.Response(
        200, json={"data": data, "error": {"code": "ok", "message": "", "log_id": "l1"}}
    )


def _error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(
        status, json={"data": {}, "error": {"code": code, "message": message, "log_id": "l2"}}
    )
