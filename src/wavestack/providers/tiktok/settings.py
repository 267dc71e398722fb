"""`WAVESTACK_TIKTOK_*`: this install's TikTok app and how posts go out."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from wavestack.kernel.config import WordList
from wavestack.providers.oauth import OAuthEndpoints, endpoints_of


class TikTokSettings(BaseSettings):
    """`WAVESTACK_TIKTOK_*`: an app from the TikTok developer portal (Content Posting API)."""

    model_config = SettingsConfigDict(
        env_prefix="WAVESTACK_TIKTOK_", env_file=".env", extra="ignore"
    )

    client_id: str = Field("", description="The app's client key.")
    client_secret: str = Field("", description="The app's client secret.")
    redirect_uri: str = Field(
        "http://localhost:17566/callback",
        description="Redirect URI registered for the app (`wavestack connect tiktok`).",
    )
    scopes: WordList = Field(
        default_factory=lambda: ["user.info.basic", "video.upload", "video.publish"],
        description="Scopes asked for when connecting, comma-separated.",
    )
    api_url: str = Field("https://open.tiktokapis.com", description="TikTok API base URL.")
    auth_url: str = Field(
        "https://www.tiktok.com/v2/auth/authorize/", description="OAuth authorization URL."
    )
    token_url: str = Field(
        "https://open.tiktokapis.com/v2/oauth/token/", description="OAuth token URL."
    )
    mode: Literal["draft", "direct"] = Field(
        "draft",
        description="draft: the video lands in the creator's TikTok inbox to post from the "
        "app; direct: posted at once (needs an audited app for public posts).",
    )
    privacy: Literal[
        "SELF_ONLY", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "PUBLIC_TO_EVERYONE"
    ] = Field(
        "SELF_ONLY",
        description="Who sees a direct post (an unaudited app may post only SELF_ONLY).",
    )
    chunk_mb: int = Field(
        10, ge=5, le=64, description="Upload chunk size in MB (TikTok takes 5 to 64)."
    )

    @property
    def configured(self) -> bool:
        """Whether an app is set."""
        return bool(self.client_id and self.client_secret)

    def oauth(self) -> OAuthEndpoints:
        """TikTok names the client id `client_key`."""
        return endpoints_of(self, client_id_name="client_key", scope_separator=",")
