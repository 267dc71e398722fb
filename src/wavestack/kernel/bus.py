"""The live event bus: best-effort real-time fan-out (websockets, dashboards) after dispatch.

Durable reactions go through the outbox and jobs instead; a listener here may miss an event
if its process is down.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

import redis

from wavestack.kernel.logging import get_logger
from wavestack.kernel.messages import Envelope

log = get_logger(__name__)
Listener = Callable[[Envelope], None]
# A listener that subscribed within this long may miss a message skipped for having no audience.
SUBSCRIBERS_TTL_SECONDS = 1.0


class LiveBus(Protocol):
    """Publish envelopes to every listening process; listeners must return quickly."""

    def publish(self, envelope: Envelope) -> None:
        """Send an envelope to all listeners, in this process and (when shared) in others."""

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Add a listener; returns a function that removes it."""

    def has_listeners(self) -> bool:
        """Tell whether anyone listens now (so a publisher may skip building a message)."""

    def close(self) -> None:
        """Stop background threads and connections."""


class _Listeners:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []

    def add(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return remove

    def __bool__(self) -> bool:
        return bool(self._listeners)

    def deliver(self, envelope: Envelope) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(envelope)
            except Exception:
                log.exception("live listener failed", event_type=envelope.type)


class InProcessBus:
    """Listeners in this process only: the embedded single-process mode."""

    def __init__(self) -> None:
        self._listeners = _Listeners()

    def publish(self, envelope: Envelope) -> None:
        """Call every listener in this process."""
        self._listeners.deliver(envelope)

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Add a listener."""
        return self._listeners.add(listener)

    def has_listeners(self) -> bool:
        """Whether a listener is registered in this process."""
        return bool(self._listeners)

    def close(self) -> None:
        """Nothing to release."""


class RedisBus:
    """Redis pub/sub shared by every process; local listeners are fed by one reader thread."""

    def __init__(self, url: str, *, channel: str) -> None:
        self._redis = redis.Redis.from_url(url)
        self._channel = channel
        self._listeners = _Listeners()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._start_lock = threading.Lock()
        self._subscribers_seen_at = -1e9
        self._subscribed = True

    def publish(self, envelope: Envelope) -> None:
        """Send to Redis; local listeners receive it back through the subscription."""
        self._redis.publish(self._channel, envelope.model_dump_json())

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Add a listener, starting the reader thread on first use."""
        remove = self._listeners.add(listener)
        with self._start_lock:
            if self._thread is None:
                ready = threading.Event()
                self._thread = threading.Thread(
                    target=self._read, args=(ready,), name="redis-bus", daemon=True
                )
                self._thread.start()
                ready.wait(5)
        return remove

    def has_listeners(self) -> bool:
        """Whether any process subscribes to the channel (asked of Redis at most once a second)."""
        if self._listeners:
            return True
        now = time.monotonic()
        if now - self._subscribers_seen_at >= SUBSCRIBERS_TTL_SECONDS:
            counts = self._redis.pubsub_numsub(self._channel)
            self._subscribed = bool(counts and counts[0][1])
            self._subscribers_seen_at = now
        return self._subscribed

    def _read(self, ready: threading.Event) -> None:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
        pubsub.subscribe(self._channel)
        ready.set()
        try:
            while not self._stop.is_set():
                message = pubsub.get_message(timeout=0.5)
                if message is None or message.get("type") != "message":
                    continue
                try:
                    envelope = Envelope.model_validate_json(message["data"])
                except ValueError:
                    log.warning("dropped malformed bus message")
                    continue
                self._listeners.deliver(envelope)
        finally:
            pubsub.close()

    def close(self) -> None:
        """Stop the reader thread and close the connection."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self._redis.close()
