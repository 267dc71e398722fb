"""A protocol-level fake of X's API v2 for posting: `POST /2/tweets` (replies for threads,
media ids), `GET /2/users/me`, the account's timeline (`GET /2/users/:id/tweets`), the v2
chunked media upload (initialize, append segments as multipart, finalize, `STATUS` while a
video is processed), bearer tokens checked (401), 429 with `x-rate-limit-reset` on demand,
posts whose answer is lost (taken or not), and the OAuth 2.0 token endpoint under
/2/oauth2/."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs

import httpx

from fakes.oauth import FakeTokenEndpoint

ACCOUNT = {"id": "4242", "username": "wavecreator", "name": "Wave Creator"}


@dataclass
class Media:
    mime: str
    size: int
    category: str
    segments: dict[int, bytes] = field(default_factory=dict)
    status_checks: int = 0
    finalized: bool = False


@dataclass
class FakeX:
    oauth: FakeTokenEndpoint = field(default_factory=lambda: FakeTokenEndpoint(client_id="x-app"))
    posts: list[dict[str, Any]] = field(default_factory=list)
    media: dict[str, Media] = field(default_factory=dict)
    throttle: int = 0  # answer this many next posts with 429
    reset_in: float = 1.0
    processing_checks: int = 2  # STATUS answers "in_progress" this many times
    fail_processing: bool = False
    refuse_from: int | None = None  # posts from this many on are refused (403)
    drop_next_post: bool = False  # take the next post, then hang up without answering
    drop_at: int | None = None  # take the post with this number (from 0), then hang up
    lose_next_post: bool = False  # hang up on the next post without taking it

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.startswith("/2/oauth2/"):
            return self.oauth.handle(request)
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in (
            self.oauth.access_tokens
        ):
            return _json(401, {"title": "Unauthorized", "status": 401, "detail": "Unauthorized"})
        if path.startswith("/2/media/upload"):
            return self._upload(request, path.removeprefix("/2/media/upload"))
        if (request.method, path) == ("GET", "/2/users/me"):
            return _json(200, {"data": ACCOUNT})
        if (request.method, path) == ("POST", "/2/tweets"):
            return self._post(json.loads(request.content))
        if (request.method, path) == ("GET", f"/2/users/{ACCOUNT['id']}/tweets"):
            return self._timeline(int(request.url.params.get("max_results", "10")))
        return _json(404, {"title": "Not Found", "status": 404, "detail": path})

    def _post(self, body: dict[str, Any]) -> httpx.Response:
        if self.throttle > 0:
            self.throttle -= 1
            reset = str(int(time.time() + self.reset_in))
            return _json(
                429,
                {"title": "Too Many Requests", "status": 429},
                headers={"x-rate-limit-reset": reset},
            )
        if self.refuse_from is not None and len(self.posts) >= self.refuse_from:
            return _json(
                403,
                {
                    "errors": [
                        {"message": "You are not allowed to create a Tweet with duplicate content."}
                    ],
                    "title": "Forbidden",
                },
            )
        text = str(body.get("text", ""))
        if len(text) > 280:
            return _json(
                400,
                {
                    "errors": [{"message": "Your Tweet text is too long."}],
                    "title": "Invalid Request",
                    "detail": "text too long",
                },
            )
        replied = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        if replied is not None and replied not in {p["id"] for p in self.posts}:
            return _json(400, {"errors": [{"message": "reply to a missing post"}]})
        if "media" in body and not body["media"].get("media_ids"):
            return _json(400, {"errors": [{"message": "media_ids: at least 1 item"}]})
        for media_id in (body.get("media") or {}).get("media_ids") or []:
            if media_id not in self.media or not self.media[media_id].finalized:
                return _json(400, {"errors": [{"message": f"media {media_id} not ready"}]})
        if self.lose_next_post:
            self.lose_next_post = False
            raise ConnectionAbortedError("the fake hangs up and forgets the post")
        post = {"id": str(1_800_000_000_000 + len(self.posts)), "text": text, **body}
        self.posts.append(post)
        if self.drop_next_post or self.drop_at == len(self.posts) - 1:
            self.drop_next_post = False
            raise ConnectionAbortedError("the fake hangs up before answering")
        return _json(201, {"data": {"id": post["id"], "text": text}})

    def _timeline(self, count: int) -> httpx.Response:
        """The newest posts as X shows them: media as a t.co link at the end of the text."""
        shown = []
        for post in reversed(self.posts[-count:]):
            text = post["text"]
            if (post.get("media") or {}).get("media_ids"):
                text += f" https://t.co/m{post['id'][-4:]}"
            entry: dict[str, Any] = {
                "id": post["id"],
                "text": text,
                "edit_history_tweet_ids": [post["id"]],
            }
            replied = (post.get("reply") or {}).get("in_reply_to_tweet_id")
            if replied is not None:
                entry["referenced_tweets"] = [{"type": "replied_to", "id": replied}]
            shown.append(entry)
        return _json(200, {"data": shown, "meta": {"result_count": len(shown)}})

    def _upload(self, request: httpx.Request, rest: str) -> httpx.Response:
        if (request.method, rest) == ("POST", "/initialize"):
            body = json.loads(request.content)
            media_id = str(7_000_000 + len(self.media))
            self.media[media_id] = Media(
                body["media_type"], int(body["total_bytes"]), body["media_category"]
            )
            return _json(200, {"data": {"id": media_id, "media_key": f"7_{media_id}"}})
        if request.method == "GET" and rest == "":
            query = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
            media = self.media[query["media_id"]]
            media.status_checks += 1
            if media.status_checks <= self.processing_checks:
                state = {"state": "in_progress", "check_after_secs": 0, "progress_percent": 50}
            elif self.fail_processing:
                state = {"state": "failed", "error": {"message": "Unsupported video codec"}}
            else:
                state = {"state": "succeeded", "progress_percent": 100}
            return _json(200, {"data": {"id": query["media_id"], "processing_info": state}})
        media_id, _, command = rest.strip("/").partition("/")
        media = self.media.get(media_id)
        if media is None:
            return _json(404, {"title": "Not Found", "detail": "no such media"})
        if command == "append":
            parts = _multipart(request)
            media.segments[int(parts["segment_index"])] = parts["media"]
            return httpx.Response(200)
        if command == "finalize":
            received = b"".join(media.segments[i] for i in sorted(media.segments))
            if len(received) != media.size:
                return _json(400, {"errors": [{"message": "size mismatch"}]})
            media.finalized = True
            info = {"state": "pending", "check_after_secs": 0}
            data = {"id": media_id, "size": media.size}
            if media.category == "tweet_video":
                data["processing_info"] = info
            return _json(200, {"data": data})
        return _json(404, {"title": "Not Found", "detail": rest})

    def received(self, media_id: str) -> bytes:
        media = self.media[media_id]
        return b"".join(media.segments[i] for i in sorted(media.segments))


def _multipart(request: httpx.Request) -> dict[str, bytes | str]:
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + request.content)
    parts: dict[str, bytes | str] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        parts[str(name)] = payload if part.get_filename() else payload.decode()
    return parts


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)
