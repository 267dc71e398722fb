"""Posting on X as a connected account: posts and threads through tweepy's API v2 client,
media through X's v2 chunked upload (initialize, append in segments, finalize, then wait
while X processes a video), which tweepy does not speak.

tweepy has X's host written into it: a URL-rewriting adapter on its `requests` session sends
its calls to the configured API URL. The account's OAuth 2.0 token is its bearer token; a
401 asks the connection for a fresh one and tries once more.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
import structlog
import tweepy
from requests.adapters import HTTPAdapter

from wavestack.providers.chat.port import PlatformError

log = structlog.get_logger(__name__)
TokenSource = Callable[[bool], str]
TWEEPY_HOST = "https://api.twitter.com"
SEGMENT = 4 * 1024 * 1024
MAX_WAIT = 30.0  # longer rate-limit waits are the job's to sit out (it is retried)


class XError(PlatformError):
    """X refused a call; `status` is its HTTP status, `retry_at` when a 429 ends."""

    def __init__(self, message: str, *, status: int = 0, retry_at: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_at = retry_at
        self.posted: list[str] = []  # a thread's parts that went up before this failure


class XUnconfirmed(XError):
    """A post was sent but no answer came: it may or may not be up."""


class _Rewrite(HTTPAdapter):
    """Sends requests for tweepy's built-in host to the configured one."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target.rstrip("/")

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        if request.url and request.url.startswith(TWEEPY_HOST):
            request.url = self.target + request.url[len(TWEEPY_HOST) :]
        return super().send(request, *args, **kwargs)


class XClient:
    """X API v2 calls as one account."""

    def __init__(
        self,
        token: TokenSource,
        *,
        api_url: str = "https://api.x.com",
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._token = token
        self._api_url = api_url.rstrip("/")
        self._timeout = timeout
        self._sleep = sleep
        self._session = requests.Session()
        self._session.mount(TWEEPY_HOST, _Rewrite(self._api_url))
        self._client = self._new_client(token(False))

    def _new_client(self, bearer: str) -> tweepy.Client:
        client = tweepy.Client(bearer_token=bearer)
        client.session = self._session
        return client

    def _call(self, make: Callable[[tweepy.Client], Any], what: str) -> Any:
        """Run a tweepy call: a 401 renews the token once, a short 429 is waited out."""
        renewed = waited = False
        while True:
            try:
                return make(self._client)
            except tweepy.Unauthorized as exc:
                if renewed:
                    raise XError(f"X refused {what}: unauthorized", status=401) from exc
                renewed = True
                self._client = self._new_client(self._token(True))
            except tweepy.TooManyRequests as exc:
                reset = exc.response.headers.get("x-rate-limit-reset")
                retry_at = float(reset) if reset else time.time() + 60
                wait = retry_at - time.time()
                if waited or wait > MAX_WAIT:
                    raise XError(
                        f"X rate limit reached for {what}", status=429, retry_at=retry_at
                    ) from exc
                waited = True
                self._sleep(max(wait, 0.0))
            except tweepy.HTTPException as exc:
                detail = "; ".join(exc.api_messages) or str(exc.response.status_code)
                raise XError(
                    f"X refused {what}: {detail}", status=exc.response.status_code
                ) from exc
            except requests.RequestException as exc:
                raise XUnconfirmed(f"no answer from X to {what}: {exc}") from exc

    def me(self) -> tuple[str, str]:
        """The account's id and username."""
        found = self._call(lambda c: c.get_me(user_auth=False), "the account lookup")
        return str(found.data["id"]), str(found.data["username"])

    def post(
        self, text: str, *, reply_to: str | None = None, media_ids: list[str] | None = None
    ) -> str:
        """Post (as a reply, to continue a thread); returns the post's id."""
        created = self._call(
            lambda c: c.create_tweet(
                text=text, in_reply_to_tweet_id=reply_to, media_ids=media_ids, user_auth=False
            ),
            "the post",
        )
        return str(created.data["id"])

    def thread(
        self, parts: list[str], *, media_ids: list[str] | None = None, reply_to: str | None = None
    ) -> list[str]:
        """Post each part as a reply to the one before (media on the first; the first a
        reply to `reply_to`, to go on with a thread); the ids. A failure partway carries the
        ids of the parts already up (`XError.posted`)."""
        ids: list[str] = []
        for index, part in enumerate(parts):
            try:
                ids.append(
                    self.post(
                        part,
                        reply_to=ids[-1] if ids else reply_to,
                        media_ids=(media_ids or None) if index == 0 else None,
                    )
                )
            except XError as exc:
                exc.posted = list(ids)
                raise
        return ids

    def recent(self, user_id: str, count: int = 20) -> list[tuple[str, str, str | None]]:
        """The account's newest posts, newest first: id, text, and the post it replies to."""
        found = self._call(
            lambda c: c.get_users_tweets(
                user_id, max_results=count, tweet_fields=["referenced_tweets"], user_auth=False
            ),
            "the account's posts",
        )
        posts = []
        for tweet in found.data or []:
            replied = [r.id for r in tweet.referenced_tweets or [] if r.type == "replied_to"]
            posts.append((str(tweet.id), str(tweet.text), str(replied[0]) if replied else None))
        return posts

    # -- media --------------------------------------------------------------------------

    def _media(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        for attempt in range(2):
            headers = {"Authorization": f"Bearer {self._token(attempt > 0)}"}
            try:
                response = self._session.request(
                    method,
                    f"{self._api_url}/2/media/upload{path}",
                    headers=headers,
                    timeout=self._timeout,
                    **kwargs,
                )
            except requests.RequestException as exc:
                raise XError(f"no answer from X's media upload: {exc}") from exc
            if response.status_code == 401 and attempt == 0:
                continue  # the token expired: renewed once
            if response.status_code >= 400:
                raise XError(
                    f"X refused the media upload: {response.text[:200]}",
                    status=response.status_code,
                )
            body = response.json() if response.content else {}
            return dict(body.get("data") or {})
        raise XError("X refused the media upload: unauthorized", status=401)

    def upload_media(
        self,
        path: Path,
        mime_type: str,
        *,
        on_progress: Callable[[float], None] | None = None,
        segment: int = SEGMENT,
    ) -> str:
        """Upload a file in segments and wait until X has processed it; the media id."""
        size = path.stat().st_size
        category = (
            "tweet_video"
            if mime_type.startswith("video/")
            else "tweet_gif"
            if mime_type == "image/gif"
            else "tweet_image"
        )
        started = self._media(
            "POST",
            "/initialize",
            json={"media_type": mime_type, "total_bytes": size, "media_category": category},
        )
        media_id = str(started["id"])
        with path.open("rb") as media:
            index = 0
            while chunk := media.read(segment):
                self._media(
                    "POST",
                    f"/{media_id}/append",
                    data={"segment_index": str(index)},
                    files={"media": ("blob", chunk, "application/octet-stream")},
                )
                index += 1
                if on_progress is not None:
                    on_progress(min(1.0, index * segment / max(size, 1)))
        state = self._media("POST", f"/{media_id}/finalize").get("processing_info")
        while state and state.get("state") in ("pending", "in_progress"):
            self._sleep(float(state.get("check_after_secs", 1)))
            found = self._media("GET", "", params={"command": "STATUS", "media_id": media_id})
            state = found.get("processing_info")
        if state and state.get("state") == "failed":
            error = (state.get("error") or {}).get("message", "processing failed")
            raise XError(f"X could not process the media: {error}", status=400)
        return media_id
