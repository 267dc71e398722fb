"""The transcoder port: probe a media file and cut a clip out of it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

Mode = Literal["accurate", "fast", "auto"]
Aspect = Literal["source", "9:16", "1:1", "16:9"]
Fit = Literal["crop", "blur"]

# Output containers and the codecs each gets when re-encoding (webm is VP9/Opus only).
CONTAINERS: dict[str, tuple[str, str]] = {
    "mp4": ("libx264", "aac"),
    "mov": ("libx264", "aac"),
    "mkv": ("libx264", "aac"),
    "webm": ("libvpx-vp9", "libopus"),
}
# Video codecs a container may carry when the source is stream-copied.
COPYABLE: dict[str, frozenset[str]] = {
    "mp4": frozenset({"h264", "hevc", "av1", "mpeg4"}),
    "mov": frozenset({"h264", "hevc", "prores", "mpeg4"}),
    "mkv": frozenset({"h264", "hevc", "av1", "vp8", "vp9", "mpeg4"}),
    "webm": frozenset({"vp8", "vp9", "av1"}),
}


class NotMedia(Exception):
    """The input is missing, unreadable, or holds no audio or video stream."""


class TranscodeFailed(Exception):
    """FFmpeg ran and failed; the message carries the end of its log."""


class Canceled(Exception):
    """The cut was stopped on request."""


@dataclass(frozen=True)
class MediaInfo:
    """What a probe found out about an input."""

    duration: float | None
    video_codec: str | None
    audio_codec: str | None
    width: int | None
    height: int | None
    fps: float | None

    @property
    def has_video(self) -> bool:
        """Tell whether there is a video stream."""
        return self.video_codec is not None


@dataclass(frozen=True)
class CutSpec:
    """One clip to cut: `duration` seconds from `start` of `source` into `output`."""

    source: Path
    output: Path
    start: float
    duration: float
    copy: bool
    aspect: Aspect = "source"
    fit: Fit = "crop"  # how another aspect is reached: centre crop, or blurred-background fill
    captions: Path | None = None  # an SRT file burned into the picture


@dataclass(frozen=True)
class CutResult:
    """The written clip."""

    path: Path
    start: float
    duration: float
    size_bytes: int


ProgressCallback = Callable[[float], None]
StopCheck = Callable[[], bool]


class Transcoder(Protocol):
    """Probe and cut media files on local disk."""

    def probe(self, source: Path) -> MediaInfo:
        """Describe a media file (NotMedia when it is not one)."""

    def keyframe_at_or_before(self, source: Path, seconds: float) -> float:
        """Return the time of the last video keyframe at or before `seconds`."""

    def loudness_per_second(self, source: Path) -> list[float]:
        """Return the audio level in dBFS of every second (empty without audio)."""

    def remux(self, source: Path, target: Path) -> None:
        """Copy the streams into `target` with timestamps from zero (seekable, unlike raw TS)."""

    def cut(
        self, spec: CutSpec, *, on_progress: ProgressCallback, should_stop: StopCheck
    ) -> CutResult:
        """Write the clip; report progress 0-100; raise Canceled when `should_stop` says so."""
