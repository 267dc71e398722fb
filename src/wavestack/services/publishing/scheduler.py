"""The publishing scheduler: every second or so, claim the queue items that are due and
queue their publish jobs. Several schedulers may run (on PostgreSQL the claim skips rows
another one holds); a full batch is followed at once by the next."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from wavestack.kernel.clock import utcnow
from wavestack.kernel.logging import get_logger
from wavestack.kernel.uow import UnitOfWork
from wavestack.services.publishing.service import claim_and_queue
from wavestack.services.publishing.settings import PublishingSettings

log = get_logger(__name__)


class PublishScheduler:
    """Claims due queue items in a thread of its own."""

    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        settings: PublishingSettings | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.uow = uow
        self.settings = settings or PublishingSettings()
        self.clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="publish-scheduler", daemon=True)

    def run_once(self) -> int:
        """Claim what is due now; returns how many items were claimed."""
        return claim_and_queue(self.uow(), now=self.clock(), limit=self.settings.batch)

    def start(self) -> None:
        """Claim in the background until stopped."""
        self._thread.start()

    def stop(self) -> None:
        """Stop claiming (what was claimed is already queued)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        wait = 0.0
        while not self._stop.wait(wait):
            try:
                claimed = self.run_once()
            except Exception:
                # A database hiccup must not end scheduling: try again next time.
                log.exception("claiming due queue items failed")
                claimed = 0
            wait = 0.0 if claimed >= self.settings.batch else self.settings.poll_seconds
