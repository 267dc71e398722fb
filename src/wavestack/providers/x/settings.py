"""`WAVESTACK_X_*`: this install's X (Twitter) app and where X's API is."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from wavestack.kernel.config import WordList
from wavestack.providers.oauth import OAuthEndpoints, endpoints_of


class XSettings(BaseSettings):
    """`WAVESTACK_X_*`: an app from the X developer portal (OAuth 2.0, type "Web App")."""

    model_config = SettingsConfigDict(env_prefix="WAVESTACK_X_", env_file=".env", extra="ignore")

    client_id: str = Field("", description="OAuth 2.0 client id from the X developer portal.")
    client_secret: str = Field("", description="OAuth 2.0 client secret.")
    redirect_uri: str = Field(
        "http://localhost:17565/callback",
        description="Callback URL registered for the app (`wavestack connect x` listens there).",
    )
    scopes: WordList = Field(
        default_factory=lambda: [
            "tweet.read",
            "tweet.write",
            "users.read",
            "media.write",
            "offline.access",
        ],
        description="Scopes asked for when connecting, comma-separated.",
    )
    api_url: str = Field("https://api.x.com", description="X API base URL.")
    auth_url: str = Field(
        "https://x.com/i/oauth2/authorize", description="OAuth authorization URL."
    )
    token_url: str = Field("https://api.x.com/2/oauth2/token", description="OAuth token URL.")

    @property
    def configured(self) -> bool:
        """Whether an app is set."""
        return bool(self.client_id)

    def oauth(self) -> OAuthEndpoints:
        """X's endpoints: PKCE always, a refresh token with `offline.access`."""
        return endpoints_of(self, basic_auth=True)
