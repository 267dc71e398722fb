"""The authorization-code flow (RFC 6749) with PKCE (RFC 7636, S256), over httpx."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx

from wavestack.kernel.clock import utcnow
from wavestack.providers.oauth.port import OAuthError, TokenSet


@dataclass(frozen=True)
class OAuthEndpoints:
    """A platform's OAuth endpoints and this app's registration there."""

    authorize_url: str
    token_url: str
    client_id: str
    client_secret: str = ""
    pkce: bool = True
    # Some platforms want extra parameters on the authorization URL (Google: offline access).
    extra: tuple[tuple[str, str], ...] = ()
    # Some want the client's secret as HTTP Basic auth, not in the form (X).
    basic_auth: bool = False
    # The parameter naming the client, and what joins the scopes (TikTok: client_key, ",").
    client_id_name: str = "client_id"
    scope_separator: str = " "


class OAuthApp(Protocol):
    """A platform app's registration, as its settings hold it."""

    client_id: str
    client_secret: str
    redirect_uri: str
    scopes: list[str]
    auth_url: str
    token_url: str

    def oauth(self) -> OAuthEndpoints:
        """The endpoints and how this platform wants them used."""


def endpoints_of(
    app: OAuthApp,
    *,
    pkce: bool = True,
    extra: tuple[tuple[str, str], ...] = (),
    basic_auth: bool = False,
    client_id_name: str = "client_id",
    scope_separator: str = " ",
) -> OAuthEndpoints:
    """An app's endpoints from its settings."""
    return OAuthEndpoints(
        authorize_url=app.auth_url,
        token_url=app.token_url,
        client_id=app.client_id,
        client_secret=app.client_secret,
        pkce=pkce,
        extra=extra,
        basic_auth=basic_auth,
        client_id_name=client_id_name,
        scope_separator=scope_separator,
    )


def new_pkce() -> tuple[str, str]:
    """A PKCE verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(64)[:96]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OAuthClient:
    """Start the flow, exchange the code, refresh the token."""

    def __init__(self, endpoints: OAuthEndpoints, http: httpx.Client) -> None:
        self.endpoints = endpoints
        self._http = http

    def authorization_url(
        self, *, redirect_uri: str, scopes: list[str], state: str, challenge: str | None
    ) -> str:
        """Where to send the person to grant access."""
        query = {
            "response_type": "code",
            self.endpoints.client_id_name: self.endpoints.client_id,
            "redirect_uri": redirect_uri,
            "scope": self.endpoints.scope_separator.join(scopes),
            "state": state,
            **dict(self.endpoints.extra),
        }
        if challenge is not None and self.endpoints.pkce:
            query |= {"code_challenge": challenge, "code_challenge_method": "S256"}
        return f"{self.endpoints.authorize_url}?{urlencode(query)}"

    def exchange(self, *, code: str, redirect_uri: str, verifier: str | None) -> TokenSet:
        """Trade the code the redirect brought for tokens."""
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        if verifier is not None and self.endpoints.pkce:
            form["code_verifier"] = verifier
        return self._token(form)

    def refresh(self, refresh_token: str) -> TokenSet:
        """A fresh access token (and perhaps a new refresh token)."""
        fresh = self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})
        if fresh.refresh_token is None:  # the platform keeps the old one valid
            return TokenSet(fresh.access_token, refresh_token, fresh.expires_at, fresh.scopes)
        return fresh

    def _token(self, form: dict[str, str]) -> TokenSet:
        form = {**form, self.endpoints.client_id_name: self.endpoints.client_id}
        secret = self.endpoints.client_secret
        basic = (self.endpoints.client_id, secret) if secret and self.endpoints.basic_auth else None
        if secret and basic is None:
            form["client_secret"] = secret
        try:
            response = self._http.post(
                self.endpoints.token_url,
                data=form,
                headers={"Accept": "application/json"},
                auth=basic or httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.HTTPError as exc:
            raise OAuthError(f"the token endpoint is unreachable: {exc}") from exc
        try:
            body: dict[str, Any] = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or "access_token" not in body:
            code = str(body.get("error") or "")
            if not code and response.status_code in (400, 401):
                # Twitch answers a dead refresh token with only {"status", "message"}.
                code = "invalid_grant"
            detail = body.get("error_description") or body.get("message") or response.text[:200]
            raise OAuthError(
                f"the platform refused the grant: {code or response.status_code} {detail}".strip(),
                code=code,
                status=response.status_code,
            )
        lifetime = body.get("expires_in")
        scope = body.get("scope") or []
        return TokenSet(
            access_token=str(body["access_token"]),
            refresh_token=body.get("refresh_token"),
            expires_at=utcnow() + timedelta(seconds=int(lifetime)) if lifetime else None,
            scopes=scope.split() if isinstance(scope, str) else [str(s) for s in scope],
        )


def expiring(tokens: TokenSet, *, within: timedelta, now: datetime | None = None) -> bool:
    """Whether the access token runs out within `within` (never, without an expiry)."""
    return tokens.expires_at is not None and tokens.expires_at - (now or utcnow()) <= within
