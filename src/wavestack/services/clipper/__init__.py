"""Clipper: FFmpeg clips of stream highlights as durable, cancelable jobs."""

from wavestack.services.clipper.handlers import worker_of
from wavestack.services.clipper.schemas import ClipRequest, ClipStatus
from wavestack.services.clipper.service import cancel_job, create_job, get_status

__all__ = ["ClipRequest", "ClipStatus", "cancel_job", "create_job", "get_status", "worker_of"]
