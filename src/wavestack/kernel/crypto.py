"""Secrets at rest (platform tokens, webhook signing secrets) encrypted with Fernet."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

SECRET_KEY_FILE = "secret.key"  # noqa: S105 - a file name, not a secret


class SecretBox:
    """Encrypt and decrypt short secrets; the key comes from settings or a 0600 key file."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def from_key_file(cls, keys_dir: Path | None, configured: str | None) -> SecretBox:
        """Use the configured key, else the key file in `keys_dir` (made once), else a new one."""
        if configured:
            return cls(configured.encode())
        if keys_dir is None:
            return cls(Fernet.generate_key())
        path = keys_dir / SECRET_KEY_FILE
        if not path.exists():
            keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(Fernet.generate_key())
        return cls(path.read_bytes().strip())

    def encrypt(self, plaintext: str) -> str:
        """Return the token for a secret."""
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        """Return the secret of a token; raises ValueError if it was not made with this key."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("secret cannot be decrypted with the configured key") from exc
