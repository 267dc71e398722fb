"""Twitch's Helix API: the calls the bots make, with the user token refreshed on 401 and a
429 waited out until `Ratelimit-Reset`.

Every call acts for the connected account (a user access token): chat messages are sent as
that account, and moderation and channel changes need its scopes (a title change with an
app token fails; the seed made that mistake).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from wavestack.providers.chat.port import PlatformError

MAX_RATE_WAIT = 60.0  # a longer wait than this fails the call instead of stalling the bot
TokenSource = Callable[[bool], str]  # force a refresh? -> a user access token


class TwitchError(PlatformError):
    """Twitch refused a call; the message is safe to show in chat."""

    def __init__(self, message: str, *, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class TwitchUser:
    """A Twitch account."""

    id: str
    login: str
    display_name: str


class Helix:
    """A Helix client for one connected account."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        client_id: str,
        token: TokenSource,
        base_url: str = "https://api.twitch.tv/helix",
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._http = http
        self._client_id = client_id
        self._token = token
        self._base = base_url.rstrip("/")
        self._sleep = sleep
        self._clock = clock

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        attempts: int = 3,
    ) -> dict[str, Any]:
        """One Helix call; the JSON answer (empty for 204)."""
        refreshed = False
        for _ in range(attempts):
            response = self._send(method, path, params, body, force_refresh=False)
            if response.status_code == 401 and not refreshed:
                refreshed = True
                response = self._send(method, path, params, body, force_refresh=True)
            if response.status_code == 429:
                self._wait_for_reset(response)
                continue
            return _answer(response)
        raise TwitchError("Twitch is rate limiting us; try again in a minute", status=429)

    def _send(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        body: dict[str, Any] | None,
        *,
        force_refresh: bool,
    ) -> httpx.Response:
        headers = {
            "Authorization": f"Bearer {self._token(force_refresh)}",
            "Client-Id": self._client_id,
        }
        try:
            return self._http.request(
                method, f"{self._base}{path}", params=params, json=body, headers=headers
            )
        except httpx.HTTPError as exc:
            raise TwitchError(f"Twitch is unreachable ({exc.__class__.__name__})") from exc

    def _wait_for_reset(self, response: httpx.Response) -> None:
        reset = response.headers.get("Ratelimit-Reset", "")
        wait = float(reset) - self._clock() if reset.isdigit() else 1.0
        if wait > MAX_RATE_WAIT:
            raise TwitchError("Twitch is rate limiting us; try again in a minute", status=429)
        self._sleep(max(0.0, wait))

    # -- accounts and streams ------------------------------------------------------------

    def users(self, logins: list[str] | None = None) -> list[TwitchUser]:
        """Accounts by login; without logins, the token's own account."""
        params = {"login": logins} if logins else None
        found = self.call("GET", "/users", params=params)["data"]
        return [TwitchUser(u["id"], u["login"], u["display_name"]) for u in found]

    def user(self, login: str) -> TwitchUser:
        """One account by login (a leading @ is fine)."""
        found = self.users([login.lstrip("@").lower()])
        if not found:
            raise TwitchError(f"there is no Twitch user {login.lstrip('@')}")
        return found[0]

    def stream(self, user_id: str) -> dict[str, Any] | None:
        """The live stream of a channel, or None when it is offline."""
        live = self.call("GET", "/streams", params={"user_id": user_id})["data"]
        return live[0] if live else None

    def channel(self, broadcaster_id: str) -> dict[str, Any]:
        """A channel's title and category."""
        found = self.call("GET", "/channels", params={"broadcaster_id": broadcaster_id})["data"]
        if not found:
            raise TwitchError("that channel does not exist")
        return dict(found[0])

    # -- chat and moderation -------------------------------------------------------------

    def send_chat(
        self, broadcaster_id: str, sender_id: str, text: str, *, reply_to: str | None = None
    ) -> str:
        """Post in chat; returns the message id. A message Twitch drops is an error."""
        body = {"broadcaster_id": broadcaster_id, "sender_id": sender_id, "message": text[:500]}
        if reply_to:
            body["reply_parent_message_id"] = reply_to
        sent = self.call("POST", "/chat/messages", body=body)["data"][0]
        if not sent.get("is_sent"):
            reason = (sent.get("drop_reason") or {}).get("message", "dropped")
            raise TwitchError(f"Twitch dropped the message: {reason}")
        return str(sent.get("message_id", ""))

    def delete_message(self, broadcaster_id: str, moderator_id: str, message_id: str) -> None:
        """Remove a chat message."""
        self.call(
            "DELETE",
            "/moderation/chat",
            params={
                "broadcaster_id": broadcaster_id,
                "moderator_id": moderator_id,
                "message_id": message_id,
            },
        )

    def ban(
        self,
        broadcaster_id: str,
        moderator_id: str,
        user_id: str,
        *,
        seconds: int | None,
        reason: str,
    ) -> None:
        """Ban a user, or time them out for `seconds` (1 to 1,209,600)."""
        data: dict[str, Any] = {"user_id": user_id, "reason": reason[:500]}
        if seconds is not None:
            data["duration"] = max(1, min(seconds, 1_209_600))
        self.call(
            "POST",
            "/moderation/bans",
            params={"broadcaster_id": broadcaster_id, "moderator_id": moderator_id},
            body={"data": data},
        )

    # -- the channel ---------------------------------------------------------------------

    def modify_channel(
        self, broadcaster_id: str, *, title: str | None = None, game_id: str | None = None
    ) -> None:
        """Change the title or the category (needs the broadcaster's own token)."""
        body: dict[str, Any] = {}
        if title is not None:
            body["title"] = title[:140]
        if game_id is not None:
            body["game_id"] = game_id
        self.call("PATCH", "/channels", params={"broadcaster_id": broadcaster_id}, body=body)

    def game(self, name: str) -> tuple[str, str]:
        """A category's id and exact name."""
        found = self.call("GET", "/games", params={"name": name})["data"]
        if not found:
            raise TwitchError(f"Twitch has no category called {name!r}")
        return str(found[0]["id"]), str(found[0]["name"])

    def shoutout(self, broadcaster_id: str, moderator_id: str, to_id: str) -> None:
        """Twitch's own shoutout (a card in chat)."""
        self.call(
            "POST",
            "/chat/shoutouts",
            params={
                "from_broadcaster_id": broadcaster_id,
                "to_broadcaster_id": to_id,
                "moderator_id": moderator_id,
            },
        )

    def start_raid(self, broadcaster_id: str, to_id: str) -> None:
        """Send the viewers to another channel."""
        self.call(
            "POST",
            "/raids",
            params={"from_broadcaster_id": broadcaster_id, "to_broadcaster_id": to_id},
        )

    def create_clip(self, broadcaster_id: str) -> str:
        """A clip of the live stream; returns its id (Twitch finishes it in ~15 s)."""
        made = self.call("POST", "/clips", params={"broadcaster_id": broadcaster_id})["data"]
        return str(made[0]["id"])

    def create_poll(self, broadcaster_id: str, title: str, choices: list[str], seconds: int) -> str:
        """A native Twitch poll (2-5 choices, 15-1800 s); returns its id."""
        made = self.call(
            "POST",
            "/polls",
            body={
                "broadcaster_id": broadcaster_id,
                "title": title[:60],
                "choices": [{"title": c[:25]} for c in choices[:5]],
                "duration": max(15, min(seconds, 1800)),
            },
        )["data"]
        return str(made[0]["id"])

    def subscribe(self, kind: str, version: str, condition: dict[str, str], session_id: str) -> str:
        """An EventSub subscription delivered to a websocket session; returns its id."""
        made = self.call(
            "POST",
            "/eventsub/subscriptions",
            body={
                "type": kind,
                "version": version,
                "condition": condition,
                "transport": {"method": "websocket", "session_id": session_id},
            },
        )["data"]
        return str(made[0]["id"])


def started_at(stream: dict[str, Any]) -> datetime:
    """When a live stream started (Helix gives RFC 3339 with a Z)."""
    return datetime.fromisoformat(str(stream["started_at"]).replace("Z", "+00:00"))


def _answer(response: httpx.Response) -> dict[str, Any]:
    if response.status_code == 204:
        return {}
    try:
        body: dict[str, Any] = response.json()
    except ValueError:
        body = {}
    if response.is_success:
        return body
    message = body.get("message") or response.reason_phrase
    if response.status_code == 401:
        message = f"Twitch refused our token ({message}); connect Twitch again"
    elif response.status_code == 403:
        message = f"not allowed on Twitch: {message}"
    raise TwitchError(str(message), status=response.status_code)
