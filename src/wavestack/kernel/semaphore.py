"""Counting semaphores by name: at most `limit` holders of a name at once. In one process,
or, with Redis, across every process of an install; a Redis holder that dies without
releasing frees its place when its lease runs out."""

from __future__ import annotations

import secrets
import threading
import time
from typing import Protocol

import redis

# Expired leases out, then a place if one is free: atomic on the server.
_ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  return 1
end
return 0
"""


class Semaphores(Protocol):
    """Places by name, taken without waiting."""

    def acquire(self, name: str, limit: int) -> str | None:
        """A ticket for a place under `name`, or None when `limit` are taken."""

    def release(self, name: str, ticket: str) -> None:
        """Give a place back."""


class LocalSemaphores:
    """Places counted in this process."""

    def __init__(self) -> None:
        self._held: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def acquire(self, name: str, limit: int) -> str | None:
        with self._lock:
            held = self._held.setdefault(name, set())
            if len(held) >= limit:
                return None
            ticket = secrets.token_hex(8)
            held.add(ticket)
            return ticket

    def release(self, name: str, ticket: str) -> None:
        with self._lock:
            self._held.get(name, set()).discard(ticket)


class RedisSemaphores:
    """Places counted in Redis, shared by every process; each is leased for `lease_seconds`
    (longer than any holder keeps one) so a crashed holder cannot keep it for good."""

    def __init__(self, url: str, *, prefix: str, lease_seconds: float = 1800.0) -> None:
        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix
        self._lease_ms = int(lease_seconds * 1000)
        self._acquire = self._redis.register_script(_ACQUIRE)

    def acquire(self, name: str, limit: int) -> str | None:
        now = int(time.time() * 1000)
        ticket = secrets.token_hex(8)
        took = self._acquire(
            keys=[f"{self._prefix}:{name}"],
            args=[now, limit, now + self._lease_ms, ticket, self._lease_ms],
        )
        return ticket if int(took) == 1 else None

    def release(self, name: str, ticket: str) -> None:
        self._redis.zrem(f"{self._prefix}:{name}", ticket)
