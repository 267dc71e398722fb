"""Streamlabs' Socket API: a Socket.IO 2 server (Engine.IO protocol 3) that pushes the
account's alerts (donations, follows, subs, bits, raids, merch...) as `event` messages.

Spoken directly over a websocket: the current python-socketio speaks only Engine.IO 4, and
the protocol needs little: the server opens (`0{...}` with its ping interval), connects the
namespace (`40`) or refuses the token (`44...`), the client pings (`2`) and the server
pongs (`3`), and events arrive as `42["event", {...}]`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import structlog
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import ClientConnection, connect

log = structlog.get_logger(__name__)
OPEN, CLOSE, PING, PONG, MESSAGE = "0", "1", "2", "3", "4"
CONNECT, DISCONNECT, EVENT, ERROR = "0", "1", "2", "4"


class StreamlabsRefused(Exception):
    """The Socket API refused the token."""


class StreamlabsSocket:
    """One account's alerts, in a thread of its own; reconnects with backoff when the socket
    drops or stops answering pings (a refused token is final)."""

    def __init__(
        self,
        token: str,
        on_event: Callable[[dict[str, Any]], None],
        *,
        url: str = "wss://sockets.streamlabs.com",
        backoff: tuple[float, float] = (1.0, 60.0),
    ) -> None:
        self._address = (
            f"{url.rstrip('/')}/socket.io/?EIO=3&transport=websocket&token={quote(token)}"
        )
        self._on_event = on_event
        self._backoff = backoff
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="streamlabs", daemon=True)
        self.connected = threading.Event()
        self.connections = 0
        self.failure = ""

    def start(self) -> None:
        """Connect and listen in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Disconnect."""
        self._stop.set()
        self._thread.join(timeout=10)

    def check(self, timeout: float = 15.0) -> None:
        """Connect once to see the token accepted (raises StreamlabsRefused or OSError)."""
        with connect(self._address, open_timeout=timeout, close_timeout=1) as socket:
            _handshake(socket, timeout)

    def _run(self) -> None:
        delay = self._backoff[0]
        while not self._stop.is_set():
            try:
                with connect(self._address, open_timeout=10, close_timeout=1) as socket:
                    ping_every, ping_wait = _handshake(socket, 10.0)
                    self.connections += 1
                    self.connected.set()
                    delay = self._backoff[0]
                    self._listen(socket, ping_every, ping_wait)
            except StreamlabsRefused as exc:
                self.failure = f"Streamlabs refused the socket token ({exc})"
                log.warning("streamlabs refused the token", error=str(exc))
                return
            except (OSError, InvalidHandshake, InvalidURI, TimeoutError, ConnectionClosed) as exc:
                log.info("streamlabs connection lost", error=str(exc), retry_in=delay)
            self.connected.clear()
            if self._stop.wait(delay):
                return
            delay = min(delay * 2, self._backoff[1])

    def _listen(self, socket: ClientConnection, ping_every: float, ping_wait: float) -> None:
        next_ping = time.monotonic() + ping_every
        waiting_since: float | None = None
        while not self._stop.is_set():
            now = time.monotonic()
            if waiting_since is not None and now - waiting_since > ping_wait:
                raise TimeoutError("Streamlabs stopped answering pings")
            if now >= next_ping:
                socket.send(PING)
                next_ping, waiting_since = now + ping_every, waiting_since or now
            try:
                raw = socket.recv(timeout=min(1.0, max(0.05, next_ping - now)))
            except TimeoutError:
                continue
            packet = raw if isinstance(raw, str) else raw.decode()
            if packet == PONG:
                waiting_since = None
            elif packet == CLOSE or packet.startswith(MESSAGE + DISCONNECT):
                return
            elif packet.startswith(MESSAGE + EVENT):
                self._event(packet[2:])

    def _event(self, body: str) -> None:
        try:
            name, payload = json.loads(body)[:2]
        except (ValueError, TypeError):
            return
        if name != "event" or not isinstance(payload, dict):
            return
        try:
            self._on_event(payload)
        except Exception:
            log.exception("handling a streamlabs event failed", type=payload.get("type"))


def _handshake(socket: ClientConnection, timeout: float) -> tuple[float, float]:
    """Read the Engine.IO open and the namespace's connect; returns the ping interval and
    how long to wait for a pong, in seconds."""
    deadline = time.monotonic() + timeout
    ping_every, ping_wait = 25.0, 60.0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("Streamlabs did not connect the socket in time")
        raw = socket.recv(timeout=left)
        packet = raw if isinstance(raw, str) else raw.decode()
        if packet.startswith(OPEN):
            opened = json.loads(packet[1:])
            ping_every = float(opened.get("pingInterval", 25000)) / 1000
            ping_wait = float(opened.get("pingTimeout", 60000)) / 1000
        elif packet.startswith(MESSAGE + CONNECT):
            return ping_every, ping_wait
        elif packet.startswith(MESSAGE + ERROR):
            raise StreamlabsRefused(packet[2:].strip('"') or "refused")
