"""Publishing through Meta's Graph API, as a Facebook Page and as the Instagram professional
account linked to it.

Instagram: a media container is made (a Reel's video sent to Meta's upload host; an image
fetched by Meta from a public URL; a carousel's items made first, then the carousel), Meta
is asked until the container is `FINISHED` (or `ERROR`), then it is published. Facebook: a
Reel is started, its video sent, finished as published and watched until Meta has published
it; photos go up as multipart uploads, several of them attached to one feed post.

The calls that make a post appear (`media_publish`, a Reel's finish, a published photo, a
feed post) are never blindly repeated: when one goes out and no answer comes back,
`MetaUnconfirmed` says so, since the post may be up.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from wavestack.providers.chat.port import PlatformError
from wavestack.providers.meta.settings import GRAPH
from wavestack.providers.oauth import TokenSet

TokenSource = Callable[[bool], str]
# Graph error codes of throttling: the app's, the user's, the Page's, and per-feature limits.
THROTTLED = frozenset({4, 17, 32, 613, 80001, 80002})
TOKEN_INVALID = 190
CHUNK = 1024 * 1024


class MetaError(PlatformError):
    """The Graph API refused a call or could not be reached; `status` is the HTTP status
    (0: no answer), `code` Meta's error code."""

    def __init__(
        self, message: str, *, status: int = 0, code: int = 0, transient: bool = False
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.transient = transient

    @property
    def retryable(self) -> bool:
        """Whether the same call may work later (Meta's trouble or a throttle)."""
        return self.transient or self.status == 0 or self.status >= 500 or self.code in THROTTLED

    @property
    def token_invalid(self) -> bool:
        """The access token expired or was revoked: the account must be connected again."""
        return self.code == TOKEN_INVALID


class MetaUnconfirmed(MetaError):
    """A call that publishes went out and no answer came back: the post may be up."""


@dataclass(frozen=True)
class Page:
    """A Facebook Page the person manages, its own access token, and the Instagram
    professional account linked to it (if any)."""

    id: str
    name: str
    access_token: str
    instagram_id: str | None
    instagram_username: str | None


class GraphClient:
    """Graph API calls with one access token (a Page's, for publishing)."""

    def __init__(
        self,
        token: TokenSource,
        *,
        api_url: str = GRAPH,
        http: httpx.Client | None = None,
        poll_seconds: float = 3.0,
        poll_timeout: float = 900.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._token = token
        self._api_url = api_url.rstrip("/")
        self._http = http or httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0))
        self._poll_seconds = poll_seconds
        self._poll_timeout = poll_timeout
        self._sleep = sleep

    # --- the account --------------------------------------------------------------------

    def long_lived(self, client_id: str, client_secret: str) -> TokenSet:
        """The person's token traded for a long-lived one (about 60 days); Page tokens got
        with it do not expire."""
        body = self._call(
            "GET",
            "oauth/access_token",
            params={
                "grant_type": "fb_exchange_token",
                "client_id": client_id,
                "client_secret": client_secret,
                "fb_exchange_token": self._token(False),
            },
        )
        return TokenSet(str(body["access_token"]))

    def pages(self) -> list[Page]:
        """The Pages the person manages, with their tokens and linked Instagram accounts."""
        body = self._call(
            "GET",
            "me/accounts",
            params={
                "fields": "id,name,access_token,instagram_business_account{id,username}",
                "limit": "100",
            },
        )
        found = []
        for page in body.get("data") or []:
            instagram = page.get("instagram_business_account") or {}
            found.append(
                Page(
                    id=str(page["id"]),
                    name=str(page.get("name") or page["id"]),
                    access_token=str(page["access_token"]),
                    instagram_id=str(instagram["id"]) if instagram.get("id") else None,
                    instagram_username=instagram.get("username"),
                )
            )
        return found

    # --- Instagram ------------------------------------------------------------------------

    def ig_quota(self, ig_user: str) -> tuple[int, int]:
        """The account's content publishing limit: posts published through the API in the
        last 24 hours, and how many it may publish (0: Meta did not say)."""
        found = self._call(
            "GET", f"{ig_user}/content_publishing_limit", params={"fields": "quota_usage,config"}
        )
        entry = (found.get("data") or [{}])[0]
        config = entry.get("config") or {}
        return int(entry.get("quota_usage") or 0), int(config.get("quota_total") or 0)

    def ig_container(self, ig_user: str, fields: dict[str, str]) -> dict[str, Any]:
        """Make a media container (`id`, and `uri` to send a video to when resumable)."""
        return self._call("POST", f"{ig_user}/media", data=fields)

    def ig_video(self, ig_user: str, path: Path, fields: dict[str, str]) -> str:
        """A video container, its bytes sent to Meta's upload host; its id."""
        made = self.ig_container(ig_user, {**fields, "upload_type": "resumable"})
        self.send_file(str(made["uri"]), path)
        return str(made["id"])

    def ig_wait(self, container: str) -> None:
        """Wait until Meta has processed a container; its `ERROR` or `EXPIRED` is raised
        with Meta's reason."""
        deadline = time.monotonic() + self._poll_timeout
        while True:
            found = self._call("GET", container, params={"fields": "status_code,status"})
            code = str(found.get("status_code") or "")
            if code in ("FINISHED", "PUBLISHED"):
                return
            if code in ("ERROR", "EXPIRED"):
                reason = found.get("status") or code
                raise MetaError(f"Instagram could not use the media: {reason}", status=400)
            if time.monotonic() >= deadline:
                raise MetaError(
                    f"Instagram was still processing the media after {self._poll_timeout:.0f} s",
                    transient=True,
                )
            self._sleep(self._poll_seconds)

    def ig_status(self, container: str) -> str:
        """A container's status code (`PUBLISHED` once its post is up)."""
        return str(self._call("GET", container, params={"fields": "status_code"})["status_code"])

    def ig_publish(self, ig_user: str, container: str) -> str:
        """Publish a finished container; the Instagram media id."""
        body = self._call(
            "POST", f"{ig_user}/media_publish", data={"creation_id": container}, final=True
        )
        return str(body["id"])

    def ig_recent(self, ig_user: str, count: int = 10) -> list[dict[str, Any]]:
        """The account's newest posts: id, caption and permalink of each."""
        found = self._call(
            "GET",
            f"{ig_user}/media",
            params={"fields": "id,caption,permalink", "limit": str(count)},
        )
        return [dict(media) for media in found.get("data") or []]

    def permalink(self, media_id: str) -> str | None:
        """An Instagram post's public URL (None when Meta does not say)."""
        try:
            found = self._call("GET", media_id, params={"fields": "permalink"})
        except MetaError:
            return None
        link = found.get("permalink")
        return str(link) if link else None

    # --- Facebook Pages ---------------------------------------------------------------------

    def fb_reel_upload(self, page: str, path: Path) -> str:
        """Start a Reel on the Page and send its video; the video id."""
        started = self._call("POST", f"{page}/video_reels", data={"upload_phase": "start"})
        video = str(started["video_id"])
        self.send_file(str(started["upload_url"]), path)
        return video

    def fb_reel_finish(self, page: str, video: str, description: str) -> None:
        """Finish an uploaded Reel as published, with its description."""
        self._call(
            "POST",
            f"{page}/video_reels",
            data={
                "upload_phase": "finish",
                "video_id": video,
                "video_state": "PUBLISHED",
                "description": description,
            },
            final=True,
        )

    def fb_reel_wait(self, video: str) -> bool:
        """Watch a finished Reel until Meta has published it (True) or the time to wait ran
        out (False); a phase that failed is raised with Meta's reason."""
        deadline = time.monotonic() + self._poll_timeout
        while not self.fb_reel_published(video):
            if time.monotonic() >= deadline:
                return False
            self._sleep(self._poll_seconds)
        return True

    def fb_reel_published(self, video: str) -> bool:
        """Whether Meta has published a Reel yet; a phase that failed is raised with Meta's
        reason."""
        status = self._call("GET", video, params={"fields": "status"}).get("status") or {}
        for phase in ("uploading_phase", "processing_phase", "publishing_phase"):
            state = status.get(phase) or {}
            if state.get("status") == "error":
                errors = state.get("errors") or [{}]
                reason = errors[0].get("message") or phase.replace("_", " ")
                raise MetaError(f"Facebook could not publish the reel: {reason}", status=400)
        return bool((status.get("publishing_phase") or {}).get("status") == "complete")

    def fb_photo(
        self, page: str, path: Path, mime_type: str, *, caption: str = "", published: bool = True
    ) -> dict[str, Any]:
        """Upload a photo to the Page (`id`, and `post_id` when published)."""
        with path.open("rb") as image:
            return self._call(
                "POST",
                f"{page}/photos",
                data={"caption": caption, "published": "true" if published else "false"},
                files={"source": (path.name, image, mime_type)},
                final=published,
            )

    def fb_feed(self, page: str, message: str, photos: list[str]) -> str:
        """A feed post on the Page with unpublished photos attached; its id."""
        data = {"message": message}
        for n, photo in enumerate(photos):
            data[f"attached_media[{n}]"] = json.dumps({"media_fbid": photo})
        return str(self._call("POST", f"{page}/feed", data=data, final=True)["id"])

    # --- the wire -------------------------------------------------------------------------

    def send_file(self, url: str, path: Path) -> None:
        """Send a file to the upload URL Meta gave (the token in an `OAuth` header)."""
        size = path.stat().st_size
        headers = {
            "Authorization": f"OAuth {self._token(False)}",
            "offset": "0",
            "file_size": str(size),
            "Content-Length": str(size),
            "Content-Type": "application/octet-stream",
        }
        try:
            response = self._http.post(url, headers=headers, content=_chunks(path))
        except httpx.TransportError as exc:
            raise MetaError(f"the upload to Meta broke off: {exc}") from exc
        _raise_for(response)

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        data: dict[str, str] | None = None,
        files: dict[str, Any] | None = None,
        final: bool = False,
    ) -> dict[str, Any]:
        try:
            response = self._http.request(
                method,
                f"{self._api_url}/{path}",
                params=params,
                data=data,
                files=files,
                headers={"Authorization": f"Bearer {self._token(False)}"},
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise MetaError(f"the Graph API is unreachable: {exc}") from exc
        except httpx.TransportError as exc:
            if final:
                raise MetaUnconfirmed(f"no answer from the Graph API: {exc}") from exc
            raise MetaError(f"no answer from the Graph API: {exc}") from exc
        return _raise_for(response)


def _raise_for(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    error = body.get("error")
    if response.status_code < 400 and not error:
        return body
    if not isinstance(error, dict):
        error = {"message": str(error or response.text[:200])}
    message = str(error.get("error_user_msg") or error.get("message") or response.status_code)
    raise MetaError(
        f"Meta refused it: {message}",
        status=response.status_code,
        code=int(error.get("code") or 0),
        transient=bool(error.get("is_transient")),
    )


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            yield chunk
