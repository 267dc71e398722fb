"""Signing keys: created once with a private mode, rotated without breaking readers."""

from __future__ import annotations

from pathlib import Path

from wavestack.kernel.keys import KID_FILE, KeyStore


def test_a_reader_mid_rotation_keeps_its_keys(tmp_path: Path) -> None:
    reader = KeyStore(tmp_path, key_id="k")
    kid_before, key_before = reader.signing()
    # A rotation has written its new key id but the key file does not match it (yet).
    (tmp_path / KID_FILE).write_text("k-next 0000000000000000")
    kid, key = reader.signing()
    assert kid == kid_before
    assert key.public_key().public_numbers() == key_before.public_key().public_numbers()


def test_rotation_is_seen_by_other_stores(tmp_path: Path) -> None:
    first, second = KeyStore(tmp_path, key_id="k"), KeyStore(tmp_path, key_id="k")
    rotation = first.rotate(keep_old_for_seconds=60)
    assert second.key_id == rotation.kid
    assert second.verifying_key("k") is not None
    assert second.verifying_key("unknown") is None


def test_ephemeral_keys_are_not_written(tmp_path: Path) -> None:
    store = KeyStore(None, key_id="k")
    assert store.key_id == "k"
    assert [k["kid"] for k in store.jwks()["keys"]] == ["k"]
    assert list(tmp_path.iterdir()) == []
