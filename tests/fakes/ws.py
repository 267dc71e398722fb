"""A websocket server on an event loop in a thread of its own, for fakes driven from sync
tests: start and stop with `with`, run coroutines on its loop with `call`."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Self

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response


class LoopServer:
    """Subclasses implement `session` (one connection) and may refuse upgrades in `refuse`."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: Server | None = None
        self.port = 0

    async def session(self, socket: ServerConnection) -> None:
        raise NotImplementedError

    def refuse(self, request: Request) -> Response | None:
        """An HTTP answer instead of the upgrade (None: accept)."""
        return None

    def __enter__(self) -> Self:
        self._thread.start()
        self.call(self._listen())
        return self

    def __exit__(self, *exc: object) -> None:
        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()

        self.call(shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def call(self, work: Any) -> Any:
        """Run a coroutine on the server's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=5)

    async def _listen(self) -> None:
        self._server = await serve(
            self.session, "127.0.0.1", 0, process_request=lambda _c, r: self.refuse(r)
        )
        self.port = self._server.sockets[0].getsockname()[1]
