"""Clip jobs: one FFmpeg cut each, from a request to an asset."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wavestack.kernel.clock import utcnow
from wavestack.kernel.db import Base
from wavestack.kernel.ids import new_id


class ClipJob(Base):
    """A requested clip, its progress and its outcome."""

    __tablename__ = "clipper_jobs"
    __table_args__ = (
        Index("ix_clipper_jobs_org_created", "org_id", "created_at"),
        Index("ix_clipper_jobs_status_updated", "status", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(String(36))
    source: Mapped[str] = mapped_column(Text)
    start_sec: Mapped[float] = mapped_column(Float)
    duration_sec: Mapped[float] = mapped_column(Float)
    out_ext: Mapped[str] = mapped_column(String(8))
    mode: Mapped[str] = mapped_column(String(8))
    aspect: Mapped[str] = mapped_column(String(8))
    fit: Mapped[str] = mapped_column(String(8))
    captions: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    mode_used: Mapped[str | None] = mapped_column(String(8))
    result_start: Mapped[float | None] = mapped_column(Float)
    result_duration: Mapped[float | None] = mapped_column(Float)
    size_bytes: Mapped[int | None]
    asset_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None]
