"""Named semaphores: a place per holder up to the limit, in one process or across all of
them through Redis, where a holder that never releases loses its place when its lease ends."""

from __future__ import annotations

import os
import time

import pytest

from wavestack.kernel.ids import new_id
from wavestack.kernel.semaphore import LocalSemaphores, RedisSemaphores

REDIS_URL = os.environ.get("WAVESTACK_TEST_REDIS_URL")


def test_local_places_are_counted_and_given_back() -> None:
    places = LocalSemaphores()
    first, second = places.acquire("x", 2), places.acquire("x", 2)
    assert first is not None
    assert second not in (None, first)
    assert places.acquire("x", 2) is None
    assert places.acquire("youtube", 1) is not None  # names are apart
    places.release("x", first)
    assert places.acquire("x", 2) is not None


@pytest.mark.skipif(not REDIS_URL, reason="WAVESTACK_TEST_REDIS_URL is not set")
def test_redis_places_are_shared_and_leased() -> None:
    assert REDIS_URL is not None
    prefix = f"wstest-{new_id()[-12:]}"
    one = RedisSemaphores(REDIS_URL, prefix=prefix, lease_seconds=0.3)
    other = RedisSemaphores(REDIS_URL, prefix=prefix, lease_seconds=0.3)  # another process
    held = one.acquire("youtube", 1)
    assert held is not None
    assert other.acquire("youtube", 1) is None
    one.release("youtube", held)
    crashed = other.acquire("youtube", 1)
    assert crashed is not None  # and never released
    time.sleep(0.4)
    assert one.acquire("youtube", 1) is not None  # its lease ran out
