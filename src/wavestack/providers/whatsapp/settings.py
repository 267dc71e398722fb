"""`WAVESTACK_WHATSAPP_*`: this install's Meta app (for webhook signatures) and the Graph API."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WhatsAppSettings(BaseSettings):
    """`WAVESTACK_WHATSAPP_*`: the Meta app whose webhooks WaveStack receives."""

    model_config = SettingsConfigDict(
        env_prefix="WAVESTACK_WHATSAPP_", env_file=".env", extra="ignore"
    )

    app_secret: str = Field(
        "", description="App secret of the Meta app: every webhook delivery is checked with it."
    )
    verify_token: str = Field(
        "", description="The verify token you typed in the app's webhook settings."
    )
    graph_url: str = Field(
        "https://graph.facebook.com/v23.0", description="Graph API base URL, with its version."
    )
    template: str = Field(
        "",
        description="Approved template (one body parameter) for replies more than 24 h after "
        "a customer wrote; unset: such replies are not sent.",
    )
    template_language: str = Field("en", description="Language code of that template.")
