"""Issuing and verifying client-credentials tokens (RS256 JWTs)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import jwt

from wavestack.kernel.clock import utcnow
from wavestack.kernel.config import Settings
from wavestack.kernel.errors import Unauthorized
from wavestack.kernel.keys import ALGORITHM, KeyStore


@dataclass(frozen=True)
class Principal:
    """Who is calling: an API client of one organization with a set of scopes."""

    client_id: str
    org_id: str
    scopes: frozenset[str]
    expires_at: float = 0.0  # when the token stops working (epoch seconds)

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
        kid, key = self._keys.signing()
        return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": kid})

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
            kid = header.get("kid")
            key = self._keys.verifying_key(kid) if isinstance(kid, str) else None
            if header.get("alg") != ALGORITHM or key is None:
                raise Unauthorized("token was not signed by a current key of this server")
            claims = jwt.decode(
                token,
                key,
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
            client_id=str(claims["sub"]),
            org_id=org_id,
            scopes=frozenset(scope.split()),
            expires_at=float(claims["exp"]),
        )
        return principal, int(claims["exp"])
