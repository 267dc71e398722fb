"""StreamElements activities in the chat pipeline: tips and merch (and the follows, subs,
cheers and raids of platforms the bots do not hear natively) as platform events, thanked in
the chat of the platform they came from."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wavestack.providers.streamelements import AstroFeed
from wavestack.services.bots.alert_feeds import AlertListener, alert_time, thanking_platform
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
    platform = thanking_platform(
        str(activity.get("provider", "")),
        natively_reported=kind in NATIVE_KINDS,
        channels=channels,
        native=native,
    )
    if kind not in KINDS or platform is None:
        return None
    data = activity.get("data") or {}
    name = data.get("displayName") or data.get("username") or data.get("sender")
    extra: dict[str, Any] = {"source": "streamelements"}
    if kind == "tip":
        extra |= {"currency": data.get("currency"), "message": data.get("message")}
    if kind == "merch":
        extra |= {"kind": "merch", "items": data.get("items") or []}
    amount = data.get("amount")
    return PlatformEventIn(
        id=f"se:{activity.get('_id')}",
        platform=platform,
        event_type=KINDS[kind],
        channel_id=channels[platform],
        user_name=str(name) if name else None,
        amount=float(amount) if isinstance(amount, int | float) else None,
        data=extra,
        ts=alert_time(activity.get("createdAt")),
    )


class StreamElementsListener(AlertListener):
    """Feeds a bot the channel's StreamElements activities."""

    def __init__(
        self, bot: ChatBot, token: str, *, url: str, channels: dict[str, str], native: set[str]
    ) -> None:
        def translate(activity: dict[str, Any]) -> list[PlatformEventIn]:
            event = activity_event(activity, channels=channels, native=native)
            return [] if event is None else [event]

        super().__init__(bot, translate)
        self.feed: AstroFeed = AstroFeed(token, self.alert, url=url)
