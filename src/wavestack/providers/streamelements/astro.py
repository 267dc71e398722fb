"""StreamElements' Astro websocket: subscribe to the channel's activities (tips, follows, subs,
cheers, raids, merch) with the account's JWT, hand each activity on, and reconnect with
backoff when the socket drops (a refused token is final)."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable
from typing import Any

import structlog
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import connect

log = structlog.get_logger(__name__)
TOPIC = "channel.activities"


class AstroFeed:
    """One StreamElements channel's activities, in a thread of its own."""

    def __init__(
        self,
        token: str,
        on_activity: Callable[[dict[str, Any]], None],
        *,
        url: str = "wss://astro.streamelements.com",
        token_type: str = "jwt",  # noqa: S107 - the kind of token, not one
        backoff: tuple[float, float] = (1.0, 60.0),
    ) -> None:
        self.url = url
        self._token = token
        self._token_type = token_type
        self._on_activity = on_activity
        self._backoff = backoff
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="streamelements", daemon=True)
        self.subscribed = threading.Event()
        self.failure = ""

    def start(self) -> None:
        """Connect and listen in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Disconnect."""
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        delay = self._backoff[0]
        while not self._stop.is_set():
            try:
                with connect(self.url, open_timeout=10, close_timeout=1) as socket:
                    nonce = secrets.token_hex(8)
                    socket.send(
                        json.dumps(
                            {
                                "type": "subscribe",
                                "nonce": nonce,
                                "data": {
                                    "topic": TOPIC,
                                    "token": self._token,
                                    "token_type": self._token_type,
                                },
                            }
                        )
                    )
                    delay = self._backoff[0]
                    if self._listen(socket, nonce) == "refused":
                        return
            except (OSError, InvalidHandshake, InvalidURI, TimeoutError, ConnectionClosed) as exc:
                log.info("streamelements connection lost", error=str(exc), retry_in=delay)
            self.subscribed.clear()
            if self._stop.wait(delay):
                return
            delay = min(delay * 2, self._backoff[1])

    def _listen(self, socket: Any, nonce: str) -> str:
        while not self._stop.is_set():
            try:
                raw = socket.recv(timeout=1.0)
            except TimeoutError:
                continue
            try:
                message = json.loads(raw)
            except ValueError:
                continue
            kind = message.get("type")
            if kind == "response" and message.get("nonce") == nonce:
                if message.get("error"):
                    self.failure = f"StreamElements refused the token ({message['error']})"
                    log.warning("streamelements refused", error=message["error"])
                    return "refused"
                self.subscribed.set()
            elif kind == "message" and message.get("topic") == TOPIC:
                try:
                    self._on_activity(dict(message.get("data") or {}))
                except Exception:
                    log.exception("handling a streamelements activity failed")
            elif kind == "reconnect":
                return "reconnect"
        return "stopped"
