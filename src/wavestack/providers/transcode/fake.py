"""An in-memory transcoder: media are registered by path; a cut writes a small marker file."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from wavestack.providers.transcode.port import (
    Canceled,
    CutResult,
    CutSpec,
    MediaInfo,
    NotMedia,
    ProgressCallback,
    StopCheck,
)


@dataclass
class FakeTranscoder:
    """Knows the media it was told about; `hold` makes cuts wait until released (for cancel)."""

    media: dict[Path, MediaInfo] = field(default_factory=dict)
    keyframe_interval: float = 2.0
    cuts: list[CutSpec] = field(default_factory=list)
    loudness: dict[Path, list[float]] = field(default_factory=dict)
    hold: threading.Event | None = None

    def add(self, path: Path, *, duration: float = 60.0) -> MediaInfo:
        """Make `path` a readable video of `duration` seconds."""
        info = MediaInfo(duration, "h264", "aac", 1920, 1080, 30.0)
        self.media[path.resolve()] = info
        return info

    def probe(self, source: Path) -> MediaInfo:
        """Return what was registered for the path."""
        info = self.media.get(source.resolve())
        if info is None:
            raise NotMedia(f"not a readable media file: {source.name}")
        return info

    def keyframe_at_or_before(self, source: Path, seconds: float) -> float:
        """Keyframes every `keyframe_interval` seconds."""
        self.probe(source)
        return seconds - seconds % self.keyframe_interval

    def loudness_per_second(self, source: Path) -> list[float]:
        """The levels registered for the path (silence-free steady tone otherwise)."""
        info = self.probe(source)
        return self.loudness.get(source.resolve(), [-30.0] * int(info.duration or 0))

    def remux(self, source: Path, target: Path) -> None:
        """A remuxed copy is the same media."""
        info = self.probe(source)
        target.write_bytes(source.read_bytes())
        self.media[target.resolve()] = info

    def cut(
        self, spec: CutSpec, *, on_progress: ProgressCallback, should_stop: StopCheck
    ) -> CutResult:
        """Record the cut and write a marker file in place of the clip."""
        info = self.probe(spec.source)
        self.cuts.append(spec)
        on_progress(50.0)
        while self.hold is not None and not self.hold.wait(0.05):
            if should_stop():
                raise Canceled("the clip job was canceled")
        if should_stop():
            raise Canceled("the clip job was canceled")
        duration = min(spec.duration, (info.duration or spec.duration) - spec.start)
        spec.output.parent.mkdir(parents=True, exist_ok=True)
        spec.output.write_bytes(f"clip {spec.start}+{duration}".encode())
        on_progress(100.0)
        return CutResult(spec.output, spec.start, duration, spec.output.stat().st_size)
