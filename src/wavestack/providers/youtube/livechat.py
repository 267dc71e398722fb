"""YouTube Live chat through the official client (google-api-python-client, YouTube Data API
v3): the active broadcast's chat found, `liveChatMessages` polled at the interval YouTube asks
for with its page tokens, messages sent and removed, chatters timed out and banned.

The access token comes from `token(force)`: the client's own 401 handling asks it for a fresh
one (the connection renews it) and tries again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from wavestack.providers.youtube.common import (
    ConnectionCredentials,
    TokenSource,
    YouTubeError,
    reason_of,
)

log = structlog.get_logger(__name__)
MIN_POLL_SECONDS = 0.2  # whatever YouTube says, never a tight loop


@dataclass(frozen=True)
class ChatPage:
    """One poll: the messages, where to continue, and how long to wait before asking again."""

    items: list[dict[str, Any]]
    next_page_token: str | None
    wait_seconds: float
    ended: bool


class YouTubeLiveChat:
    """The YouTube Data API's live chat calls, as the connected channel."""

    def __init__(self, token: TokenSource, *, api_url: str = "https://www.googleapis.com/") -> None:
        self._lock = threading.Lock()
        self._youtube = build(
            "youtube",
            "v3",
            credentials=ConnectionCredentials(token),
            static_discovery=True,
            cache_discovery=False,
            client_options={"api_endpoint": api_url},
            num_retries=0,
        )

    def _execute(self, make: Callable[[Any], Any], what: str) -> Any:
        try:
            with self._lock:  # the client's http connection is not shared across threads
                return make(self._youtube).execute()
        except HttpError as exc:
            status, reason = exc.resp.status, reason_of(exc)
            raise YouTubeError(
                f"YouTube refused {what}: {reason or status}", status=status, reason=reason
            ) from exc

    def my_channel(self) -> tuple[str, str]:
        """The connected channel's id and title."""
        found = self._execute(
            lambda yt: yt.channels().list(part="snippet", mine=True), "the channel lookup"
        )
        items = found.get("items") or []
        if not items:
            raise YouTubeError("this Google account has no YouTube channel")
        return str(items[0]["id"]), str(items[0]["snippet"].get("title", ""))

    def active_chat(self) -> tuple[str, str] | None:
        """The live chat id and title of the channel's active broadcast, if one is live."""
        found = self._execute(
            lambda yt: yt.liveBroadcasts().list(
                part="snippet,status", broadcastStatus="active", broadcastType="all"
            ),
            "the broadcast lookup",
        )
        for item in found.get("items") or []:
            chat_id = (item.get("snippet") or {}).get("liveChatId")
            if chat_id:
                return str(chat_id), str(item["snippet"].get("title", ""))
        return None

    def messages(self, chat_id: str, page_token: str | None) -> ChatPage:
        """One poll of a chat."""
        try:
            found = self._execute(
                lambda yt: yt.liveChatMessages().list(
                    liveChatId=chat_id,
                    part="snippet,authorDetails",
                    pageToken=page_token,
                    maxResults=2000,
                ),
                "reading chat",
            )
        except YouTubeError as exc:
            if exc.reason in ("liveChatEnded", "liveChatNotFound", "liveChatDisabled"):
                return ChatPage([], None, 0.0, ended=True)
            raise
        wait = max(MIN_POLL_SECONDS, int(found.get("pollingIntervalMillis") or 5000) / 1000)
        return ChatPage(
            list(found.get("items") or []),
            found.get("nextPageToken"),
            wait,
            ended=bool(found.get("offlineAt")),
        )

    def send(self, chat_id: str, text: str) -> str:
        """Post in chat (200 characters at most); returns the message id."""
        made = self._execute(
            lambda yt: yt.liveChatMessages().insert(
                part="snippet",
                body={
                    "snippet": {
                        "liveChatId": chat_id,
                        "type": "textMessageEvent",
                        "textMessageDetails": {"messageText": text[:200]},
                    }
                },
            ),
            "the message",
        )
        return str(made.get("id", ""))

    def delete(self, message_id: str) -> None:
        """Remove a chat message."""
        self._execute(lambda yt: yt.liveChatMessages().delete(id=message_id), "the deletion")

    def ban(self, chat_id: str, channel_id: str, seconds: int | None) -> None:
        """Ban a chatter for good, or for `seconds` (a timeout)."""
        snippet: dict[str, Any] = {
            "liveChatId": chat_id,
            "type": "permanent" if seconds is None else "temporary",
            "bannedUserDetails": {"channelId": channel_id},
        }
        if seconds is not None:
            snippet["banDurationSeconds"] = max(1, seconds)
        self._execute(
            lambda yt: yt.liveChatBans().insert(part="snippet", body={"snippet": snippet}),
            "the ban",
        )


def poll_forever(
    chat: YouTubeLiveChat,
    chat_id: str,
    on_items: Callable[[list[dict[str, Any]]], None],
    stop: threading.Event,
    *,
    skip_backlog: bool = True,
    retry_seconds: float = 10.0,
) -> None:
    """Poll a chat until it ends or `stop`; the first page (messages from before we came) is
    skipped unless asked for. A refused poll (quota, an outage) is tried again later."""
    page_token: str | None = None
    first = True
    while not stop.is_set():
        try:
            page = chat.messages(chat_id, page_token)
        except YouTubeError as exc:
            log.warning("youtube chat poll failed", error=str(exc), retry_in=retry_seconds)
            if stop.wait(retry_seconds):
                return
            continue
        if page.ended:
            log.info("youtube chat ended", chat_id=chat_id)
            return
        if page.items and not (first and skip_backlog):
            on_items(page.items)
        first = False
        page_token = page.next_page_token or page_token
        if stop.wait(page.wait_seconds):
            return
