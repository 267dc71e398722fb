"""Clipper: FFmpeg clips of stream highlights as durable, cancelable jobs."""

from wavestack.services.clipper.handlers import worker_of
from wavestack.services.clipper.schemas import ClipRequest, ClipStatus, HighlightsRequest
from wavestack.services.clipper.service import (
    cancel_job,
    create_job,
    find_highlights,
    get_status,
    media_path,
)

__all__ = [
    "ClipRequest",
    "ClipStatus",
    "HighlightsRequest",
    "cancel_job",
    "create_job",
    "find_highlights",
    "get_status",
    "media_path",
    "worker_of",
]
