"""`WAVESTACK_META_*`: this install's Meta app (Facebook Login for Business), which connects
Facebook Pages and the Instagram professional accounts linked to them."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from wavestack.kernel.config import WordList
from wavestack.providers.oauth import OAuthEndpoints, endpoints_of

GRAPH = "https://graph.facebook.com/v23.0"


class MetaSettings(BaseSettings):
    """`WAVESTACK_META_*`: a Business app with Facebook Login for Business."""

    model_config = SettingsConfigDict(env_prefix="WAVESTACK_META_", env_file=".env", extra="ignore")

    client_id: str = Field("", description="App ID from Meta for Developers.")
    client_secret: str = Field("", description="App secret.")
    redirect_uri: str = Field(
        "http://localhost:17568/callback",
        description="Redirect URL registered for the app (`wavestack connect facebook`).",
    )
    scopes: WordList = Field(
        default_factory=lambda: [
            "pages_show_list",
            "pages_read_engagement",
            "pages_manage_posts",
            "business_management",
            "instagram_basic",
            "instagram_content_publish",
        ],
        description="Permissions asked for when connecting, comma-separated.",
    )
    api_url: str = Field(GRAPH, description="Graph API base URL, with its version.")
    auth_url: str = Field(
        "https://www.facebook.com/v23.0/dialog/oauth", description="Login dialog URL."
    )
    token_url: str = Field(f"{GRAPH}/oauth/access_token", description="OAuth token URL.")
    page_id: str = Field(
        "",
        pattern=r"^\d*$",
        description="The Facebook Page to connect when the account manages several.",
    )
    poll_seconds: float = Field(
        3.0, gt=0, description="How often to ask whether Meta has processed an upload."
    )
    poll_timeout_seconds: float = Field(
        900.0, gt=0, description="How long to wait for Meta to process an upload."
    )

    @property
    def configured(self) -> bool:
        """Whether an app is set."""
        return bool(self.client_id and self.client_secret)

    def oauth(self) -> OAuthEndpoints:
        """Meta's web login: a confidential client, the scopes joined by commas."""
        return endpoints_of(self, pkce=False, scope_separator=",")
