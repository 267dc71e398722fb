"""The live message stream: announced messages, filtered, through a bounded buffer to one socket."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

import anyio.to_thread
from starlette import status
from starlette.websockets import WebSocket, WebSocketDisconnect

from wavestack.kernel.bus import LiveBus
from wavestack.kernel.logging import get_logger
from wavestack.kernel.messages import Envelope
from wavestack.services.social_ingest.service import MESSAGES_STORED

log = get_logger(__name__)

# Messages a subscriber may fall behind by before the oldest are dropped: one full ingest
# batch with room to spare, and at most about a megabyte of text per connection.
FEED_BUFFER = 2000


class MessageFeed:
    """Messages announced for one organization, as JSON text, for one subscriber.

    The bus calls listeners on its own threads; the feed hands matching messages to the event
    loop it was made on. A subscriber that falls behind loses the oldest messages rather than
    slowing the bus (and every other subscriber) down: the stream is live and best effort,
    and `GET /api/v1/messages` has them all.
    """

    def __init__(
        self,
        bus: LiveBus,
        *,
        org_id: str,
        platform: str | None = None,
        channel_id: str | None = None,
        size: int = FEED_BUFFER,
    ) -> None:
        self._bus = bus
        self._org_id = org_id
        self._platform = platform
        self._channel_id = channel_id
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[str] = asyncio.Queue(maxsize=size)
        self._remove: Callable[[], None] | None = None
        self.dropped = 0

    async def __aenter__(self) -> Self:
        # The first listener of a RedisBus starts its reader thread and subscribes: network
        # work that must not stall the event loop.
        self._remove = await anyio.to_thread.run_sync(self._bus.listen, self._on_envelope)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._remove is not None:
            self._remove()
            self._remove = None

    async def next(self) -> str:
        """Wait for the next message, as JSON text."""
        return await self._queue.get()

    def _wants(self, message: Any) -> bool:
        if not isinstance(message, dict):
            return False
        if self._platform is not None and message.get("platform") != self._platform:
            return False
        channel = message.get("channel")
        return self._channel_id is None or (
            isinstance(channel, dict) and channel.get("id") == self._channel_id
        )

    def _on_envelope(self, envelope: Envelope) -> None:
        # Runs on a bus thread: filter and encode here, leaving the event loop only the hand-off.
        if envelope.type != MESSAGES_STORED or envelope.org_id != self._org_id:
            return
        messages = envelope.data.get("messages")
        frames = [
            json.dumps(m, ensure_ascii=False, separators=(",", ":"))
            for m in (messages if isinstance(messages, list) else [])
            if self._wants(m)
        ]
        if frames:
            # The loop may have closed while this subscriber was leaving.
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._offer, frames)

    def _offer(self, frames: list[str]) -> None:
        for frame in frames:
            if self._queue.full():
                self._queue.get_nowait()
                self.dropped += 1
            self._queue.put_nowait(frame)


async def serve(websocket: WebSocket, feed: MessageFeed, *, expires_at: float) -> None:
    """Send the feed's messages until the client leaves or its token expires (then 1008)."""
    sender = asyncio.ensure_future(_send_all(websocket, feed))
    receiver = asyncio.ensure_future(_until_disconnect(websocket))
    expiry = asyncio.ensure_future(asyncio.sleep(max(0.0, expires_at - time.time())))
    done, pending = await asyncio.wait(
        {sender, receiver, expiry}, return_when=asyncio.FIRST_COMPLETED
    )
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    if feed.dropped:
        log.info("slow stream subscriber lost messages", dropped=feed.dropped)
    if sender in done:
        # The only way out of sending is a send that failed: the client is gone.
        with contextlib.suppress(WebSocketDisconnect, OSError, RuntimeError):
            sender.result()
    elif expiry in done:
        with contextlib.suppress(WebSocketDisconnect, OSError, RuntimeError):
            await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason="token expired")


async def _send_all(websocket: WebSocket, feed: MessageFeed) -> None:
    while True:
        await websocket.send_text(await feed.next())


async def _until_disconnect(websocket: WebSocket) -> None:
    # Nothing a client sends means anything; reading is how a departure is noticed while idle.
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass
