"""The FFmpeg transcoder on real (tiny, generated) videos."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from media import FPS, frame_indexes, make_video, streams
from wavestack.providers.transcode import Canceled, CutSpec, NotMedia, TranscodeFailed
from wavestack.providers.transcode.client import FFmpegTranscoder, aspect_box, bundled_ffmpeg

FRAME = 1 / FPS


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("media") / "numbered.mp4")


@pytest.fixture(scope="module")
def long_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("media") / "long.mp4"
    return make_video(path, seconds=30, size=(640, 360), numbered=False)


@pytest.fixture
def ffmpeg() -> FFmpegTranscoder:
    return FFmpegTranscoder(bundled_ffmpeg(), max_concurrent=2, timeout_seconds=60)


def _cut(ffmpeg: FFmpegTranscoder, spec: CutSpec) -> tuple[list[float], float]:
    seen: list[float] = []
    result = ffmpeg.cut(spec, on_progress=seen.append, should_stop=lambda: False)
    return seen, result.duration


def test_probe_describes_the_video(ffmpeg: FFmpegTranscoder, source: Path) -> None:
    info = ffmpeg.probe(source)
    assert info.video_codec == "h264"
    assert info.audio_codec == "aac"
    assert (info.width, info.height) == (160, 96)
    assert info.duration == pytest.approx(10.0, abs=0.1)


@pytest.mark.parametrize("start", [3.0, 3.28, 7.12])
def test_accurate_cut_starts_on_the_exact_frame(
    ffmpeg: FFmpegTranscoder, source: Path, tmp_path: Path, start: float
) -> None:
    out = tmp_path / "clip.mp4"
    seen, duration = _cut(ffmpeg, CutSpec(source, out, start=start, duration=2.0, copy=False))
    frames = frame_indexes(out)
    first = round(start * FPS)
    assert frames[0] == first
    assert frames == list(range(first, first + len(frames)))
    assert abs(len(frames) * FRAME - 2.0) <= FRAME
    assert abs(duration - 2.0) <= FRAME + 0.03  # audio may run a fraction of a frame longer
    assert seen[-1] == 100


def test_keyframes_and_a_fast_cut_copy_from_the_keyframe_before(
    ffmpeg: FFmpegTranscoder, source: Path, tmp_path: Path
) -> None:
    keyframe = ffmpeg.keyframe_at_or_before(source, 3.0)
    assert keyframe == pytest.approx(2.0, abs=FRAME / 2)  # a keyframe every 50 frames
    assert ffmpeg.keyframe_at_or_before(source, 4.0) == pytest.approx(4.0, abs=FRAME / 2)
    out = tmp_path / "fast.mp4"
    _, duration = _cut(ffmpeg, CutSpec(source, out, start=keyframe, duration=3.0, copy=True))
    frames = frame_indexes(out)
    assert frames[0] == 50
    assert duration == pytest.approx(3.0, abs=0.1)


@pytest.mark.parametrize(
    ("ext", "video", "audio"),
    [
        ("mp4", "h264", "aac"),
        ("mov", "h264", "aac"),
        ("mkv", "h264", "aac"),
        ("webm", "vp9", "opus"),
    ],
)
def test_each_container_gets_its_codecs(
    ffmpeg: FFmpegTranscoder, source: Path, tmp_path: Path, ext: str, video: str, audio: str
) -> None:
    out = tmp_path / f"clip.{ext}"
    _cut(ffmpeg, CutSpec(source, out, start=1.0, duration=1.0, copy=False))
    assert streams(out)[:2] == (video, audio)


@pytest.mark.parametrize(
    ("aspect", "fit", "size"),
    [
        ("source", "crop", (160, 96)),
        ("9:16", "crop", (54, 96)),
        ("1:1", "crop", (96, 96)),
        ("16:9", "crop", (160, 90)),
        ("9:16", "blur", (54, 96)),
        ("1:1", "blur", (96, 96)),
    ],
)
def test_aspects_give_even_sizes_of_the_ratio(
    ffmpeg: FFmpegTranscoder,
    source: Path,
    tmp_path: Path,
    aspect: str,
    fit: str,
    size: tuple[int, int],
) -> None:
    out = tmp_path / "clip.mp4"
    spec = CutSpec(source, out, start=0.0, duration=0.4, copy=False, aspect=aspect, fit=fit)  # type: ignore[arg-type]
    _cut(ffmpeg, spec)
    assert streams(out)[2:] == size
    assert aspect_box(1920, 1080, "9:16") == (606, 1080)


def test_burned_captions_change_the_pixels_under_the_text(
    ffmpeg: FFmpegTranscoder, source: Path, tmp_path: Path
) -> None:
    import av

    srt = tmp_path / "captions.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:05,000\nHELLO THERE\n", encoding="utf-8")
    plain, captioned = tmp_path / "plain.mp4", tmp_path / "captioned.mp4"
    _cut(ffmpeg, CutSpec(source, plain, start=1.0, duration=0.4, copy=False))
    _cut(ffmpeg, CutSpec(source, captioned, start=1.0, duration=0.4, copy=False, captions=srt))

    def bottom_rows(path: Path) -> bytes:
        with av.open(str(path)) as container:
            frame = next(container.decode(video=0))
            plane = frame.planes[0]
            data = bytes(plane)
            return data[plane.line_size * frame.height * 2 // 3 :]

    changed = sum(a != b for a, b in zip(bottom_rows(plain), bottom_rows(captioned), strict=True))
    assert changed > 100  # the text is drawn near the bottom


def test_a_missing_or_corrupt_input_is_not_media(ffmpeg: FFmpegTranscoder, tmp_path: Path) -> None:
    with pytest.raises(NotMedia):
        ffmpeg.probe(tmp_path / "missing.mp4")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00not a video" * 100)
    with pytest.raises(NotMedia):
        ffmpeg.probe(junk)


def test_cancel_stops_ffmpeg_and_removes_the_output(long_source: Path, tmp_path: Path) -> None:
    ffmpeg = FFmpegTranscoder(bundled_ffmpeg(), max_concurrent=1, timeout_seconds=60)
    out = tmp_path / "clip.webm"  # VP9 is slow enough to still be running when canceled
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    started = time.monotonic()
    with pytest.raises(Canceled):
        ffmpeg.cut(
            CutSpec(long_source, out, start=0.0, duration=30.0, copy=False),
            on_progress=lambda _: None,
            should_stop=stop.is_set,
        )
    assert time.monotonic() - started < 10
    assert not out.exists()


def test_a_cut_past_its_timeout_fails(long_source: Path, tmp_path: Path) -> None:
    ffmpeg = FFmpegTranscoder(bundled_ffmpeg(), max_concurrent=1, timeout_seconds=0.3)
    out = tmp_path / "clip.webm"
    with pytest.raises(TranscodeFailed, match="longer than"):
        ffmpeg.cut(
            CutSpec(long_source, out, start=0.0, duration=30.0, copy=False),
            on_progress=lambda _: None,
            should_stop=lambda: False,
        )
    assert not out.exists()
