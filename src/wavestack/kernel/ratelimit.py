"""Fixed-window request limits per client and area: in memory, or shared through Redis."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Protocol

import redis


@dataclass(frozen=True)
class Quota:
    """The outcome of counting one request."""

    allowed: bool
    limit: int
    remaining: int
    reset_at: int  # Unix seconds when the window ends

    def headers(self) -> dict[str, str]:
        """Return the `X-RateLimit-*` headers (plus `Retry-After` when refused)."""
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_at),
        }
        if not self.allowed:
            headers["Retry-After"] = str(max(1, self.reset_at - int(time.time())))
        return headers


class RateLimiter(Protocol):
    """Count a request against `limit` per `window` seconds for `key`."""

    def hit(self, key: str, *, limit: int, window: int = 60) -> Quota:
        """Count one request and say whether it is allowed."""


class MemoryRateLimiter:
    """Counters in this process: right for the single-process embedded mode."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, int], int] = {}
        self._swept_window = 0

    def hit(self, key: str, *, limit: int, window: int = 60) -> Quota:
        """Count one request in the current window."""
        now = int(time.time())
        start = now - now % window
        with self._lock:
            if start != self._swept_window:
                # Drop counters of finished windows so memory stays bounded.
                self._counts = {k: v for k, v in self._counts.items() if k[1] >= start}
                self._swept_window = start
            count = self._counts.get((key, start), 0) + 1
            self._counts[(key, start)] = count
        return Quota(count <= limit, limit, max(0, limit - count), start + window)


class RedisRateLimiter:
    """Counters in Redis, shared by every API process."""

    def __init__(self, url: str, *, prefix: str) -> None:
        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix

    def hit(self, key: str, *, limit: int, window: int = 60) -> Quota:
        """Count one request with INCR; the key expires with its window."""
        now = int(time.time())
        start = now - now % window
        name = f"{self._prefix}:{key}:{start}"
        pipe = self._redis.pipeline()
        pipe.incr(name)
        pipe.expire(name, window + 5)
        count = int(pipe.execute()[0])
        return Quota(count <= limit, limit, max(0, limit - count), start + window)
