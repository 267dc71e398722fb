"""What the bots say and do on a platform, sent from a thread of its own in order, with chat
messages kept under the platform's rate (Twitch: 20 per 30 s, 100 as a moderator).

The chat pipeline hands work over and goes on; a slow or failing platform call delays only
what comes after it on the same platform, and its failure is logged.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Callable

import structlog

log = structlog.get_logger(__name__)


class Outbox:
    """A worker thread with a sliding-window limit on the chat messages it sends."""

    def __init__(
        self,
        name: str,
        *,
        limit: int,
        window: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = name
        self.limit = limit
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._work: queue.Queue[tuple[Callable[[], object], bool, str] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=f"outbox-{name}", daemon=True)
        self._thread.start()
        self.failures = 0

    def message(self, send: Callable[[], object], what: str = "chat message") -> None:
        """Queue a chat message (counted against the rate)."""
        self._work.put((send, True, what))

    def action(self, act: Callable[[], object], what: str) -> None:
        """Queue an action (a deletion, a timeout): not counted against the chat rate."""
        self._work.put((act, False, what))

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until everything queued so far went out (tests, shutdown)."""
        done = threading.Event()
        self._work.put((done.set, False, "flush"))
        done.wait(timeout)

    def close(self) -> None:
        """Send what is queued, then stop."""
        self._work.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            item = self._work.get()
            if item is None:
                return
            work, counted, what = item
            if counted:
                self._wait_for_room()
            try:
                work()
            except Exception as exc:
                self.failures += 1
                log.warning("platform call failed", outbox=self.name, what=what, error=str(exc))

    def _wait_for_room(self) -> None:
        now = self._clock()
        while self._sent and now - self._sent[0] >= self.window:
            self._sent.popleft()
        if len(self._sent) >= self.limit:
            self._sleep(self.window - (now - self._sent[0]))
            now = self._clock()
            self._sent.popleft()
        self._sent.append(now)
