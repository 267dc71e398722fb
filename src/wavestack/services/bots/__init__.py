"""Bots: the command engine, games and the one economy shared by every chat platform."""

from wavestack.services.bots.alert_feeds import AlertListener
from wavestack.services.bots.console import Console, Speaker
from wavestack.services.bots.discord import DiscordChat, DiscordListener, register_slash_commands
from wavestack.services.bots.economy import has_account
from wavestack.services.bots.engine import (
    Command,
    Level,
    Refusal,
    UsageError,
    User,
    Word,
    command,
)
from wavestack.services.bots.events import (
    ObsReplaySaved,
    ObsSceneChanged,
    ObsStreamChanged,
    obs_event,
)
from wavestack.services.bots.runtime import (
    AllowAll,
    ChatBot,
    Context,
    ModerationHook,
    Ports,
    Verdict,
)
from wavestack.services.bots.service import all_commands, build_bot, console_bot
from wavestack.services.bots.settings import BotSettings
from wavestack.services.bots.streamelements import StreamElementsListener
from wavestack.services.bots.streamlabs import StreamlabsListener
from wavestack.services.bots.telegram import TelegramChat, TelegramListener
from wavestack.services.bots.twitch import TwitchChat, TwitchListener, twitch_chat_limit
from wavestack.services.bots.whatsapp import WhatsAppChat, WhatsAppListener
from wavestack.services.bots.youtube import YouTubeChat, YouTubeWatcher

__all__ = [
    "AlertListener",
    "AllowAll",
    "BotSettings",
    "ChatBot",
    "Command",
    "Console",
    "Context",
    "DiscordChat",
    "DiscordListener",
    "Level",
    "ModerationHook",
    "ObsReplaySaved",
    "ObsSceneChanged",
    "ObsStreamChanged",
    "Ports",
    "Refusal",
    "Speaker",
    "StreamElementsListener",
    "StreamlabsListener",
    "TelegramChat",
    "TelegramListener",
    "TwitchChat",
    "TwitchListener",
    "UsageError",
    "User",
    "Verdict",
    "WhatsAppChat",
    "WhatsAppListener",
    "Word",
    "YouTubeChat",
    "YouTubeWatcher",
    "all_commands",
    "build_bot",
    "command",
    "console_bot",
    "has_account",
    "obs_event",
    "register_slash_commands",
    "twitch_chat_limit",
]
