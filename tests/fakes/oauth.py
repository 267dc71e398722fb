"""A protocol-level fake of an OAuth 2.0 token endpoint (RFC 6749, PKCE per RFC 7636), as
an httpx transport: codes it issued are exchanged once, with the matching verifier;
refresh tokens can be revoked."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import httpx


@dataclass
class FakeTokenEndpoint:
    """Issues codes and tokens for one registered client."""

    client_id: str = "wavestack-test"
    client_secret: str = "s3cret"
    lifetime: int = 3600
    codes: dict[str, str] = field(default_factory=dict)  # code -> PKCE challenge ("" none)
    refresh_tokens: set[str] = field(default_factory=set)
    access_tokens: set[str] = field(default_factory=set)
    calls: list[dict[str, str]] = field(default_factory=list)
    rotate_refresh: bool = True

    def issue_code(self, challenge: str = "") -> str:
        """What the platform's consent page would put in the redirect."""
        code = secrets.token_urlsafe(16)
        self.codes[code] = challenge
        return code

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        basic = request.headers.get("authorization", "")
        if basic.startswith("Basic "):  # the secret as HTTP Basic auth (RFC 6749 2.3.1)
            user, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
            form |= {"client_id": user, "client_secret": secret}
        self.calls.append(form)
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return _error(401, "invalid_client", "client authentication failed")
        grant = form.get("grant_type")
        if grant == "authorization_code":
            challenge = self.codes.pop(form.get("code", ""), None)
            if challenge is None:
                return _error(400, "invalid_grant", "unknown or used authorization code")
            if challenge and _s256(form.get("code_verifier", "")) != challenge:
                return _error(400, "invalid_grant", "PKCE verification failed")
            return self._tokens()
        if grant == "refresh_token":
            token = form.get("refresh_token", "")
            if token not in self.refresh_tokens:
                return _error(400, "invalid_grant", "Invalid refresh token")
            if self.rotate_refresh:
                self.refresh_tokens.discard(token)
            return self._tokens(new_refresh=self.rotate_refresh)
        return _error(400, "unsupported_grant_type", str(grant))

    def _tokens(self, *, new_refresh: bool = True) -> httpx.Response:
        access = secrets.token_urlsafe(16)
        self.access_tokens.add(access)
        body: dict[str, object] = {
            "access_token": access,
            "expires_in": self.lifetime,
            "token_type": "bearer",
            "scope": ["chat:read", "chat:edit"],
        }
        if new_refresh:
            refresh = secrets.token_urlsafe(16)
            self.refresh_tokens.add(refresh)
            body["refresh_token"] = refresh
        return httpx.Response(200, json=body)


def _error(status: int, code: str, description: str) -> httpx.Response:
    return httpx.Response(
        status,
        content=json.dumps({"error": code, "error_description": description}),
        headers={"Content-Type": "application/json"},
    )


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def consenting_browser(
    endpoint: FakeTokenEndpoint,
    *,
    check: Callable[[dict[str, str]], None] | None = None,
    deny: bool = False,
    forge: bool = False,
) -> Callable[[str], None]:
    """What the creator's browser does on the platform's consent page: it redirects back to
    the local callback with a code (bound to the PKCE challenge, if one came), a refusal
    (`deny`) or a state that is not ours (`forge`). `check` sees the authorization query."""

    def open_url(url: str) -> None:
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        if check is not None:
            check(query)
        state = "forged" if forge else query["state"]
        answer = (
            {"error": "access_denied", "error_description": "The user denied you access"}
            if deny
            else {"code": endpoint.issue_code(query.get("code_challenge", "")), "state": state}
        )
        threading.Thread(
            target=httpx.get, args=(query["redirect_uri"],), kwargs={"params": answer}, daemon=True
        ).start()

    return open_url
