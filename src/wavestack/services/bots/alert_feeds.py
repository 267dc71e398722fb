"""Alerts from tipping services (StreamElements, Streamlabs) in the chat pipeline: which chat
thanks an alert, and a listener that turns a service's feed into platform events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from wavestack.services.social_ingest import PlatformEventIn

if TYPE_CHECKING:
    from wavestack.services.bots.runtime import ChatBot


class Feed(Protocol):
    """A service's connection, delivering alerts in the background."""

    def start(self) -> None:
        """Connect and listen."""

    def stop(self) -> None:
        """Disconnect."""


def thanking_platform(
    source: str, *, natively_reported: bool, channels: dict[str, str], native: set[str]
) -> str | None:
    """The chat that thanks an alert from `source`: its own when the bot is there, else the
    first. None when there is no chat, or when the platform's own adapter (Twitch's
    EventSub, YouTube's chat) already reports this kind of alert."""
    if not channels or (source in native and natively_reported):
        return None
    return source if source in channels else next(iter(channels))


def alert_time(stamp: object) -> datetime:
    """An ISO timestamp (`...Z` too) or a Unix time; now when there is none."""
    if isinstance(stamp, int | float) and stamp > 0:
        return datetime.fromtimestamp(stamp, UTC)
    try:
        at = datetime.fromisoformat(str(stamp or "").replace("Z", "+00:00"))
    except ValueError:
        return datetime.now(UTC)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def number(value: object) -> float | None:
    """An amount that may come as a number or a string ("5.00")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


class AlertListener:
    """Feeds a bot a service's alerts, translated into platform events."""

    feed: Feed

    def __init__(
        self, bot: ChatBot, translate: Callable[[dict[str, Any]], list[PlatformEventIn]]
    ) -> None:
        self.bot = bot
        self.translate = translate

    def start(self) -> None:
        """Connect in the background."""
        self.feed.start()

    def stop(self) -> None:
        """Disconnect."""
        self.feed.stop()

    def alert(self, payload: dict[str, Any]) -> None:
        """One alert (which may name several supporters) into the pipeline."""
        for event in self.translate(payload):
            self.bot.handle_event(event)
