"""RS256 signing keys, JWKS, and issuing and verifying client-credentials tokens."""

from __future__ import annotations

import base64
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from wavestack.kernel.clock import utcnow
from wavestack.kernel.config import Settings
from wavestack.kernel.errors import Unauthorized

PRIVATE_FILE = "jwt-private.pem"
PUBLIC_FILE = "jwt-public.pem"
ALGORITHM = "RS256"


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class KeyStore:
    """The signing key pair, created on first start and kept as PEM files (private mode 0600)."""

    def __init__(self, keys_dir: Path | None, *, key_id: str) -> None:
        self.key_id = key_id
        self.keys_dir = keys_dir
        if keys_dir is None:
            self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            self.private_key = self._load_or_create(keys_dir)
        self.public_key = self.private_key.public_key()

    @staticmethod
    def _load_or_create(keys_dir: Path) -> rsa.RSAPrivateKey:
        keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        private_path = keys_dir / PRIVATE_FILE
        if private_path.exists():
            key = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
            if not isinstance(key, rsa.RSAPrivateKey):
                raise RuntimeError(f"{private_path} is not an RSA private key")
            return key
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # Create with 0600 from the start: no window where another user can read it.
        tmp = private_path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        os.replace(tmp, private_path)
        (keys_dir / PUBLIC_FILE).write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        return key

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """Return the public key set."""
        numbers = self.public_key.public_numbers()
        return {
            "keys": [
                {
                    "kty": "RSA",
                    "kid": self.key_id,
                    "use": "sig",
                    "alg": ALGORITHM,
                    "n": _b64url_uint(numbers.n),
                    "e": _b64url_uint(numbers.e),
                }
            ]
        }


@dataclass(frozen=True)
class Principal:
    """Who is calling: an API client of one organization with a set of scopes."""

    client_id: str
    org_id: str
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        """Tell whether the scopes grant `scope`; `admin` grants all, `x:write` implies `x:read`."""
        if "admin" in self.scopes or scope in self.scopes:
            return True
        area, _, action = scope.partition(":")
        return action == "read" and f"{area}:write" in self.scopes


class TokenService:
    """Issue and verify RS256 access tokens with issuer, audience and time claims."""

    CACHE_SIZE = 4096

    def __init__(self, keys: KeyStore, settings: Settings) -> None:
        self._keys = keys
        # A client reuses its token for many requests: check the signature once, then only
        # the expiry. The cache holds tokens that already passed every check.
        self._verified: OrderedDict[str, tuple[Principal, int]] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._issuer = settings.auth_issuer
        self._audience = settings.auth_audience
        self._ttl = settings.auth_token_ttl_seconds
        self._leeway = settings.auth_leeway_seconds

    @property
    def ttl_seconds(self) -> int:
        """Token lifetime in seconds."""
        return self._ttl

    def issue(self, *, client_id: str, org_id: str, scopes: list[str]) -> str:
        """Sign a token for a client of an organization."""
        now = int(utcnow().timestamp())
        claims: dict[str, Any] = {
            "sub": client_id,
            "org_id": org_id,
            "scope": " ".join(scopes),
            "iat": now,
            "nbf": now,
            "exp": now + self._ttl,
            "aud": self._audience,
            "iss": self._issuer,
        }
        return jwt.encode(
            claims, self._keys.private_key, algorithm=ALGORITHM, headers={"kid": self._keys.key_id}
        )

    def verify(self, token: str) -> Principal:
        """Check signature, algorithm, key id, issuer, audience and times; return the caller."""
        with self._cache_lock:
            hit = self._verified.get(token)
        if hit is not None:
            principal, expires = hit
            if time.time() < expires + self._leeway:
                return principal
            with self._cache_lock:
                self._verified.pop(token, None)
            raise Unauthorized("token has expired")
        principal, expires = self._verify_uncached(token)
        with self._cache_lock:
            self._verified[token] = (principal, expires)
            if len(self._verified) > self.CACHE_SIZE:
                self._verified.popitem(last=False)
        return principal

    def _verify_uncached(self, token: str) -> tuple[Principal, int]:
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != ALGORITHM or header.get("kid") != self._keys.key_id:
                raise Unauthorized("token was not signed by this server")
            claims = jwt.decode(
                token,
                self._keys.public_key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "nbf", "iat", "sub", "aud", "iss"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("token has expired") from exc
        except jwt.ImmatureSignatureError as exc:
            raise Unauthorized("token is not valid yet") from exc
        except jwt.InvalidAudienceError as exc:
            raise Unauthorized("token is for another audience") from exc
        except jwt.InvalidIssuerError as exc:
            raise Unauthorized("token is from another issuer") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized("invalid token") from exc
        org_id = claims.get("org_id")
        if not isinstance(org_id, str) or not org_id:
            raise Unauthorized("token has no organization")
        scope = claims.get("scope", "")
        if not isinstance(scope, str):
            raise Unauthorized("token scope is malformed")
        principal = Principal(
            client_id=str(claims["sub"]), org_id=org_id, scopes=frozenset(scope.split())
        )
        return principal, int(claims["exp"])
