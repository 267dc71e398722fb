"""TikTok's Content Posting API as a connected account: a video uploaded from the file in
chunks (TikTok's sizes: 5 to 64 MB, the last one taking the rest, one chunk under 5 MB),
either posted at once or sent to the creator's inbox as a draft, then followed until
TikTok says how it went."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from wavestack.kernel.http import parse_retry_after
from wavestack.providers.chat.port import PlatformError

TokenSource = Callable[[bool], str]
MB = 1024 * 1024
MIN_CHUNK, MAX_CHUNK, MAX_LAST_CHUNK, MAX_CHUNKS = 5 * MB, 64 * MB, 128 * MB, 1000
FINISHED = {"PUBLISH_COMPLETE", "SEND_TO_USER_INBOX"}


class TikTokError(PlatformError):
    """TikTok refused a call; `code` is its error code (spam_risk_too_many_posts...)."""

    def __init__(
        self, message: str, *, status: int = 0, code: str = "", retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.retry_after = retry_after  # seconds a 429's Retry-After asks for


@dataclass(frozen=True)
class ChunkPlan:
    """How a video is cut for upload."""

    chunk_size: int
    count: int

    def ranges(self, size: int) -> list[tuple[int, int]]:
        """Each chunk's first and last byte; the last chunk takes the rest."""
        bounds = [(i * self.chunk_size, (i + 1) * self.chunk_size - 1) for i in range(self.count)]
        first, _ = bounds[-1]
        bounds[-1] = (first, size - 1)
        return bounds


def chunk_plan(size: int, preferred: int = 10 * MB) -> ChunkPlan:
    """TikTok's rules: a video under 5 MB goes whole; otherwise chunks of 5 to 64 MB, as many
    as fit whole (at most 1,000), the last one taking the rest (up to 128 MB)."""
    if size <= 0:
        raise TikTokError("the video is empty")
    if size < MIN_CHUNK:
        return ChunkPlan(size, 1)
    chunk = min(max(preferred, MIN_CHUNK), MAX_CHUNK, size)
    count = size // chunk
    if count > MAX_CHUNKS:
        chunk = -(-size // MAX_CHUNKS)
        count = size // chunk
    if size - (count - 1) * chunk > MAX_LAST_CHUNK:
        raise TikTokError("the video is too large for TikTok's upload")
    return ChunkPlan(chunk, count)


class TikTokClient:
    """Content Posting API calls as one account."""

    def __init__(
        self,
        token: TokenSource,
        *,
        api_url: str = "https://open.tiktokapis.com",
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        poll_seconds: float = 3.0,
        max_polls: int = 200,
    ) -> None:
        self._token = token
        self._api_url = api_url.rstrip("/")
        self._http = http or httpx.Client(timeout=60.0)
        self._sleep = sleep
        self._poll_seconds = poll_seconds
        self._max_polls = max_polls

    def _call(
        self, path: str, body: dict[str, Any] | None, *, params: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """POST `body` (GET when None); a 401 renews the token once."""
        for attempt in range(2):
            response = self._http.request(
                "GET" if body is None else "POST",
                f"{self._api_url}{path}",
                json=body,
                params=params,
                headers={"Authorization": f"Bearer {self._token(attempt > 0)}"},
            )
            try:
                answer: dict[str, Any] = response.json()
            except ValueError:
                answer = {}
            error = answer.get("error") or {}
            code = str(error.get("code") or "")
            if response.status_code == 401 and attempt == 0:
                continue  # the token expired: renewed once
            if response.status_code >= 400 or (code and code != "ok"):
                message = error.get("message") or response.text[:200]
                raise TikTokError(
                    f"TikTok refused it: {code or response.status_code} {message}".strip(),
                    status=response.status_code,
                    code=code,
                    retry_after=parse_retry_after(response.headers.get("retry-after")),
                )
            return dict(answer.get("data") or {})
        raise TikTokError("TikTok refused the token", status=401, code="access_token_invalid")

    def me(self) -> tuple[str, str]:
        """The account's open id and display name."""
        found = self._call("/v2/user/info/", None, params={"fields": "open_id,display_name"})
        user = found.get("user") or {}
        return str(user["open_id"]), str(user.get("display_name") or user["open_id"])

    def creator(self) -> dict[str, Any]:
        """The account: name and what it may post (privacy levels, longest video)."""
        return self._call("/v2/post/publish/creator_info/query/", {})

    def upload(
        self,
        path: Path,
        *,
        title: str,
        draft: bool,
        privacy: str = "SELF_ONLY",
        chunk_bytes: int = 10 * MB,
        on_progress: Callable[[float], None] | None = None,
    ) -> str:
        """Upload a video, as a draft in the inbox or posted; returns its publish id."""
        size = path.stat().st_size
        plan = chunk_plan(size, chunk_bytes)
        source = {
            "source": "FILE_UPLOAD",
            "video_size": size,
            "chunk_size": plan.chunk_size,
            "total_chunk_count": plan.count,
        }
        if draft:
            started = self._call("/v2/post/publish/inbox/video/init/", {"source_info": source})
        else:
            post = {"title": title, "privacy_level": privacy, "disable_comment": False}
            started = self._call(
                "/v2/post/publish/video/init/", {"post_info": post, "source_info": source}
            )
        upload_url = str(started["upload_url"])
        with path.open("rb") as video:
            for index, (first, last) in enumerate(plan.ranges(size)):
                video.seek(first)
                chunk = video.read(last - first + 1)
                response = self._http.put(
                    upload_url,
                    content=chunk,
                    headers={
                        "Content-Type": "video/mp4",
                        "Content-Range": f"bytes {first}-{last}/{size}",
                    },
                )
                if response.status_code not in (200, 201, 206):
                    raise TikTokError(
                        f"TikTok refused chunk {index + 1}: {response.status_code}",
                        status=response.status_code,
                    )
                if on_progress is not None:
                    on_progress((last + 1) / size)
        return str(started["publish_id"])

    def wait(self, publish_id: str) -> dict[str, Any]:
        """Follow a publish until TikTok finishes it; its last status."""
        for _ in range(self._max_polls):
            status = self.status(publish_id)
            if status.get("status") in FINISHED:
                return status
            self._sleep(self._poll_seconds)
        raise TikTokError("TikTok did not finish processing in time")

    def status(self, publish_id: str) -> dict[str, Any]:
        """Where a publish stands (`status`: PROCESSING_UPLOAD ... PUBLISH_COMPLETE); one
        that failed is raised with TikTok's reason."""
        status = self._call("/v2/post/publish/status/fetch/", {"publish_id": publish_id})
        if status.get("status") == "FAILED":
            raise TikTokError(
                f"TikTok could not publish it: {status.get('fail_reason', 'unknown')}",
                code=str(status.get("fail_reason", "")),
            )
        return status
