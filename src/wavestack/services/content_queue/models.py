"""Queue items: content waiting to be published to one or more platforms."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from wavestack.kernel.clock import utcnow
from wavestack.kernel.db import Base
from wavestack.kernel.ids import new_id


class QueueItem(Base):
    """One piece of content scheduled for publishing."""

    __tablename__ = "content_queue_items"
    __table_args__ = (
        UniqueConstraint("org_id", "idempotency_key"),
        Index("ix_content_queue_items_org_created", "org_id", "created_at"),
        Index("ix_content_queue_items_status_schedule", "status", "schedule_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(String(36))
    project_id: Mapped[str] = mapped_column(String(36))
    asset_id: Mapped[str | None] = mapped_column(String(36))  # none: a text post
    # More media after `asset_id`, in order (a carousel).
    extra_asset_ids: Mapped[list[str]] = mapped_column(default=list, server_default=text("'[]'"))
    title: Mapped[str] = mapped_column(String(120))
    caption: Mapped[str | None] = mapped_column(Text)
    hashtags: Mapped[list[str]] = mapped_column(default=list)
    platforms: Mapped[list[str]] = mapped_column(default=list)
    schedule_at: Mapped[datetime | None]
    # Per-platform settings of this post: {"youtube": {"privacy": ..., "publish_at": ...}}.
    options: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=text("'{}'"))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    error: Mapped[str | None] = mapped_column(Text)
    # Publishing's progress per platform: {platform: {status, error, url, postId}}.
    deliveries: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=text("'{}'"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def media_ids(self) -> list[str]:
        """The post's assets in order (none: text only)."""
        return [self.asset_id, *(self.extra_asset_ids or [])] if self.asset_id else []


class PostingSlot(Base):
    """A weekly time an organization posts to a platform, in its own time zone."""

    __tablename__ = "content_queue_slots"
    __table_args__ = (UniqueConstraint("org_id", "platform", "weekday", "minute"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(String(36), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    weekday: Mapped[int]  # Monday 0 .. Sunday 6
    minute: Mapped[int]  # of the day, local time
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
