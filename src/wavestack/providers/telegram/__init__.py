"""Telegram: a bot (python-telegram-bot) polling for updates and acting in groups."""

from wavestack.providers.telegram.client import TelegramClient, TelegramFailed
from wavestack.providers.telegram.settings import TelegramSettings

__all__ = ["TelegramClient", "TelegramFailed", "TelegramSettings"]
