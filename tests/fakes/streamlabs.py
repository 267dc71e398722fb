"""A protocol-level fake of Streamlabs' Socket API: Socket.IO 2 over Engine.IO 3 on a real
websocket (`0{...}` open with the ping interval, `40` for a known token or `44` for another,
pings answered with pongs unless told to go quiet, alerts sent as `42["event", {...}]`)."""

from __future__ import annotations

import contextlib
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from fakes.ws import LoopServer

SOCKET_TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.fake-socket-token"


class FakeSocketApi(LoopServer):
    def __init__(self, ping_interval_ms: int = 25000, ping_timeout_ms: int = 60000) -> None:
        super().__init__()
        self.tokens = {SOCKET_TOKEN}
        self.ping_interval_ms = ping_interval_ms
        self.ping_timeout_ms = ping_timeout_ms
        self.quiet = False  # stop answering pings
        self.pings = 0
        self.refused = 0
        self.connections = 0
        self._sockets: set[ServerConnection] = set()

    def refuse(self, request: Request) -> Response | None:
        query = parse_qs(urlsplit(request.path).query)
        if urlsplit(request.path).path != "/socket.io/" or query.get("EIO") != ["3"]:
            body = b'{"code":5,"message":"Unsupported protocol version"}'
            return Response(400, "Bad Request", Headers(), body)
        return None

    async def session(self, socket: ServerConnection) -> None:
        assert socket.request is not None
        token = parse_qs(urlsplit(socket.request.path).query).get("token", [""])[0]
        opened = {
            "sid": f"sid{self.connections}",
            "upgrades": [],
            "pingInterval": self.ping_interval_ms,
            "pingTimeout": self.ping_timeout_ms,
        }
        await socket.send("0" + json.dumps(opened))
        if token not in self.tokens:
            self.refused += 1
            await socket.send('44"Unauthorized"')
            await socket.close()
            return
        self.connections += 1
        await socket.send("40")
        self._sockets.add(socket)
        try:
            async for packet in socket:
                if packet == "2":
                    self.pings += 1
                    if not self.quiet:
                        await socket.send("3")
        except ConnectionClosed:
            pass
        finally:
            self._sockets.discard(socket)

    def event(self, payload: dict[str, Any]) -> None:
        """An alert for every connected socket."""

        async def send() -> None:
            for socket in list(self._sockets):
                with contextlib.suppress(ConnectionClosed):
                    await socket.send("42" + json.dumps(["event", payload]))

        self.call(send())

    def drop(self) -> None:
        """Close every connection without a goodbye."""

        async def close() -> None:
            for socket in list(self._sockets):
                self._sockets.discard(socket)
                socket.transport.abort()

        self.call(close())

    @property
    def connected(self) -> int:
        return len(self._sockets)
