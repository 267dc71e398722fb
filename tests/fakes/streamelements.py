"""A protocol-level fake of StreamElements' Astro websocket: `subscribe` answered with a
`response` (or `err_unauthorized` for an unknown token), activities sent as `message`s on
the `channel.activities` topic, and a `reconnect` request on demand."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJjaGFubmVsIjoiNWQ3ZTEiLCJ1c2VyIjoiY3JlYXRvciJ9.c2lnbmF0dXJl"


class FakeAstro:
    def __init__(self, tokens: set[str] | None = None) -> None:
        self.tokens = tokens if tokens is not None else {JWT}
        self.subscriptions = 0
        self.refused = 0
        self._subscribers: list[ServerConnection] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: Server | None = None
        self.port = 0

    def __enter__(self) -> FakeAstro:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(timeout=5)
        return self

    def __exit__(self, *exc: object) -> None:
        async def shutdown() -> None:
            assert self._server is not None
            self._server.close()
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def _listen(self) -> None:
        self._server = await serve(self._session, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def activity(self, activity: dict[str, Any]) -> None:
        """Something happened on the channel."""
        message = {
            "id": "m1",
            "ts": "2026-11-26T19:00:00Z",
            "type": "message",
            "topic": "channel.activities",
            "room": "5d7e1",
            "data": activity,
        }
        asyncio.run_coroutine_threadsafe(self._broadcast(message), self._loop).result(timeout=5)

    def reconnect(self) -> None:
        """Astro asks its clients to reconnect (it is about to restart)."""
        asyncio.run_coroutine_threadsafe(self._broadcast({"type": "reconnect"}), self._loop).result(
            timeout=5
        )

    async def _broadcast(self, message: dict[str, Any]) -> None:
        for socket in list(self._subscribers):
            with contextlib.suppress(ConnectionClosed):
                await socket.send(json.dumps(message))

    async def _session(self, ws: ServerConnection) -> None:
        try:
            async for raw in ws:
                request = json.loads(raw)
                if request.get("type") != "subscribe":
                    continue
                data = request.get("data") or {}
                answer: dict[str, Any] = {
                    "id": "r1",
                    "ts": "2026-11-26T19:00:00Z",
                    "type": "response",
                    "nonce": request.get("nonce"),
                }
                if (
                    data.get("token") not in self.tokens
                    or data.get("topic") != "channel.activities"
                ):
                    self.refused += 1
                    answer |= {"error": "err_unauthorized", "data": {"message": "invalid token"}}
                else:
                    self.subscriptions += 1
                    self._subscribers.append(ws)
                    answer["data"] = {
                        "message": "successfully subscribed to topic",
                        "topic": data["topic"],
                    }
                await ws.send(json.dumps(answer))
        except ConnectionClosed:
            pass
        finally:
            if ws in self._subscribers:
                self._subscribers.remove(ws)
