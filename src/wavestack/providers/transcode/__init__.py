"""Media probing and cutting: FFmpeg for real, an in-memory fake for fast tests."""

from wavestack.providers.transcode.port import (
    CONTAINERS,
    COPYABLE,
    Canceled,
    CutResult,
    CutSpec,
    MediaInfo,
    NotMedia,
    StopCheck,
    TranscodeFailed,
    Transcoder,
)

__all__ = [
    "CONTAINERS",
    "COPYABLE",
    "Canceled",
    "CutResult",
    "CutSpec",
    "MediaInfo",
    "NotMedia",
    "StopCheck",
    "TranscodeFailed",
    "Transcoder",
]
