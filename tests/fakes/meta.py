"""A protocol-level fake of Meta's Graph API for publishing: the login's token exchange and
the long-lived token trade, `me/accounts` (Pages with their tokens and linked Instagram
accounts), Instagram media containers (a video's bytes sent to the upload host with
`offset` and `file_size` headers, an image fetched from its `image_url`, carousels of
finished items), their `status_code` moving from IN_PROGRESS to FINISHED or ERROR,
`media_publish`, the account's media and permalinks; Facebook Reels (start, upload,
finish, the phases of `status`), photos as multipart uploads, and feed posts with attached
photos. Graph errors
have Meta's shape (`error.code`, 190 for a dead token, 4 when throttled); the answer of a
publishing call can be lost on demand."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs

import httpx

from fakes.oauth import FakeTokenEndpoint

VERSION = "v23.0"
PAGE = {"id": "1040000001", "name": "Wave Creator"}
INSTAGRAM = {"id": "17841400000000001", "username": "wavecreator"}


@dataclass
class Container:
    fields: dict[str, str]
    data: bytes | None = None  # the media, once sent or fetched
    size: int | None = None
    status: str = "IN_PROGRESS"
    reason: str = ""
    polls: int = 0


@dataclass
class FakeMeta:
    oauth: FakeTokenEndpoint = field(
        default_factory=lambda: FakeTokenEndpoint(client_id="meta-app", client_secret="s3cret")
    )
    # Fetches an image_url as Meta's crawler would; None: the URL cannot be reached.
    fetch: Callable[[str], bytes | None] = lambda _url: None
    pages: list[dict[str, Any]] = field(
        default_factory=lambda: [{**PAGE, "instagram_business_account": INSTAGRAM}]
    )
    long_lived: set[str] = field(default_factory=set)
    page_tokens: dict[str, str] = field(default_factory=dict)  # token -> page id
    containers: dict[str, Container] = field(default_factory=dict)
    published: dict[str, str] = field(default_factory=dict)  # IG media id -> container id
    reels: dict[str, dict[str, Any]] = field(default_factory=dict)
    photos: dict[str, dict[str, Any]] = field(default_factory=dict)
    feed: list[dict[str, Any]] = field(default_factory=list)
    polls_to_finish: int = 1  # status polls a container stays IN_PROGRESS after its media came
    fail_processing: str | None = None  # the next video container ends ERROR with this
    throttled: int = 0  # this many calls answer "Application request limit reached"
    drop_publishing: bool = False  # the next publishing call is done, its answer lost
    quota_total: int = 50  # the account's content publishing limit in 24 hours
    published_elsewhere: int = 0  # posts made through the API by other apps today

    def page_token(self, page_id: str = PAGE["id"]) -> str:
        token = f"EAAPage{secrets.token_hex(6)}"
        self.page_tokens[token] = page_id
        return token

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        base = f"{request.url.scheme}://{request.url.netloc.decode()}"
        if path == f"/{VERSION}/oauth/access_token":
            return self._token(request)
        if path.startswith(("/ig-api-upload/", "/video-upload/")):
            return self._receive(request, path.rsplit("/", 1)[-1])
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        user = token in self.oauth.access_tokens or token in self.long_lived
        if not user and token not in self.page_tokens:
            return _error(401, 190, "Error validating access token: the session is invalid")
        if self.throttled > 0:
            self.throttled -= 1
            return _error(400, 4, "Application request limit reached")
        node, _, edge = path.removeprefix(f"/{VERSION}/").partition("/")
        query = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
        if (request.method, node, edge) == ("GET", "me", "accounts"):
            if token not in self.long_lived:
                return _error(400, 100, "the fake wants a long-lived user token here")
            return httpx.Response(200, json={"data": [self._page(p) for p in self.pages]})
        if request.method == "GET" and not edge:
            return self._read(node, query)
        if (request.method, node, edge) == ("GET", INSTAGRAM["id"], "content_publishing_limit"):
            used = len(self.published) + self.published_elsewhere
            config = {"quota_total": self.quota_total, "quota_duration": 86400}
            return httpx.Response(200, json={"data": [{"quota_usage": used, "config": config}]})
        if (request.method, node, edge) == ("GET", INSTAGRAM["id"], "media"):
            return self._recent(int(query.get("limit", "25")))
        form = _form(request)
        if node == INSTAGRAM["id"] and edge == "media":
            return self._container(form, base)
        if node == INSTAGRAM["id"] and edge == "media_publish":
            return self._lost(self._publish(form.get("creation_id", "")))
        if node == PAGE["id"] and edge == "video_reels":
            answer = self._reel(form, base)
            return self._lost(answer) if form.get("upload_phase") == "finish" else answer
        if node == PAGE["id"] and edge == "photos":
            photo_id = f"{len(self.photos) + 1:015d}"
            published = form.get("published", "true") == "true"
            self.photos[photo_id] = {**form, "published": published}
            answer = {"id": photo_id}
            if published:
                answer["post_id"] = f"{PAGE['id']}_{photo_id}"
            return httpx.Response(200, json=answer)
        if node == PAGE["id"] and edge == "feed":
            attached = [
                json.loads(v)["media_fbid"] for k, v in sorted(form.items()) if k.startswith("att")
            ]
            if any(self.photos.get(p, {}).get("published", True) for p in attached):
                return _error(400, 100, "attached media must be unpublished photos")
            post_id = f"{PAGE['id']}_{9000 + len(self.feed)}"
            self.feed.append({"id": post_id, "message": form.get("message"), "photos": attached})
            return httpx.Response(200, json={"id": post_id})
        return _error(400, 100, f"Unsupported {request.method} request: {path}")

    def _lost(self, answer: httpx.Response) -> httpx.Response:
        """The call is done; with `drop_publishing`, its answer never arrives."""
        if self.drop_publishing and answer.status_code == 200:
            self.drop_publishing = False
            raise ConnectionAbortedError("the fake hangs up before answering")
        return answer

    def _recent(self, count: int) -> httpx.Response:
        shown = [
            {
                "id": media_id,
                "caption": self.containers[container].fields.get("caption", ""),
                "permalink": f"https://www.instagram.com/p/W{media_id[-6:]}/",
            }
            for media_id, container in reversed(self.published.items())
        ]
        return httpx.Response(200, json={"data": shown[:count]})

    def _token(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return self.oauth.handle(request)
        query = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
        if query.get("grant_type") != "fb_exchange_token":
            return _error(400, 100, "unsupported grant")
        if (query.get("client_id"), query.get("client_secret")) != ("meta-app", "s3cret"):
            return _error(400, 101, "Error validating application")
        if query.get("fb_exchange_token") not in self.oauth.access_tokens:
            return _error(400, 190, "Error validating access token")
        lasting = f"EAALong{secrets.token_hex(6)}"
        self.long_lived.add(lasting)
        return httpx.Response(
            200, json={"access_token": lasting, "token_type": "bearer", "expires_in": 5183944}
        )

    def _page(self, page: dict[str, Any]) -> dict[str, Any]:
        return {**page, "access_token": self.page_token(page["id"])}

    def _container(self, form: dict[str, str], base: str) -> httpx.Response:
        container_id = f"1790{len(self.containers) + 1:011d}"
        kind = form.get("media_type", "IMAGE")
        if kind == "CAROUSEL":
            children = form.get("children", "").split(",")
            if not 2 <= len(children) <= 10:
                return _error(400, 100, "a carousel has 2 to 10 children")
            for child in children:
                found = self.containers.get(child)
                if found is None or found.fields.get("is_carousel_item") != "true":
                    return _error(400, 100, f"{child} is not a carousel item")
                if found.status != "FINISHED":
                    return _error(400, 9007, "Media ID is not available")
            self.containers[container_id] = Container(form, data=b"", status="IN_PROGRESS")
            return httpx.Response(200, json={"id": container_id})
        if form.get("upload_type") == "resumable":
            if kind not in ("REELS", "VIDEO", "STORIES"):
                return _error(400, 100, "resumable uploads are for videos")
            self.containers[container_id] = Container(form)
            uri = f"{base}/ig-api-upload/{VERSION}/{container_id}"
            return httpx.Response(200, json={"id": container_id, "uri": uri})
        if "image_url" not in form:
            return _error(400, 100, "image_url or a resumable upload is required")
        container = Container(form)
        container.data = self.fetch(form["image_url"])
        if container.data is None:
            container.status = "ERROR"
            container.reason = (
                "ERROR: Media download has failed. The media URI doesn't meet our requirements."
            )
        self.containers[container_id] = container
        return httpx.Response(200, json={"id": container_id})

    def _receive(self, request: httpx.Request, target: str) -> httpx.Response:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("OAuth ") or auth[6:] not in self.page_tokens:
            return httpx.Response(401, json={"debug_info": {"message": "invalid token"}})
        if request.headers.get("offset") != "0":
            return httpx.Response(400, json={"debug_info": {"message": "offset must be 0"}})
        size = int(request.headers.get("file_size") or -1)
        if size != len(request.content):
            return httpx.Response(400, json={"debug_info": {"message": "file_size mismatch"}})
        found: Container | dict[str, Any] | None = self.containers.get(target) or self.reels.get(
            target
        )
        if found is None:
            return httpx.Response(404, json={"debug_info": {"message": "unknown upload"}})
        if isinstance(found, Container):
            found.data, found.size = request.content, size
            if self.fail_processing is not None:
                found.status, found.reason = "ERROR", self.fail_processing
                self.fail_processing = None
        else:
            found["data"] = request.content
        return httpx.Response(200, json={"success": True, "message": "Upload successful."})

    def _read(self, node: str, query: dict[str, str]) -> httpx.Response:
        container = self.containers.get(node)
        if container is not None:
            if container.status == "IN_PROGRESS" and container.data is not None:
                container.polls += 1
                if container.polls >= self.polls_to_finish:
                    container.status = "FINISHED"
            return httpx.Response(
                200,
                json={
                    "id": node,
                    "status_code": container.status,
                    "status": container.reason or container.status,
                },
            )
        if node in self.published:
            return httpx.Response(
                200, json={"id": node, "permalink": f"https://www.instagram.com/p/W{node[-6:]}/"}
            )
        reel = self.reels.get(node)
        if reel is not None:
            done = "complete" if reel.get("finished") and reel.get("data") else "not_started"
            status = {
                "video_status": "ready" if done == "complete" else "processing",
                "uploading_phase": {"status": "complete" if reel.get("data") else "in_progress"},
                "processing_phase": {"status": done},
                "publishing_phase": {"status": done},
            }
            return httpx.Response(200, json={"id": node, "status": status})
        return _error(400, 100, f"Unsupported get request. Object with ID '{node}' does not exist")

    def _publish(self, container_id: str) -> httpx.Response:
        container = self.containers.get(container_id)
        if container is None or container.status != "FINISHED":
            return _error(400, 9007, "Media ID is not available")
        media_id = f"1800{len(self.published) + 1:011d}"
        self.published[media_id] = container_id
        container.status = "PUBLISHED"
        return httpx.Response(200, json={"id": media_id})

    def _reel(self, form: dict[str, str], base: str) -> httpx.Response:
        phase = form.get("upload_phase")
        if phase == "start":
            video_id = f"2200{len(self.reels) + 1:011d}"
            self.reels[video_id] = {}
            upload_url = f"{base}/video-upload/{VERSION}/{video_id}"
            return httpx.Response(200, json={"video_id": video_id, "upload_url": upload_url})
        reel = self.reels.get(form.get("video_id", ""))
        if phase != "finish" or reel is None or "data" not in reel:
            return _error(400, 100, "finish a started reel whose video was uploaded")
        reel |= {"finished": True, "description": form.get("description"), **form}
        return httpx.Response(200, json={"success": True})


def _form(request: httpx.Request) -> dict[str, str]:
    kind = request.headers.get("content-type", "")
    if kind.startswith("multipart/form-data"):
        head = f"Content-Type: {kind}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + request.content)
        form: dict[str, str] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if part.get_filename():
                form[f"{name}:bytes"] = payload.hex()
                form[f"{name}:type"] = part.get_content_type()
            else:
                form[str(name)] = payload.decode()
        return form
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def _error(status: int, code: int, message: str) -> httpx.Response:
    return httpx.Response(
        status,
        json={
            "error": {
                "message": message,
                "type": "OAuthException",
                "code": code,
                "fbtrace_id": secrets.token_hex(8),
            }
        },
    )
