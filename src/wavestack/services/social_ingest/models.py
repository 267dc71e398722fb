"""Chat messages from every platform, in one normalized shape."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wavestack.kernel.clock import utcnow
from wavestack.kernel.db import Base

# An integer key: compact for the busiest table, and on SQLite the stable rowid the full-text
# index refers to (a rowid that is not the key may change on VACUUM).
MessageKey = BigInteger().with_variant(Integer(), "sqlite")


class ChatMessage(Base):
    """One chat message; a platform's message id is unique per organization and platform.

    Full-text search lives beside it, made by the migrations: an FTS5 table kept in step by
    triggers on SQLite, a generated `search` tsvector with a GIN index on PostgreSQL.
    """

    __tablename__ = "social_ingest_messages"
    __table_args__ = (
        UniqueConstraint("org_id", "platform", "platform_message_id"),
        Index("ix_social_ingest_messages_channel_ts", "org_id", "platform", "channel_id", "ts"),
        Index("ix_social_ingest_messages_org_ts", "org_id", "ts"),
    )

    seq: Mapped[int] = mapped_column(MessageKey, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(String(36))
    platform: Mapped[str] = mapped_column(String(16))
    platform_message_id: Mapped[str] = mapped_column(String(128))
    channel_id: Mapped[str] = mapped_column(String(128))
    channel_name: Mapped[str | None] = mapped_column(String(200))
    author_id: Mapped[str] = mapped_column(String(128))
    author_name: Mapped[str] = mapped_column(String(200))
    author_role: Mapped[str | None] = mapped_column(String(32))
    is_mod: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text)
    ts: Mapped[datetime]
    meta: Mapped[dict[str, Any] | None]
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlatformEvent(Base):
    """Something a platform reported besides chat: a raid, a subscription, bits, the stream."""

    __tablename__ = "social_ingest_events"
    __table_args__ = (
        UniqueConstraint("org_id", "platform", "platform_event_id"),
        Index("ix_social_ingest_events_org_ts", "org_id", "ts"),
    )

    seq: Mapped[int] = mapped_column(MessageKey, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(String(36))
    platform: Mapped[str] = mapped_column(String(16))
    platform_event_id: Mapped[str] = mapped_column(String(128))
    event_type: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[str | None] = mapped_column(String(128))
    user_name: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[float | None] = mapped_column(Float)
    data: Mapped[dict[str, Any] | None]
    ts: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
