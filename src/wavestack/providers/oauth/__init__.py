"""OAuth 2.0 for platform accounts: the authorization-code flow with PKCE, code exchange and
token refresh, against any platform's endpoints (they are settings)."""

from wavestack.providers.oauth.client import (
    OAuthApp,
    OAuthClient,
    OAuthEndpoints,
    endpoints_of,
    new_pkce,
)
from wavestack.providers.oauth.port import OAuthError, TokenSet

__all__ = [
    "OAuthApp",
    "OAuthClient",
    "OAuthEndpoints",
    "OAuthError",
    "TokenSet",
    "endpoints_of",
    "new_pkce",
]
