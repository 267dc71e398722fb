"""`WAVESTACK_YOUTUBE_*`: this install's Google OAuth client and where the APIs are."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from wavestack.kernel.config import WordList
from wavestack.providers.oauth import OAuthEndpoints, endpoints_of


class YouTubeSettings(BaseSettings):
    """`WAVESTACK_YOUTUBE_*`: a Google Cloud OAuth client (type "Desktop app")."""

    model_config = SettingsConfigDict(
        env_prefix="WAVESTACK_YOUTUBE_", env_file=".env", extra="ignore"
    )

    client_id: str = Field("", description="OAuth client id from Google Cloud console.")
    client_secret: str = Field("", description="OAuth client secret.")
    redirect_uri: str = Field(
        "http://localhost:17564/callback",
        description="Loopback redirect `wavestack connect youtube` listens at.",
    )
    scopes: WordList = Field(
        default_factory=lambda: ["https://www.googleapis.com/auth/youtube.force-ssl"],
        description="Scopes asked for when connecting, comma-separated.",
    )
    api_url: str = Field("https://www.googleapis.com/", description="YouTube Data API root.")
    auth_url: str = Field(
        "https://accounts.google.com/o/oauth2/v2/auth", description="OAuth authorization URL."
    )
    token_url: str = Field("https://oauth2.googleapis.com/token", description="OAuth token URL.")
    watch_seconds: float = Field(
        60, gt=0, description="How often the bots look for a broadcast going live."
    )
    privacy: Literal["public", "unlisted", "private"] = Field(
        "public", description="Who sees a published video: public, unlisted or private."
    )
    category_id: str = Field(
        "22", pattern=r"^\d{1,3}$", description="Video category (22 People & Blogs, 20 Gaming)."
    )
    playlist_id: str = Field(
        "", max_length=64, description="Playlist every published video is added to (unset: none)."
    )

    @property
    def configured(self) -> bool:
        """Whether an OAuth client is set."""
        return bool(self.client_id and self.client_secret)

    def oauth(self) -> OAuthEndpoints:
        """Google's endpoints, with PKCE and a refresh token (offline access)."""
        return endpoints_of(self, extra=(("access_type", "offline"), ("prompt", "consent")))
