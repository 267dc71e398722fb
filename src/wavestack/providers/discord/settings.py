"""`WAVESTACK_DISCORD_*`: where Discord is, where the bot registers its slash commands, and
which channels get welcomes and go-live alerts."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SNOWFLAKE = r"^(\d{1,20})?$"


class DiscordSettings(BaseSettings):
    """`WAVESTACK_DISCORD_*`: the Discord bot's API, gateway and channels."""

    model_config = SettingsConfigDict(
        env_prefix="WAVESTACK_DISCORD_", env_file=".env", extra="ignore"
    )

    api_url: str = Field("https://discord.com/api/v10", description="REST API base URL.")
    gateway_url: str = Field("wss://gateway.discord.gg/", description="Gateway websocket URL.")
    guild_id: str = Field(
        "",
        pattern=SNOWFLAKE,
        description="Server whose slash commands the bot registers (they show at once); "
        "unset: registered globally (Discord may take up to an hour to show them).",
    )
    welcome_channel_id: str = Field(
        "",
        pattern=SNOWFLAKE,
        description="Channel for welcome messages (unset: the server's system channel).",
    )
    live_channel_id: str = Field(
        "",
        pattern=SNOWFLAKE,
        description="Channel for go-live alerts when the Twitch or YouTube stream starts "
        "(unset: no alerts).",
    )
    live_message: str = Field(
        "$(user) is live on $(platform)!",
        min_length=1,
        max_length=1000,
        description="The go-live alert's text; `$(user)` and `$(platform)` are filled in.",
    )
    guild_ready_seconds: float = Field(
        2.0,
        gt=0,
        le=60,
        description="How long the bot waits for its servers' data after connecting.",
    )
