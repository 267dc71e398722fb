"""Events and jobs of the clipper."""

from __future__ import annotations

from typing import ClassVar

from wavestack.kernel.messages import Event, Job


class ClipCompleted(Event):
    """A clip was cut and stored as an asset."""

    event_type: ClassVar[str] = "clip.completed"
    job_id: str
    asset_id: str
    duration: float


class ClipFailed(Event):
    """A clip job ended without a clip."""

    event_type: ClassVar[str] = "clip.failed"
    job_id: str
    error: str


class ClipCanceled(Event):
    """A clip job was canceled on request."""

    event_type: ClassVar[str] = "clip.canceled"
    job_id: str


class CutClip(Job):
    """Cut the clip of a job (idempotent: a finished or canceled job is left alone)."""

    job_name: ClassVar[str] = "clipper.cut_clip"
    job_id: str
