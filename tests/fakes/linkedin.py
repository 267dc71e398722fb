"""A protocol-level fake of LinkedIn's versioned REST API for posting: `/v2/userinfo`,
image and video uploads (initialize, PUT parts answered with ETags, finalize with them),
`/rest/posts` (201 with `x-restli-id`; 429 with `Retry-After`, or an answer lost, on
demand; the author's posts by `q=author`), the
`LinkedIn-Version` header required, bearer tokens checked (401), and the OAuth token
endpoint."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from fakes.oauth import FakeTokenEndpoint

MEMBER = {"sub": "m-782", "name": "Wave Creator"}
PART = 4 * 1024 * 1024


@dataclass
class FakeLinkedIn:
    oauth: FakeTokenEndpoint = field(default_factory=lambda: FakeTokenEndpoint(client_id="li-app"))
    posts: list[dict[str, Any]] = field(default_factory=list)
    uploads: dict[str, bytearray] = field(default_factory=dict)  # urn -> bytes received
    finalized: set[str] = field(default_factory=set)
    etags: dict[str, list[str]] = field(default_factory=dict)
    throttle: int = 0  # this many posts answer 429 with Retry-After
    drop_next_post: bool = False  # take the next post, then hang up without answering

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/oauth/v2/accessToken":
            return self.oauth.handle(request)
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in (
            self.oauth.access_tokens
        ):
            return httpx.Response(401, json={"status": 401, "message": "Invalid access token"})
        if path.startswith("/upload/"):
            return self._part(request, path.removeprefix("/upload/"))
        if path == "/v2/userinfo":
            return httpx.Response(200, json=MEMBER)
        if not request.headers.get("linkedin-version"):
            return httpx.Response(426, json={"status": 426, "message": "A version is required"})
        body = json.loads(request.content or b"{}")
        action = request.url.params.get("action")
        base = f"{request.url.scheme}://{request.url.netloc.decode()}"
        if (path, action) == ("/rest/images", "initializeUpload"):
            urn = f"urn:li:image:{len(self.uploads) + 1}"
            self.uploads[urn] = bytearray()
            return httpx.Response(
                200, json={"value": {"uploadUrl": f"{base}/upload/{urn}", "image": urn}}
            )
        if (path, action) == ("/rest/videos", "initializeUpload"):
            size = int(body["initializeUploadRequest"]["fileSizeBytes"])
            urn = f"urn:li:video:{len(self.uploads) + 1}"
            self.uploads[urn] = bytearray()
            parts = [
                {
                    "uploadUrl": f"{base}/upload/{urn}?part={n}",
                    "firstByte": first,
                    "lastByte": min(first + PART, size) - 1,
                }
                for n, first in enumerate(range(0, size, PART))
            ]
            return httpx.Response(
                200,
                json={
                    "value": {"video": urn, "uploadToken": "up-token", "uploadInstructions": parts}
                },
            )
        if (path, action) == ("/rest/videos", "finalizeUpload"):
            done = body["finalizeUploadRequest"]
            if done["uploadedPartIds"] != self.etags.get(done["video"]):
                return httpx.Response(400, json={"status": 400, "message": "parts do not match"})
            self.finalized.add(done["video"])
            return httpx.Response(200)
        if path == "/rest/posts" and request.method == "POST" and self.throttle > 0:
            self.throttle -= 1
            return httpx.Response(
                429,
                headers={"Retry-After": "90"},
                json={"status": 429, "message": "Resource level throttle limit reached"},
            )
        if path == "/rest/posts" and request.method == "POST":
            media = ((body.get("content") or {}).get("media") or {}).get("id")
            if (
                media is not None
                and media.startswith("urn:li:video")
                and media not in self.finalized
            ):
                return httpx.Response(400, json={"status": 400, "message": "video not ready"})
            urn = f"urn:li:share:{7000 + len(self.posts)}"
            self.posts.append({**body, "id": urn})
            if self.drop_next_post:
                self.drop_next_post = False
                raise ConnectionAbortedError("the fake hangs up before answering")
            return httpx.Response(201, headers={"x-restli-id": urn})
        if path == "/rest/posts" and request.url.params.get("q") == "author":
            author = request.url.params.get("author")
            mine = [p for p in reversed(self.posts) if p["author"] == author]
            count = int(request.url.params.get("count", "10"))
            return httpx.Response(200, json={"elements": mine[:count], "paging": {}})
        return httpx.Response(404, json={"status": 404, "message": path})

    def _part(self, request: httpx.Request, urn: str) -> httpx.Response:
        self.uploads[urn] += request.content
        etag = f"etag-{len(self.etags.get(urn, []))}"
        self.etags.setdefault(urn, []).append(etag)
        return httpx.Response(200, headers={"ETag": etag})
