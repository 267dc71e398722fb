"""What the AI personality keeps: the creator's own samples it learned from, the style
profile and settings per organization, and what it wrote, with a person's decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from wavestack.kernel.clock import utcnow
from wavestack.kernel.db import Base
from wavestack.kernel.ids import new_id


class Sample(Base):
    """One text the creator wrote (a chat message, a tweet, a transcript line)."""

    __tablename__ = "personality_samples"
    __table_args__ = (Index("ix_personality_samples_org_created", "org_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(String(36))
    text: Mapped[str] = mapped_column(Text)
    prompt: Mapped[str | None] = mapped_column(Text)  # the message it answered, if any
    data_type: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(64))
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Profile(Base):
    """An organization's learned style and its settings for the personality."""

    __tablename__ = "personality_profiles"

    org_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    style: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=text("'{}'"))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=text("'{}'"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Generation(Base):
    """Content the personality wrote, waiting for (or past) a person's review."""

    __tablename__ = "personality_generations"
    __table_args__ = (Index("ix_personality_generations_org_status", "org_id", "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(String(36))
    content_type: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    alternatives: Mapped[list[str]] = mapped_column(default=list)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)  # sentiment, energy...
    provider: Mapped[str] = mapped_column(String(32))  # which path wrote it: "style-model"
    confidence: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    feedback: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    draft_id: Mapped[str | None] = mapped_column(String(36))  # the autoposter's, for a tweet
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Memory(Base):
    """Something worth remembering about the creator, with how much it matters and when it
    was last of use; its vector is the embedding of its text, by the embedding named."""

    __tablename__ = "personality_memories"
    __table_args__ = (Index("ix_personality_memories_org_created", "org_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(String(36))
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))  # fact, preference, event, relationship, other
    importance: Mapped[int]  # 1 to 10
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    embedding: Mapped[str] = mapped_column(String(32), server_default="hash512")
    access_count: Mapped[int] = mapped_column(default=0)
    last_accessed_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Turn(Base):
    """One message of a chat conversation, kept for the short-term window."""

    __tablename__ = "personality_turns"
    __table_args__ = (
        Index("ix_personality_turns_conversation", "org_id", "conversation", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(String(36))
    conversation: Mapped[str] = mapped_column(String(300))  # platform:channel:user
    role: Mapped[str] = mapped_column(String(16))  # user or assistant
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChatCursor(Base):
    """How far learning has read the chat social_ingest stored (one row)."""

    __tablename__ = "personality_chat_cursor"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
