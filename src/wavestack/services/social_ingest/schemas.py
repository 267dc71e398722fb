"""The `MessageEvent` shape of the seed's social-ingest service (camelCase on the wire)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from wavestack.kernel.schemas import ApiInput, ApiModel, UtcDateTime

Platform = Literal["discord", "twitch", "youtube", "twitter", "telegram", "whatsapp"]
MAX_BATCH = 1000


class ChannelRef(ApiInput):
    """Where a message was written."""

    id: str = Field(min_length=1, max_length=128)
    name: str | None = Field(None, max_length=200)


class AuthorRef(ApiInput):
    """Who wrote a message."""

    id: str = Field(min_length=1, max_length=128)
    name: str = Field(min_length=1, max_length=200)
    role: str | None = Field(None, max_length=32)
    is_mod: bool = False


class MessageEvent(ApiInput):
    """A chat message as a platform adapter (or an outside tool) reports it."""

    id: str = Field(min_length=1, max_length=128, description="The platform's message id.")
    platform: Platform
    channel: ChannelRef
    author: AuthorRef
    text: str = Field(max_length=4000)
    ts: UtcDateTime
    meta: dict[str, Any] | None = None


class IngestBatch(ApiInput):
    """Up to 1000 messages at once."""

    events: list[MessageEvent] = Field(min_length=1, max_length=MAX_BATCH)


class IngestResult(ApiModel):
    """What a batch did: new messages, exact repeats, and edits of earlier ones."""

    accepted: int
    duplicates: int
    edited: int


class StoredMessage(ApiModel):
    """A stored message, as `GET /api/v1/messages` returns it."""

    id: str
    platform: str
    channel: ChannelRef
    author: AuthorRef
    text: str
    ts: UtcDateTime
    meta: dict[str, Any] | None = None
    edited_at: UtcDateTime | None = None


class MessagePage(ApiModel):
    """One page of messages, newest first."""

    messages: list[StoredMessage]
    count: int
    has_more: bool


class Counted(ApiModel):
    """A thing and how often it occurred."""

    name: str
    count: int


class UserAnalytics(ApiModel):
    """How one chatter talks, across channels."""

    user_id: str
    platform: str | None
    name: str | None
    message_count: int
    average_length: float
    active_hours: dict[int, int]  # hour of day (UTC) -> messages
    active_days: dict[int, int]  # ISO weekday (1 = Monday) -> messages
    top_emotes: list[Counted]
    top_hashtags: list[Counted]
    first_seen: UtcDateTime | None
    last_seen: UtcDateTime | None


class ChatterCount(ApiModel):
    """A chatter and a number of theirs."""

    user_id: str
    name: str
    platform: str
    value: int


class ChannelDay(ApiModel):
    """One channel on one day (UTC)."""

    channel_id: str
    platform: str | None
    date: str
    messages: int
    unique_chatters: int
    top_users: list[ChatterCount]
    top_emotes: list[Counted]


class SearchHit(StoredMessage):
    """A message that matched, with its relevance (higher is better)."""

    rank: float


class SearchResult(ApiModel):
    """Messages matching a full-text query, best first."""

    messages: list[SearchHit]
    count: int


EventType = Literal[
    "stream_start",
    "stream_end",
    "raid",
    "host",
    "subscription",
    "gift_subscription",
    "bits",
    "donation",
    "follow",
    "member_join",
    "member_leave",
    "other",
]


class PlatformEventIn(ApiInput):
    """A platform event; `id` (the platform's, or one you make up) makes repeats harmless."""

    id: str = Field(min_length=1, max_length=128)
    platform: Platform
    event_type: EventType
    channel_id: str = Field(min_length=1, max_length=128)
    user_id: str | None = Field(None, max_length=128)
    user_name: str | None = Field(None, max_length=200)
    amount: float | None = Field(None, description="Viewers of a raid, bits, months, money.")
    data: dict[str, Any] | None = None
    ts: UtcDateTime


class EventBatch(ApiInput):
    """Up to 1000 platform events at once."""

    events: list[PlatformEventIn] = Field(min_length=1, max_length=MAX_BATCH)


class EventRecorded(ApiModel):
    """What a batch of events did."""

    accepted: int
    duplicates: int


class StoredEvent(PlatformEventIn):
    """A stored platform event."""


class EventPage(ApiModel):
    """One page of platform events, newest first."""

    events: list[StoredEvent]
    count: int
    has_more: bool
