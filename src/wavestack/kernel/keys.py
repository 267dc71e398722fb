"""RS256 signing keys on disk, their rotation, and the JWKS that publishes them.

Layout of the keys directory (the first two are the contract's file names):
    jwt-private.pem        the current signing key (mode 0600)
    jwt-public.pem         its public half
    jwt-kid                "<key id> <fingerprint>" of the current key, once a rotation happened
    retired/<kid>.pem      public keys of earlier signing keys
    retired/<kid>.expires  Unix time after which tokens signed with them have all expired
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PRIVATE_FILE = "jwt-private.pem"
PUBLIC_FILE = "jwt-public.pem"
KID_FILE = "jwt-kid"
RETIRED_DIR = "retired"
ALGORITHM = "RS256"


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _public_pem(key: rsa.RSAPublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _write_private(path: Path, key: rsa.RSAPrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Created 0600 from the start: no window in which another user could read it.
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    os.replace(tmp, path)


def _fingerprint(key: rsa.RSAPublicKey) -> str:
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    return hashlib.sha256(der).hexdigest()[:16]


class _MidRotation(Exception):
    """The key file and the key id file do not belong together yet."""


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(frozen=True)
class _KeySet:
    signing_kid: str
    private_key: rsa.RSAPrivateKey
    public_keys: dict[str, tuple[rsa.RSAPublicKey, float | None]]  # kid -> (key, expires)


@dataclass(frozen=True)
class Rotation:
    """What a rotation did."""

    kid: str
    retired_kid: str
    retired_until: float


class KeyStore:
    """The signing key and the public keys that still verify tokens, shared by all processes.

    Every process notices a rotation by another at its next use: it checks the files'
    modification times (two stat calls; verification is cached per token, so this is not on
    the per-request path) and re-reads the directory when they changed.
    """

    def __init__(self, keys_dir: Path | None, *, key_id: str) -> None:
        self.keys_dir = keys_dir
        self._default_kid = key_id
        self._lock = threading.Lock()
        self._stamp: float | None = None
        if keys_dir is None:
            key = _new_key()
            self._set = _KeySet(key_id, key, {key_id: (key.public_key(), None)})
        else:
            self._ensure(keys_dir)
            self._set = self._load_settled(keys_dir)
            self._stamp = self._dir_stamp()

    def signing(self) -> tuple[str, rsa.RSAPrivateKey]:
        """Return the current key id and signing key, read together."""
        self._maybe_refresh()
        current = self._set
        return current.signing_kid, current.private_key

    @property
    def key_id(self) -> str:
        """The id of the current signing key."""
        return self.signing()[0]

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        """The current signing key's public half."""
        return self.signing()[1].public_key()

    def verifying_key(self, kid: str) -> rsa.RSAPublicKey | None:
        """Return the public key for a key id if tokens signed with it may still be valid."""
        self._maybe_refresh()
        entry = self._set.public_keys.get(kid)
        if entry is None and self.keys_dir is not None:
            self._refresh(force=True)  # another process may have rotated just now
            entry = self._set.public_keys.get(kid)
        if entry is None:
            return None
        key, expires = entry
        return key if expires is None or time.time() < expires else None

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """Return the public keys that still verify tokens: the current one first."""
        self._maybe_refresh()
        now = time.time()
        keys = []
        for kid, (key, expires) in self._set.public_keys.items():
            if expires is not None and expires <= now:
                continue
            numbers = key.public_numbers()
            keys.append(
                {
                    "kty": "RSA",
                    "kid": kid,
                    "use": "sig",
                    "alg": ALGORITHM,
                    "n": _b64url_uint(numbers.n),
                    "e": _b64url_uint(numbers.e),
                }
            )
        return {"keys": keys}

    def rotate(self, *, keep_old_for_seconds: float) -> Rotation:
        """Start signing with a new key; the old public key verifies until its tokens expire."""
        if self.keys_dir is None:
            raise RuntimeError("ephemeral keys cannot be rotated")
        keys_dir = self.keys_dir
        with self._lock:
            current = self._load_settled(keys_dir)
            retired_dir = keys_dir / RETIRED_DIR
            retired_dir.mkdir(exist_ok=True, mode=0o700)
            until = time.time() + keep_old_for_seconds
            old_kid = current.signing_kid
            (retired_dir / f"{old_kid}.pem").write_bytes(
                _public_pem(current.private_key.public_key())
            )
            (retired_dir / f"{old_kid}.expires").write_text(str(until))
            new_kid = f"{self._default_kid}-{time.time_ns():x}"
            key = _new_key()
            _write_private(keys_dir / PRIVATE_FILE, key)
            (keys_dir / PUBLIC_FILE).write_bytes(_public_pem(key.public_key()))
            # Written last: readers that see the new key before this file wait for it.
            (keys_dir / KID_FILE).write_text(f"{new_kid} {_fingerprint(key.public_key())}")
            self._prune(retired_dir)
        self._refresh(force=True)
        return Rotation(kid=new_kid, retired_kid=old_kid, retired_until=until)

    # --- loading -----------------------------------------------------------------------------

    @staticmethod
    def _ensure(keys_dir: Path) -> None:
        keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not (keys_dir / PRIVATE_FILE).exists():
            key = _new_key()
            _write_private(keys_dir / PRIVATE_FILE, key)
            (keys_dir / PUBLIC_FILE).write_bytes(_public_pem(key.public_key()))

    def _load(self, keys_dir: Path) -> _KeySet:
        private_path = keys_dir / PRIVATE_FILE
        key = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise RuntimeError(f"{private_path} is not an RSA private key")
        kid_path = keys_dir / KID_FILE
        kid = self._default_kid
        if kid_path.exists():
            kid, _, fingerprint = kid_path.read_text().strip().partition(" ")
            if fingerprint != _fingerprint(key.public_key()):
                raise _MidRotation(kid)
        public_keys: dict[str, tuple[rsa.RSAPublicKey, float | None]] = {
            kid: (key.public_key(), None)
        }
        retired_dir = keys_dir / RETIRED_DIR
        if retired_dir.is_dir():
            for pem in sorted(retired_dir.glob("*.pem")):
                expires_path = pem.with_suffix(".expires")
                public = serialization.load_pem_public_key(pem.read_bytes())
                if isinstance(public, rsa.RSAPublicKey) and expires_path.exists():
                    public_keys.setdefault(pem.stem, (public, float(expires_path.read_text())))
        return _KeySet(kid, key, public_keys)

    def _load_settled(self, keys_dir: Path) -> _KeySet:
        for _ in range(50):
            try:
                return self._load(keys_dir)
            except _MidRotation:
                time.sleep(0.02)
        return self._load(keys_dir)

    @staticmethod
    def _prune(retired_dir: Path) -> None:
        now = time.time()
        for expires_path in retired_dir.glob("*.expires"):
            if float(expires_path.read_text()) < now:
                expires_path.with_suffix(".pem").unlink(missing_ok=True)
                expires_path.unlink(missing_ok=True)

    def _dir_stamp(self) -> float | None:
        if self.keys_dir is None:
            return None
        paths = [self.keys_dir / PRIVATE_FILE, self.keys_dir / KID_FILE]
        return max((p.stat().st_mtime_ns for p in paths if p.exists()), default=0) / 1e9

    def _maybe_refresh(self) -> None:
        if self.keys_dir is not None and self._dir_stamp() != self._stamp:
            self._refresh(force=False)

    def _refresh(self, *, force: bool) -> None:
        if self.keys_dir is None:
            return
        with self._lock:
            stamp = self._dir_stamp()
            if force or stamp != self._stamp:
                try:
                    self._set = self._load(self.keys_dir)
                except _MidRotation:
                    return  # keep the keys we have; the next use looks again
                self._stamp = stamp
