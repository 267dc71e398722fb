"""Discord: a bot (discord.py) on the gateway, with slash commands, buttons and moderation."""

from wavestack.providers.discord.client import (
    ButtonPress,
    DiscordClient,
    DiscordEvent,
    DiscordFailed,
    Embed,
    Member,
    MemberChange,
    Posted,
    SlashCall,
)
from wavestack.providers.discord.commands import SlashCommand, SlashOption
from wavestack.providers.discord.settings import DiscordSettings

__all__ = [
    "ButtonPress",
    "DiscordClient",
    "DiscordEvent",
    "DiscordFailed",
    "DiscordSettings",
    "Embed",
    "Member",
    "MemberChange",
    "Posted",
    "SlashCall",
    "SlashCommand",
    "SlashOption",
]
