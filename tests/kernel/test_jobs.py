"""Jobs: retries with a final give-up hook, on SQLite Huey and Redis Huey."""

from __future__ import annotations

import threading
import time
from typing import Any

from wavestack.kernel.jobs import JobQueue, RetryPolicy, make_huey


def test_retries_then_gives_up_once(settings: Any, namespace: str) -> None:
    jobs = JobQueue(make_huey(settings, name=namespace))
    attempts: list[int] = []
    gave_up: list[tuple[dict[str, Any], str]] = []
    done = threading.Event()

    def flaky(payload: dict[str, Any]) -> None:
        attempts.append(payload["n"])
        raise ConnectionError("still down")

    def give_up(payload: dict[str, Any], exc: Exception) -> None:
        gave_up.append((payload, str(exc)))
        done.set()

    jobs.register("test.flaky", flaky, RetryPolicy(retries=2, delay_seconds=0), on_give_up=give_up)
    jobs.enqueue("test.flaky", {"n": 7})
    consumer = jobs.consumer(workers=1, periodic=False)
    consumer.start()
    try:
        assert done.wait(20)
        time.sleep(0.5)  # nothing runs after giving up
    finally:
        consumer.stop(graceful=True)
        jobs.huey.flush()
    assert attempts == [7, 7, 7]
    assert gave_up == [({"n": 7}, "still down")]


def test_a_success_never_gives_up(settings: Any, namespace: str) -> None:
    jobs = JobQueue(make_huey(settings, immediate=True))
    ran: list[int] = []
    jobs.register("test.ok", lambda p: ran.append(p["n"]), on_give_up=lambda p, e: ran.append(-1))
    jobs.enqueue("test.ok", {"n": 1})
    assert ran == [1]
