"""Posting on LinkedIn as a member through the versioned REST API (`/rest/posts`, with the
`LinkedIn-Version` header): images and videos uploaded first (initialize, PUT the parts to
the URLs LinkedIn gives, finalize a video with the parts' ETags), then the post."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from wavestack.kernel.http import parse_retry_after
from wavestack.providers.chat.port import PlatformError

TokenSource = Callable[[bool], str]


class LinkedInError(PlatformError):
    """LinkedIn refused a call; `status` is its HTTP status, `retry_after` the seconds a
    429's `Retry-After` asks for."""

    def __init__(self, message: str, *, status: int = 0, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class LinkedInUnconfirmed(LinkedInError):
    """The post went out and no answer came back: it may be up."""


class LinkedInClient:
    """REST calls as one member."""

    def __init__(
        self,
        token: TokenSource,
        *,
        api_url: str = "https://api.linkedin.com",
        version: str = "202510",
        http: httpx.Client | None = None,
    ) -> None:
        self._token = token
        self._api_url = api_url.rstrip("/")
        self._version = version
        self._http = http or httpx.Client(timeout=60.0)

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One call with the member's token; a 401 renews it once."""
        for attempt in range(2):
            headers = {
                "Authorization": f"Bearer {self._token(attempt > 0)}",
                "LinkedIn-Version": self._version,
                "X-Restli-Protocol-Version": "2.0.0",
                **kwargs.pop("headers", {}),
            }
            response = self._http.request(method, url, headers=headers, **kwargs)
            if response.status_code == 401 and attempt == 0:
                continue
            if response.status_code >= 400:
                try:
                    detail = response.json().get("message") or response.text[:200]
                except ValueError:
                    detail = response.text[:200]
                raise LinkedInError(
                    f"LinkedIn refused it: {detail}",
                    status=response.status_code,
                    retry_after=parse_retry_after(response.headers.get("retry-after")),
                )
            return response
        raise LinkedInError("LinkedIn refused the token", status=401)

    def me(self) -> tuple[str, str]:
        """The member's id (OpenID `sub`) and name."""
        found = self._request("GET", f"{self._api_url}/v2/userinfo").json()
        return str(found["sub"]), str(found.get("name") or found["sub"])

    def upload_image(self, owner: str, path: Path) -> str:
        """Upload an image; its URN."""
        started = self._request(
            "POST",
            f"{self._api_url}/rest/images?action=initializeUpload",
            json={"initializeUploadRequest": {"owner": owner}},
        ).json()["value"]
        self._request("PUT", str(started["uploadUrl"]), content=path.read_bytes())
        return str(started["image"])

    def upload_video(self, owner: str, path: Path) -> str:
        """Upload a video in the parts LinkedIn asks for, then finalize it; its URN."""
        size = path.stat().st_size
        started = self._request(
            "POST",
            f"{self._api_url}/rest/videos?action=initializeUpload",
            json={
                "initializeUploadRequest": {
                    "owner": owner,
                    "fileSizeBytes": size,
                    "uploadCaptions": False,
                    "uploadThumbnail": False,
                }
            },
        ).json()["value"]
        etags = []
        with path.open("rb") as video:
            for part in started["uploadInstructions"]:
                first, last = int(part["firstByte"]), int(part["lastByte"])
                video.seek(first)
                sent = self._request(
                    "PUT",
                    str(part["uploadUrl"]),
                    content=video.read(last - first + 1),
                    headers={"Content-Type": "application/octet-stream"},
                )
                etags.append(sent.headers.get("etag", ""))
        self._request(
            "POST",
            f"{self._api_url}/rest/videos?action=finalizeUpload",
            json={
                "finalizeUploadRequest": {
                    "video": started["video"],
                    "uploadToken": started.get("uploadToken", ""),
                    "uploadedPartIds": etags,
                }
            },
        )
        return str(started["video"])

    def recent_posts(self, author: str, count: int = 10) -> list[tuple[str, str]]:
        """The author's newest posts: URN and commentary of each."""
        found = self._request(
            "GET",
            f"{self._api_url}/rest/posts",
            params={
                "author": author,
                "q": "author",
                "count": str(count),
                "sortBy": "LAST_MODIFIED",
            },
        ).json()
        return [(str(p["id"]), str(p.get("commentary", ""))) for p in found.get("elements") or []]

    def post(self, author: str, text: str, *, media: str | None = None, title: str = "") -> str:
        """Publish a post (with one uploaded image or video); its URN."""
        body: dict[str, Any] = {
            "author": author,
            "commentary": text,
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if media is not None:
            body["content"] = {"media": {"id": media, "title": title}}
        try:
            created = self._request("POST", f"{self._api_url}/rest/posts", json=body)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise LinkedInError(f"LinkedIn is unreachable: {exc}") from exc
        except httpx.TransportError as exc:
            raise LinkedInUnconfirmed(f"no answer from LinkedIn to the post: {exc}") from exc
        urn = created.headers.get("x-restli-id")
        if not urn:
            raise LinkedInError("LinkedIn did not say which post it made")
        return str(urn)
