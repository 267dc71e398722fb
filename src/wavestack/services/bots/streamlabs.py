"""Streamlabs alerts in the chat pipeline: donations and merch (and the follows, subs, bits,
raids and Super Chats of platforms the bots do not hear natively) as platform events,
thanked in the chat of the platform they came from."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wavestack.providers.streamlabs import StreamlabsSocket
from wavestack.services.bots.alert_feeds import (
    AlertListener,
    alert_time,
    number,
    thanking_platform,
)
from wavestack.services.social_ingest import PlatformEventIn

if TYPE_CHECKING:
    from wavestack.services.bots.runtime import ChatBot

SOURCES = {"twitch_account": "twitch", "youtube_account": "youtube"}
KINDS = {
    "donation": "donation",
    "streamlabscharitydonation": "donation",
    "superchat": "donation",
    "follow": "follow",
    "subscription": "subscription",
    "resub": "subscription",
    "subMysteryGift": "gift_subscription",
    "bits": "bits",
    "raid": "raid",
    "host": "host",
    "merch": "other",
}
# What the platforms' own adapters already report (EventSub, YouTube's chat): not twice.
NATIVE_KINDS = frozenset(KINDS) - {"donation", "streamlabscharitydonation", "merch"}
MICROS = 1_000_000  # Super Chat amounts come in millionths


def streamlabs_events(
    payload: dict[str, Any], *, channels: dict[str, str], native: set[str]
) -> list[PlatformEventIn]:
    """A Socket API `event` as platform events, one per supporter it names (none when it is
    not one to thank, or a native adapter reports it already)."""
    kind = str(payload.get("type", ""))
    platform = thanking_platform(
        SOURCES.get(str(payload.get("for", "")), "streamlabs"),
        natively_reported=kind in NATIVE_KINDS,
        channels=channels,
        native=native,
    )
    items = payload.get("message")
    if kind not in KINDS or platform is None or not isinstance(items, list):
        return []
    return [
        _event(kind, item, index, payload, platform, channels[platform])
        for index, item in enumerate(items)
        if isinstance(item, dict)
    ]


def _event(
    kind: str,
    item: dict[str, Any],
    index: int,
    payload: dict[str, Any],
    platform: str,
    channel: str,
) -> PlatformEventIn:
    name = item.get("name") or item.get("from")
    extra: dict[str, Any] = {"source": "streamlabs", "kind": kind}
    amount: float | None
    if kind == "superchat":
        amount = (number(item.get("amount")) or 0) / MICROS
        extra |= {"currency": item.get("currency"), "message": item.get("comment")}
    elif kind in ("donation", "streamlabscharitydonation"):
        amount = number(item.get("amount"))
        extra |= {"currency": item.get("currency"), "message": item.get("message")}
    elif kind in ("subscription", "resub"):
        amount = number(item.get("months"))
    elif kind == "raid":
        amount = number(item.get("raiders"))
    elif kind == "host":
        amount = number(item.get("viewers"))
    elif kind == "merch":
        amount = None
        extra |= {"kind": "merch", "items": [item.get("product")] if item.get("product") else []}
    else:
        amount = number(item.get("amount"))
    key = item.get("_id") or item.get("id") or payload.get("event_id")
    return PlatformEventIn(
        id=f"sl:{key}:{index}",
        platform=platform,
        event_type=KINDS[kind],
        channel_id=channel,
        user_name=str(name) if name else None,
        amount=amount,
        data=extra,
        ts=alert_time(item.get("created_at") or item.get("createdAt")),
    )


class StreamlabsListener(AlertListener):
    """Feeds a bot the account's Streamlabs alerts."""

    def __init__(
        self, bot: ChatBot, token: str, *, url: str, channels: dict[str, str], native: set[str]
    ) -> None:
        super().__init__(
            bot, lambda payload: streamlabs_events(payload, channels=channels, native=native)
        )
        self.feed: StreamlabsSocket = StreamlabsSocket(token, self.alert, url=url)
