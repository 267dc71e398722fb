"""Chat messages from every platform, in one normalized shape."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wavestack.kernel.clock import utcnow
from wavestack.kernel.db import Base
from wavestack.kernel.ids import new_id


class ChatMessage(Base):
    """One chat message; a platform's message id is unique per organization and platform."""

    __tablename__ = "social_ingest_messages"
    __table_args__ = (
        UniqueConstraint("org_id", "platform", "platform_message_id"),
        Index("ix_social_ingest_messages_channel_ts", "org_id", "platform", "channel_id", "ts"),
        Index("ix_social_ingest_messages_org_ts", "org_id", "ts"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
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
