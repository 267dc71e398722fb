"""Lock files: the processes of one machine taking turns on a folder, or one of them
keeping it for itself. (Without `flock`, on Windows, the threads of one process are kept
apart and other processes are not.)"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


class HeldLock:
    """A lock file this process holds until `release`."""

    def __init__(self, handle: IO[bytes] | None, thread_lock: threading.Lock | None = None) -> None:
        self._handle = handle
        self._thread_lock = thread_lock

    def release(self) -> None:
        """Let another process have it."""
        if self._handle is not None:
            _unlock(self._handle)
            self._handle.close()
            self._handle = None
        if self._thread_lock is not None:
            self._thread_lock.release()
            self._thread_lock = None


if sys.platform == "win32":
    _HELD: dict[Path, threading.Lock] = {}
    _HELD_GUARD = threading.Lock()

    def _thread_lock(path: Path) -> threading.Lock:
        with _HELD_GUARD:
            return _HELD.setdefault(path.resolve(), threading.Lock())

    @contextmanager
    def taking_turns(path: Path) -> Iterator[None]:
        """Hold the lock file while the block runs, waiting for it."""
        with _thread_lock(path):
            yield

    def hold(path: Path) -> HeldLock | None:
        """Hold the lock file from now on; None when someone else holds it."""
        lock = _thread_lock(path)
        return HeldLock(None, lock) if lock.acquire(blocking=False) else None

    def _unlock(handle: IO[bytes]) -> None:
        pass

else:
    import fcntl

    @contextmanager
    def taking_turns(path: Path) -> Iterator[None]:
        """Hold the lock file while the block runs, waiting for it."""
        with path.open("a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def hold(path: Path) -> HeldLock | None:
        """Hold the lock file from now on; None when another process (or another open of
        it in this one) holds it."""
        handle = path.open("a+b")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        return HeldLock(handle)

    def _unlock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
