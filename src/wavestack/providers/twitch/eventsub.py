"""Twitch EventSub over a websocket: the welcome, subscribing within its grace period, keepalives,
`session_reconnect` to a new URL without losing subscriptions, repeats dropped, and a fresh
session (subscribed again) after a drop or a silence longer than the keepalive.

A reader thread owns the socket; notifications reach `on_notification` in that thread.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import ClientConnection, connect

log = structlog.get_logger(__name__)

# What each subscription is: its version and the condition fields, filled with the
# broadcaster's id or the bot account's (the chat reader, the moderator).
SUBSCRIPTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "channel.chat.message": ("1", ("broadcaster_user_id", "user_id")),
    "channel.chat.message_delete": ("1", ("broadcaster_user_id", "user_id")),
    "channel.subscribe": ("1", ("broadcaster_user_id",)),
    "channel.subscription.message": ("1", ("broadcaster_user_id",)),
    "channel.subscription.gift": ("1", ("broadcaster_user_id",)),
    "channel.cheer": ("1", ("broadcaster_user_id",)),
    "channel.raid": ("1", ("to_broadcaster_user_id",)),
    "channel.follow": ("2", ("broadcaster_user_id", "moderator_user_id")),
    "stream.online": ("1", ("broadcaster_user_id",)),
    "stream.offline": ("1", ("broadcaster_user_id",)),
}
REMEMBERED_IDS = 2000  # Twitch may deliver a notification twice; ids seen lately are dropped


def condition(kind: str, broadcaster_id: str, bot_id: str) -> dict[str, str]:
    """A subscription's condition for a channel read (and moderated) by the bot account."""
    _, fields = SUBSCRIPTIONS[kind]
    return {name: broadcaster_id if "broadcaster" in name else bot_id for name in fields}


@dataclass(frozen=True)
class Notification:
    """One EventSub notification."""

    kind: str  # the subscription type, e.g. channel.chat.message
    message_id: str
    at: datetime
    event: dict[str, Any]


class EventSubSocket:
    """Keeps one EventSub websocket session alive and hands its notifications on."""

    def __init__(
        self,
        url: str,
        *,
        on_session: Callable[[str], None],
        on_notification: Callable[[Notification], None],
        grace: float = 5.0,
        backoff: tuple[float, float] = (1.0, 60.0),
        open_timeout: float = 10.0,
    ) -> None:
        self.url = url
        self._on_session = on_session  # subscribe everything to this new session id
        self._on_notification = on_notification
        self._grace = grace
        self._backoff = backoff
        self._open_timeout = open_timeout
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._socket: ClientConnection | None = None
        self._seen: deque[str] = deque(maxlen=REMEMBERED_IDS)
        self._seen_set: set[str] = set()
        self.session_id = ""
        self.sessions = 0  # sessions welcomed so far
        self.ready = threading.Event()

    def start(self) -> None:
        """Run in a thread of its own until `stop`."""
        self._thread = threading.Thread(target=self._run, name="twitch-eventsub", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Close the session."""
        self._stop.set()
        socket = self._socket
        if socket is not None:
            socket.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        delay = self._backoff[0]
        url, carried = self.url, False
        while not self._stop.is_set():
            try:
                socket, keepalive = self._open(url)
            except (OSError, InvalidHandshake, InvalidURI, TimeoutError, ValueError) as exc:
                log.info("eventsub connect failed", error=str(exc), retry_in=delay)
                if self._stop.wait(delay):
                    return
                delay = min(delay * 2, self._backoff[1])
                url, carried = self.url, False
                continue
            delay = self._backoff[0]
            old, self._socket = self._socket, socket
            if old is not None:
                self._drain(old)  # what the old session still delivered, then close it
            if not carried:
                try:
                    self._on_session(self.session_id)
                except Exception:
                    log.exception("eventsub subscribing failed; starting a new session")
                    socket.close()
                    continue
            self.ready.set()
            url, carried = self._listen(socket, keepalive)

    def _open(self, url: str) -> tuple[ClientConnection, float]:
        socket = connect(url, open_timeout=self._open_timeout, close_timeout=1.0, legacy=True)
        try:
            welcome = json.loads(socket.recv(timeout=self._open_timeout))
        except (ConnectionClosed, TimeoutError, ValueError):
            socket.close()
            raise ValueError("no session_welcome from EventSub") from None
        if welcome.get("metadata", {}).get("message_type") != "session_welcome":
            socket.close()
            raise ValueError("EventSub did not start with session_welcome")
        session = welcome["payload"]["session"]
        self.session_id = str(session["id"])
        self.sessions += 1
        return socket, float(session.get("keepalive_timeout_seconds") or 10)

    def _listen(self, socket: ClientConnection, keepalive: float) -> tuple[str, bool]:
        """Read until the session ends; returns where to connect next and whether the
        subscriptions carry over (a `session_reconnect`)."""
        while not self._stop.is_set():
            try:
                raw = socket.recv(timeout=keepalive + self._grace)
            except TimeoutError:
                log.warning("eventsub went silent past its keepalive; new session")
                socket.close()
                return self.url, False
            except ConnectionClosed as exc:
                code = exc.rcvd.code if exc.rcvd is not None else 1006
                log.info("eventsub closed", code=code)
                return self.url, False
            try:
                message = json.loads(raw)
                kind = message["metadata"]["message_type"]
            except (ValueError, KeyError, TypeError):
                log.warning("eventsub sent something unreadable; ignored")
                continue
            if kind == "notification":
                self._deliver(message)
            elif kind == "session_reconnect":
                return str(message["payload"]["session"]["reconnect_url"]), True
            elif kind == "revocation":
                sub = message.get("payload", {}).get("subscription", {})
                log.warning(
                    "eventsub subscription revoked", type=sub.get("type"), why=sub.get("status")
                )
        return self.url, False

    def _drain(self, old: ClientConnection) -> None:
        while True:
            try:
                raw = old.recv(timeout=0)
            except (TimeoutError, ConnectionClosed):
                break
            try:
                message = json.loads(raw)
            except ValueError:
                continue
            if message.get("metadata", {}).get("message_type") == "notification":
                self._deliver(message)
        old.close()

    def _deliver(self, message: dict[str, Any]) -> None:
        metadata = message["metadata"]
        message_id = str(metadata.get("message_id", ""))
        if message_id in self._seen_set:
            return
        if len(self._seen) == self._seen.maxlen:
            self._seen_set.discard(self._seen[0])
        self._seen.append(message_id)
        self._seen_set.add(message_id)
        notification = Notification(
            kind=str(metadata.get("subscription_type", "")),
            message_id=message_id,
            at=parse_time(str(metadata.get("message_timestamp", ""))),
            event=dict(message.get("payload", {}).get("event") or {}),
        )
        try:
            self._on_notification(notification)
        except Exception:
            log.exception("handling an eventsub notification failed", type=notification.kind)


def parse_time(stamp: str) -> datetime:
    """Twitch's RFC 3339 times, whose fractions run to nanoseconds (now, when unreadable)."""
    text = stamp.strip().replace("Z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{head}.{rest[:digits][:6].ljust(6, '0')}{rest[digits:]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return datetime.now(UTC)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
