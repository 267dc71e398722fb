"""`WAVESTACK_LINKEDIN_*`: this install's LinkedIn app and where LinkedIn's API is."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from wavestack.kernel.config import WordList
from wavestack.providers.oauth import OAuthEndpoints, endpoints_of


class LinkedInSettings(BaseSettings):
    """`WAVESTACK_LINKEDIN_*`: an app with "Share on LinkedIn" and "Sign In with LinkedIn"."""

    model_config = SettingsConfigDict(
        env_prefix="WAVESTACK_LINKEDIN_", env_file=".env", extra="ignore"
    )

    client_id: str = Field("", description="Client ID from the LinkedIn developer portal.")
    client_secret: str = Field("", description="Client secret.")
    redirect_uri: str = Field(
        "http://localhost:17567/callback",
        description="Redirect URL registered for the app (`wavestack connect linkedin`).",
    )
    scopes: WordList = Field(
        default_factory=lambda: ["openid", "profile", "w_member_social"],
        description="Scopes asked for when connecting, comma-separated.",
    )
    api_url: str = Field("https://api.linkedin.com", description="LinkedIn API base URL.")
    auth_url: str = Field(
        "https://www.linkedin.com/oauth/v2/authorization", description="OAuth authorization URL."
    )
    token_url: str = Field(
        "https://www.linkedin.com/oauth/v2/accessToken", description="OAuth token URL."
    )
    version: str = Field(
        "202510", pattern=r"^\d{6}$", description="LinkedIn-Version of the versioned API (YYYYMM)."
    )

    @property
    def configured(self) -> bool:
        """Whether an app is set."""
        return bool(self.client_id and self.client_secret)

    def oauth(self) -> OAuthEndpoints:
        """LinkedIn's web apps are confidential clients without PKCE."""
        return endpoints_of(self, pkce=False)
