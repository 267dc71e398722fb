"""Auto-mod's durable state: word lists, per-channel settings, violations and the audit trail.

The seed kept violations in process memory (lost on a restart) and had no audit at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wavestack.kernel.clock import utcnow
from wavestack.kernel.db import Base
from wavestack.kernel.ids import new_id

AuditKey = BigInteger().with_variant(Integer(), "sqlite")


class FilterTerm(Base):
    """A banned word or phrase of an organization."""

    __tablename__ = "auto_mod_terms"
    __table_args__ = (UniqueConstraint("org_id", "kind", "term"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(8))  # word | phrase
    term: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChannelSettings(Base):
    """Overrides of the moderation settings for one channel (`*`: every channel)."""

    __tablename__ = "auto_mod_settings"

    org_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    channel: Mapped[str] = mapped_column(String(160), primary_key=True)  # platform:channel or *
    overrides: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Violation(Base):
    """A rule a chatter broke; it counts toward escalation until it expires or is revoked."""

    __tablename__ = "auto_mod_violations"
    __table_args__ = (Index("ix_auto_mod_violations_user", "org_id", "platform", "user_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(String(36))
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[str] = mapped_column(String(128))
    rules: Mapped[list[str]]
    audit_seq: Mapped[int | None] = mapped_column(AuditKey)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditEntry(Base):
    """One moderation decision: the message, its scores, the rule and the action taken."""

    __tablename__ = "auto_mod_audit"
    __table_args__ = (
        Index("ix_auto_mod_audit_org", "org_id", "seq"),
        Index("ix_auto_mod_audit_user", "org_id", "user_id", "seq"),
    )

    seq: Mapped[int] = mapped_column(AuditKey, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(String(36))
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[str] = mapped_column(String(128))
    username: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    violations: Mapped[list[str]]
    scores: Mapped[dict[str, Any]]
    reason: Mapped[str] = mapped_column(String(500))
    action: Mapped[str] = mapped_column(String(16))  # none | warn | delete | timeout | ban
    duration_seconds: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    undone_at: Mapped[datetime | None]
    undone_by: Mapped[str | None] = mapped_column(String(200))
    false_positive: Mapped[bool] = mapped_column(Boolean, default=False)
