"""Social ingest: chat messages from every platform in one shape. Others use these functions.

A chat pipeline stores what a platform reports with `ingest` (its unit of work commits), then
hands the `Ingested` result to `announce` for the live stream; `delete_messages` records removals
and `record_events` raids, subscriptions and the like.
"""

from wavestack.services.social_ingest.schemas import (
    AuthorRef,
    ChannelRef,
    EventRecorded,
    IngestResult,
    MessageEvent,
    Platform,
    PlatformEventIn,
    StoredMessage,
)
from wavestack.services.social_ingest.service import (
    MESSAGES_STORED,
    ChatRecord,
    Ingested,
    OwnMessage,
    announce,
    broadcaster_messages,
    chat_between,
    delete_messages,
    ingest,
    record_events,
)
from wavestack.services.social_ingest.text import emotes_of

__all__ = [
    "MESSAGES_STORED",
    "AuthorRef",
    "ChannelRef",
    "ChatRecord",
    "EventRecorded",
    "IngestResult",
    "Ingested",
    "MessageEvent",
    "OwnMessage",
    "Platform",
    "PlatformEventIn",
    "StoredMessage",
    "announce",
    "broadcaster_messages",
    "chat_between",
    "delete_messages",
    "emotes_of",
    "ingest",
    "record_events",
]
