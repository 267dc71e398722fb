"""Drafts waiting for a person's decision, and each organization's posting cadence."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wavestack.kernel.clock import utcnow
from wavestack.kernel.db import Base
from wavestack.kernel.ids import new_id


class Draft(Base):
    """A post proposed for the autoposter: pending until a person approves or rejects it."""

    __tablename__ = "autoposter_drafts"
    __table_args__ = (Index("ix_autoposter_drafts_org_status", "org_id", "status", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(String(36))
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))  # "person" or "ai"
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str | None] = mapped_column(Text)  # why it was rejected
    decided_by: Mapped[str | None] = mapped_column(String(64))  # the API client that decided
    decided_at: Mapped[datetime | None]
    queue_item_id: Mapped[str | None] = mapped_column(String(36))
    scheduled_for: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Cadence(Base):
    """When an organization's next approved draft may go out, and the project its posts
    are queued under."""

    __tablename__ = "autoposter_cadence"

    org_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(36))
    next_at: Mapped[datetime]
