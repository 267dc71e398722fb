"""StreamElements activities in the chat pipeline: tips and merch (and the follows, subs,
cheers and raids of platforms the bots do not hear natively) as platform events, thanked in
the chat of the platform they came from."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from wavestack.providers.streamelements import AstroFeed
from wavestack.services.social_ingest import PlatformEventIn

if TYPE_CHECKING:
    from wavestack.services.bots.runtime import ChatBot

# What the platforms' own adapters already report (EventSub, YouTube's chat): not twice.
NATIVE_KINDS = frozenset({"follow", "subscriber", "cheer", "raid", "superchat", "sponsor"})
KINDS = {
    "tip": "donation",
    "follow": "follow",
    "subscriber": "subscription",
    "cheer": "bits",
    "raid": "raid",
    "host": "host",
    "merch": "other",
}


def activity_event(
    activity: dict[str, Any], *, channels: dict[str, str], native: set[str]
) -> PlatformEventIn | None:
    """A StreamElements activity as a platform event in one of the bot's chats (None when
    it is not one to thank, or a native adapter reports it already)."""
    kind = str(activity.get("type", ""))
    if kind not in KINDS or not channels:
        return None
    provider = str(activity.get("provider", ""))
    if provider in native and kind in NATIVE_KINDS:
        return None
    platform = provider if provider in channels else next(iter(channels))
    data = activity.get("data") or {}
    name = data.get("displayName") or data.get("username") or data.get("sender")
    extra: dict[str, Any] = {"source": "streamelements"}
    if kind == "tip":
        extra |= {"currency": data.get("currency"), "message": data.get("message")}
    if kind == "merch":
        extra |= {"kind": "merch", "items": data.get("items") or []}
    amount = data.get("amount")
    stamp = str(activity.get("createdAt") or "")
    try:
        at = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        at = datetime.now(UTC)
    return PlatformEventIn(
        id=f"se:{activity.get('_id')}",
        platform=platform,
        event_type=KINDS[kind],
        channel_id=channels[platform],
        user_name=str(name) if name else None,
        amount=float(amount) if isinstance(amount, int | float) else None,
        data=extra,
        ts=at,
    )


class StreamElementsListener:
    """Feeds a bot the channel's StreamElements activities."""

    def __init__(
        self, bot: ChatBot, token: str, *, url: str, channels: dict[str, str], native: set[str]
    ) -> None:
        self.bot = bot
        self.channels = channels
        self.native = native
        self.feed = AstroFeed(token, self.activity, url=url)

    def start(self) -> None:
        """Subscribe in the background."""
        self.feed.start()

    def stop(self) -> None:
        """Disconnect."""
        self.feed.stop()

    def activity(self, activity: dict[str, Any]) -> None:
        """One activity into the pipeline."""
        event = activity_event(activity, channels=self.channels, native=self.native)
        if event is not None:
            self.bot.handle_event(event)
