"""Shapes of the auto-mod API (snake_case, as the seed's auto-mod service)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from wavestack.kernel.schemas import StorableText
from wavestack.services.social_ingest import Platform

MAX_MESSAGE = 100_000  # larger is refused; up to it, long text is judged (and is spam)


class CheckRequest(StorableText):
    """A chat message to judge."""

    model_config = ConfigDict(extra="forbid")

    message: str = Field(max_length=MAX_MESSAGE)
    user_id: str = Field(min_length=1, max_length=128)
    username: str = Field("", max_length=200)
    platform: Platform
    channel_id: str = Field(min_length=1, max_length=128)
    user_roles: list[str] = Field(default_factory=list, max_length=20)


class Scores(BaseModel):
    """How strongly each family of rules fired, 0 to 1."""

    filter: float
    toxicity: float
    spam: float


class CheckResponse(BaseModel):
    """The verdict and what to do about it (the seed's response, plus the audit entry)."""

    should_delete: bool
    should_timeout: bool
    should_ban: bool
    timeout_duration: int
    violations: list[str]
    scores: Scores
    actions: list[str]
    reason: str
    violations_in_window: int = 0
    audit_id: int | None = None
    protective_mode: bool = False  # the channel is protected (a raid or a join wave)
    join_wave: int = 0  # when this message completed a join wave: its first-time chatters


class TermIn(StorableText):
    """A word (or phrase) to ban or lift."""

    model_config = ConfigDict(extra="forbid")

    word: str | None = Field(None, max_length=200)
    phrase: str | None = Field(None, max_length=200)


class TermList(BaseModel):
    """The organization's banned words and phrases."""

    words: list[str]
    phrases: list[str]


class ViolationsOut(BaseModel):
    """A chatter's violations that still count."""

    user_id: str
    count: int


class AuditEntryOut(BaseModel):
    """One moderation decision."""

    model_config = ConfigDict(from_attributes=True)

    id: int = Field(validation_alias="seq")
    platform: str
    channel_id: str
    user_id: str
    username: str
    message: str
    violations: list[str]
    scores: dict[str, Any]
    reason: str
    action: str
    duration_seconds: int
    created_at: datetime
    undone_at: datetime | None
    undone_by: str | None
    false_positive: bool


class AuditPage(BaseModel):
    """Decisions, newest first."""

    entries: list[AuditEntryOut]
    total: int


class UndoIn(BaseModel):
    """Taking a decision back."""

    model_config = ConfigDict(extra="forbid")

    false_positive: bool = False


class ImageCheckIn(StorableText):
    """An image to judge by URL (or upload the file instead); with a chatter and a channel,
    an NSFW image counts as their violation and is audited."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(None, max_length=2048)
    platform: Platform | None = None
    channel_id: str | None = Field(None, min_length=1, max_length=128)
    user_id: str | None = Field(None, min_length=1, max_length=128)
    username: str = Field("", max_length=200)


class DetectionOut(BaseModel):
    """A region the detector found."""

    label: str
    score: float
    box: list[int]


class ImageCheckResponse(BaseModel):
    """The verdict on an image; the actions are there when a chatter was named."""

    nsfw: bool
    score: float
    threshold: float
    classes: dict[str, float]
    detections: list[DetectionOut]
    width: int
    height: int
    reason: str
    should_delete: bool = False
    should_timeout: bool = False
    should_ban: bool = False
    timeout_duration: int = 0
    actions: list[str] = Field(default_factory=list)
    audit_id: int | None = None
