"""Small test videos made with the bundled FFmpeg, whose frames say their own index.

Each frame is flat grey in two halves: the left half's level encodes `index // 16`, the right
half's `index % 16`, 14 levels apart, so lossy encoding cannot blur one index into another.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import av

from wavestack.providers.transcode.client import bundled_ffmpeg

FPS = 25
SIZE = (160, 96)
_STEP = 14
_BASE = 16


def make_video(
    path: Path,
    *,
    seconds: float = 10.0,
    gop: int = 50,
    audio: bool = True,
    size: tuple[int, int] = SIZE,
    codec: str = "libx264",
    numbered: bool = True,
    loud: list[tuple[float, float]] | None = None,
) -> Path:
    """Write a video of numbered frames (keyframe every `gop` frames) with a sine tone.

    With `loud`, the tone is quiet except in those (start, end) stretches.
    """
    width, height = size
    level = f"{_BASE}+{_STEP}*if(lt(X,W/2),floor(N/16),mod(N,16))"
    video = (
        f"color=c=black:s={width}x{height}:r={FPS}:d={seconds},format=yuv420p,"
        f"geq=lum='{level}':cb=128:cr=128"
        if numbered
        # Moving test patterns: cheap to make, costly enough to encode to still be running.
        else f"testsrc2=s={width}x{height}:r={FPS}:d={seconds}"
    )
    args = [bundled_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y"]
    args += ["-f", "lavfi", "-i", video]
    if audio:
        tone = f"sine=frequency=440:sample_rate=48000:duration={seconds}"
        if loud is not None:
            # Quiet (-44 dBFS) except in the loud stretches (-18 dBFS).
            spans = "+".join(f"between(t,{a},{b})" for a, b in loud) or "0"
            tone += f",volume='if({spans},1.0,0.05)':eval=frame"
        args += ["-f", "lavfi", "-i", tone]
    args += ["-c:v", codec, "-g", str(gop), "-keyint_min", str(gop), "-pix_fmt", "yuv420p"]
    if codec == "libx264":
        args += ["-preset", "ultrafast", "-sc_threshold", "0"]
    if audio:
        args += ["-c:a", "aac" if path.suffix != ".webm" else "libopus", "-shortest"]
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([*args, str(path)], check=True, capture_output=True)
    return path


def _mean(plane: av.video.plane.VideoPlane, x0: int, x1: int, height: int) -> float:
    data = bytes(plane)
    total = count = 0
    for row in range(height // 4, height * 3 // 4):
        line = data[row * plane.line_size + x0 : row * plane.line_size + x1]
        total += sum(line)
        count += len(line)
    return total / count


def frame_index(frame: av.VideoFrame) -> int:
    """Read back the index a frame of `make_video` carries."""
    plane = frame.planes[0]
    width, height = frame.width, frame.height
    high = _mean(plane, width // 8, width * 3 // 8, height)
    low = _mean(plane, width * 5 // 8, width * 7 // 8, height)
    return round((high - _BASE) / _STEP) * 16 + round((low - _BASE) / _STEP)


def frame_indexes(path: Path) -> list[int]:
    """The index of every frame of a clip, in order."""
    with av.open(str(path)) as container:
        return [frame_index(frame) for frame in container.decode(video=0)]


def streams(path: Path) -> tuple[str | None, str | None, int, int]:
    """(video codec, audio codec, width, height) of a file."""
    with av.open(str(path)) as container:
        video = next(iter(container.streams.video), None)
        audio = next(iter(container.streams.audio), None)
        return (
            video.codec_context.name if video else None,
            audio.codec_context.name if audio else None,
            video.width if video else 0,
            video.height if video else 0,
        )
