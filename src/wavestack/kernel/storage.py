"""File storage behind a small port: a local directory now, an S3 bucket later, same calls."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import BinaryIO, Protocol

from wavestack.kernel.errors import PayloadTooLarge, ValidationFailed
from wavestack.kernel.ids import new_id

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


class StorageWriter(Protocol):
    """An object being written; invisible under its key until `commit`."""

    size: int

    def write(self, chunk: bytes) -> None:
        """Append bytes; raises PayloadTooLarge past the limit (the partial data is dropped)."""

    def commit(self) -> int:
        """Publish the object under its key; returns its size."""

    def abort(self) -> None:
        """Drop everything written so far."""


class FileStorage(Protocol):
    """Objects addressed by a relative key such as `org/<id>/assets/<id>/clip.mp4`."""

    backend: str

    def writer(self, key: str, *, max_bytes: int | None = None) -> StorageWriter:
        """Start writing an object."""

    def open(self, key: str) -> BinaryIO:
        """Open an object for reading (seekable)."""

    def size(self, key: str) -> int:
        """Return an object's size in bytes."""

    def exists(self, key: str) -> bool:
        """Tell whether an object exists."""

    def delete(self, key: str) -> None:
        """Remove an object; missing is fine."""

    def local_path(self, key: str) -> Path | None:
        """Return a filesystem path for tools like FFmpeg, or None for remote backends."""


def check_key(key: str) -> str:
    """Refuse keys that could escape the storage root or confuse a backend."""
    if len(key) > 512 or not _KEY.match(key) or ".." in key.split("/"):
        raise ValidationFailed(f"invalid storage key: {key!r}")
    return key


class _LocalWriter:
    def __init__(self, target: Path, tmp: Path, max_bytes: int | None) -> None:
        self._target = target
        self._tmp = tmp
        self._max = max_bytes
        self._file: BinaryIO | None = tmp.open("wb")
        self.size = 0

    def write(self, chunk: bytes) -> None:
        if self._file is None:
            raise RuntimeError("writer is closed")
        self.size += len(chunk)
        if self._max is not None and self.size > self._max:
            self.abort()
            raise PayloadTooLarge(f"file is larger than the limit of {self._max} bytes")
        self._file.write(chunk)

    def commit(self) -> int:
        if self._file is None:
            raise RuntimeError("writer is closed")
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        self._target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._tmp, self._target)
        return self.size

    def abort(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._tmp.unlink(missing_ok=True)


class LocalStorage:
    """Objects as files under one root directory; keys can never resolve outside it."""

    backend = "local"

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._tmp = self.root / ".tmp"
        self._tmp.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        # resolve() follows symlinks, so a link planted inside the root cannot lead out.
        if not path.is_relative_to(self.root) or path.is_relative_to(self._tmp):
            raise ValidationFailed(f"invalid storage key: {key!r}")
        return path

    def writer(self, key: str, *, max_bytes: int | None = None) -> StorageWriter:
        """Write to a temp file in the root, renamed into place on commit."""
        target = self._path(key)
        return _LocalWriter(target, self._tmp / new_id(), max_bytes)

    def open(self, key: str) -> BinaryIO:
        """Open the file for reading."""
        return self._path(key).open("rb")

    def size(self, key: str) -> int:
        """Return the file size."""
        return self._path(key).stat().st_size

    def exists(self, key: str) -> bool:
        """Tell whether the file exists."""
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        """Remove the file and any directories it leaves empty."""
        path = self._path(key)
        path.unlink(missing_ok=True)
        parent = path.parent
        while parent != self.root and parent.is_relative_to(self.root):
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent

    def local_path(self, key: str) -> Path | None:
        """Return the file's path."""
        return self._path(key)
