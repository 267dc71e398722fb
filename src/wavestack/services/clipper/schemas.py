"""Request and response shapes of the clipper (snake_case, as the seed's clipper API)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from wavestack.kernel.schemas import UtcDateTime
from wavestack.services.social_ingest import Platform

ClipStatusName = Literal["queued", "processing", "complete", "failed", "canceled"]
MAX_CLIP_SECONDS = 3600


class ClipRequest(BaseModel):
    """What to cut, from where, and how."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source: str = Field(
        min_length=1,
        max_length=4096,
        description="A file under the media roots, `asset://<id>`, or an http(s) URL.",
    )
    start_sec: float = Field(ge=0, description="Where the clip starts in the source.")
    duration_sec: float = Field(gt=0, le=MAX_CLIP_SECONDS, description="Clip length (max 3600).")
    out_ext: Literal["mp4", "mov", "webm", "mkv"] = "mp4"
    name: str | None = Field(None, max_length=200, description="File name of the clip asset.")
    mode: Literal["accurate", "fast", "auto"] = Field(
        "accurate",
        description="`accurate` re-encodes (frame-exact); `fast` copies streams from the "
        "keyframe at or before the start; `auto` copies when the start is on a keyframe.",
    )
    aspect: Literal["source", "9:16", "1:1", "16:9"] = "source"
    fit: Literal["crop", "blur"] = Field(
        "crop", description="Reach another aspect by centre crop or on a blurred background."
    )
    captions: str | None = Field(
        None,
        max_length=500_000,
        description="Captions burned into the picture: SRT text, or `asset://<id>` of an SRT.",
    )


class ClipAccepted(BaseModel):
    """The answer to a clip request: a job to follow."""

    job_id: str
    status: ClipStatusName
    message: str


class ClipResult(BaseModel):
    """The finished clip."""

    url: str
    asset_id: str
    duration: float
    start: float
    size_bytes: int
    mode: str
    created_at: datetime


class ClipStatus(BaseModel):
    """Where a clip job stands."""

    job_id: str
    status: ClipStatusName
    progress: float = Field(ge=0, le=100)
    result: ClipResult | None = None
    error: str | None = None
    created_at: UtcDateTime
    updated_at: UtcDateTime


class ChatMessageIn(BaseModel):
    """A chat message: `ts` in seconds from the start of the stream, or a timestamp."""

    model_config = ConfigDict(extra="forbid")

    ts: float | UtcDateTime
    author: str = Field("", max_length=200)
    text: str = Field(max_length=2000)


class AutoClip(BaseModel):
    """Queue clips of the best candidates right away."""

    model_config = ConfigDict(extra="forbid")

    count: int = Field(3, ge=1, le=20)
    aspect: Literal["source", "9:16", "1:1", "16:9"] = "source"
    fit: Literal["crop", "blur"] = "crop"
    mode: Literal["accurate", "fast", "auto"] = "accurate"
    out_ext: Literal["mp4", "mov", "webm", "mkv"] = "mp4"


class ChatSource(BaseModel):
    """Stored chat of one channel over the stream's time range (see `POST /api/v1/ingest`)."""

    model_config = ConfigDict(extra="forbid")

    platform: Platform
    channel_id: str = Field(min_length=1, max_length=128)
    since: UtcDateTime = Field(description="When the stream started.")
    until: UtcDateTime = Field(description="When it ended.")

    @model_validator(mode="after")
    def _ordered(self) -> ChatSource:
        if self.until <= self.since:
            raise ValueError("until must be after since")
        return self


class HighlightsRequest(BaseModel):
    """A stream (its video and/or its chat) to find highlights in."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source: str | None = Field(
        None, max_length=4096, description="A file under the media roots or `asset://<id>`."
    )
    chat: list[ChatMessageIn] = Field(default_factory=list, max_length=500_000)
    chat_source: ChatSource | None = Field(
        None, description="Read the chat from the stored messages instead of `chat`."
    )
    stream_started_at: UtcDateTime | None = Field(
        None, description="Needed when chat timestamps are dates rather than seconds."
    )
    duration_sec: float | None = Field(
        None, gt=0, description="Length of the stream when there is no source to probe."
    )
    limit: int = Field(10, ge=1, le=100)
    auto_clip: AutoClip | None = None


class HighlightCandidate(BaseModel):
    """A stretch of the stream worth clipping, and why."""

    start_sec: float
    end_sec: float
    score: float
    reasons: list[str]


class HighlightsResult(BaseModel):
    """Ranked candidates, and the clip jobs queued for them when asked."""

    candidates: list[HighlightCandidate]
    clip_jobs: list[ClipAccepted] = Field(default_factory=list)
