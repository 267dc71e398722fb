"""`WAVESTACK_TWITCH_*`: this install's Twitch application and where Twitch's endpoints are."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from wavestack.kernel.config import WordList
from wavestack.providers.oauth import OAuthEndpoints, endpoints_of

# What the bots do on Twitch, scope by scope: read and send chat, moderate it, follow the
# channel's events, and steer the stream.
DEFAULT_SCOPES = [
    "user:read:chat",
    "user:write:chat",
    "moderator:manage:chat_messages",
    "moderator:manage:banned_users",
    "moderator:read:followers",
    "moderator:manage:shoutouts",
    "channel:manage:broadcast",
    "channel:manage:raids",
    "channel:manage:polls",
    "channel:read:subscriptions",
    "bits:read",
    "clips:edit",
]


class TwitchSettings(BaseSettings):
    """`WAVESTACK_TWITCH_*`: the application registered at dev.twitch.tv/console."""

    model_config = SettingsConfigDict(
        env_prefix="WAVESTACK_TWITCH_", env_file=".env", extra="ignore"
    )

    client_id: str = Field("", description="Client ID of your Twitch application.")
    client_secret: str = Field("", description="Client secret of your Twitch application.")
    redirect_uri: str = Field(
        "http://localhost:17563/callback",
        description="OAuth redirect URL registered for the application (`wavestack connect "
        "twitch` listens there).",
    )
    channel: str = Field(
        "", description="Channel (login) the bot joins; default: the connected account's own."
    )
    scopes: WordList = Field(
        default_factory=lambda: list(DEFAULT_SCOPES),
        description="Scopes asked for when connecting, comma-separated.",
    )
    api_url: str = Field("https://api.twitch.tv/helix", description="Helix base URL.")
    auth_url: str = Field(
        "https://id.twitch.tv/oauth2/authorize", description="OAuth authorization URL."
    )
    token_url: str = Field("https://id.twitch.tv/oauth2/token", description="OAuth token URL.")
    eventsub_url: str = Field(
        "wss://eventsub.wss.twitch.tv/ws", description="EventSub websocket URL."
    )

    @property
    def configured(self) -> bool:
        """Whether an application is set (without one, Twitch stays off)."""
        return bool(self.client_id and self.client_secret)

    def oauth(self) -> OAuthEndpoints:
        """The OAuth endpoints; Twitch's confidential clients use no PKCE."""
        return endpoints_of(self, pkce=False)
