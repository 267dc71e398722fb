"""Bots: the command engine, games and the one economy shared by every chat platform."""

from wavestack.services.bots.console import Console, Speaker
from wavestack.services.bots.engine import Level
from wavestack.services.bots.runtime import AllowAll, ChatBot, ModerationHook, Ports, Verdict
from wavestack.services.bots.service import all_commands, build_bot, console_bot
from wavestack.services.bots.settings import BotSettings

__all__ = [
    "AllowAll",
    "BotSettings",
    "ChatBot",
    "Console",
    "Level",
    "ModerationHook",
    "Ports",
    "Speaker",
    "Verdict",
    "all_commands",
    "build_bot",
    "console_bot",
]
