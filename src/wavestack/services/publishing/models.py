"""Posts: where a queue item ended up on each platform."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wavestack.kernel.clock import utcnow
from wavestack.kernel.db import Base
from wavestack.kernel.ids import new_id


class Post(Base):
    """One published copy of a queue item on one platform."""

    __tablename__ = "publishing_posts"
    __table_args__ = (
        UniqueConstraint("queue_item_id", "platform"),
        Index("ix_publishing_posts_org_published", "org_id", "published_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(String(36))
    queue_item_id: Mapped[str] = mapped_column(String(36))
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(255))
    url: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
