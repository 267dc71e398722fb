"""Local storage keeps every key inside its root and never shows partial files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wavestack.kernel.errors import PayloadTooLarge, ValidationFailed
from wavestack.kernel.storage import LocalStorage


def test_write_commit_read_delete(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "files")
    writer = storage.writer("orgs/a/assets/b/clip.mp4")
    writer.write(b"hello ")
    assert not storage.exists("orgs/a/assets/b/clip.mp4")  # invisible until commit
    writer.write(b"world")
    assert writer.commit() == 11
    with storage.open("orgs/a/assets/b/clip.mp4") as fh:
        assert fh.read() == b"hello world"
    assert storage.size("orgs/a/assets/b/clip.mp4") == 11
    storage.delete("orgs/a/assets/b/clip.mp4")
    assert not storage.exists("orgs/a/assets/b/clip.mp4")
    assert not (tmp_path / "files" / "orgs").exists()  # emptied directories go too


@pytest.mark.parametrize(
    "key", ["../escape", "/etc/passwd", "a/../../b", "a//b", ".hidden", "a/./b", "", "a\\b"]
)
def test_bad_keys_are_refused(tmp_path: Path, key: str) -> None:
    storage = LocalStorage(tmp_path)
    with pytest.raises(ValidationFailed):
        storage.writer(key)


def test_symlink_inside_root_cannot_lead_out(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    root = tmp_path / "root"
    storage = LocalStorage(root)
    os.symlink(outside, root / "link")
    with pytest.raises(ValidationFailed):
        storage.open("link/secret.txt")


def test_over_the_limit_leaves_nothing(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    writer = storage.writer("big.bin", max_bytes=10)
    writer.write(b"x" * 10)
    with pytest.raises(PayloadTooLarge):
        writer.write(b"y")
    assert not storage.exists("big.bin")
    assert list((tmp_path / ".tmp").iterdir()) == []
