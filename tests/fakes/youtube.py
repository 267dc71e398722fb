"""A protocol-level fake of the YouTube Data API v3's live chat: liveBroadcasts (the active
one), liveChat/messages (pages with `nextPageToken` and `pollingIntervalMillis`, insert,
delete), liveChat/bans, bearer tokens checked (401), and Google's error shape with reasons
(liveChatEnded, quotaExceeded)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx

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
        if (request.method, path) == ("POST", "/liveChat/bans"):
            self.bans.append(body["snippet"])
            return httpx.Response(200, json={"id": "ban1", "snippet": body["snippet"]})
        return _error(404, "notFound", f"{request.method} {path}")


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
