"""FFmpeg as a subprocess (by default the binary in the imageio-ffmpeg wheel); PyAV probes."""

from __future__ import annotations

import contextlib
import math
import operator
import subprocess
import tempfile
import threading
import time
from array import array
from pathlib import Path

import av

from wavestack.providers.transcode.port import (
    CONTAINERS,
    Canceled,
    CutResult,
    CutSpec,
    MediaInfo,
    NotMedia,
    ProgressCallback,
    StopCheck,
    TranscodeFailed,
)

_ENCODER_OPTIONS: dict[str, list[str]] = {
    "libx264": ["-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"],
    "libvpx-vp9": [
        *("-b:v", "0", "-crf", "33", "-deadline", "realtime", "-cpu-used", "8"),
        *("-row-mt", "1", "-pix_fmt", "yuv420p"),
    ],
    "aac": ["-b:a", "160k"],
    "libopus": ["-b:a", "128k"],
}
_POLL_SECONDS = 0.2
_ANALYSIS_RATE = 8000  # Hz: plenty for loudness, cheap to sum in Python
_SILENCE_DB = -90.0


def bundled_ffmpeg() -> str:
    """Return the FFmpeg binary shipped in the imageio-ffmpeg wheel."""
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def aspect_box(width: int, height: int, aspect: str) -> tuple[int, int]:
    """The largest even-sized box of ratio `aspect` ("W:H") inside width x height."""
    if aspect == "source":
        return width - width % 2, height - height % 2
    ratio_w, ratio_h = (int(part) for part in aspect.split(":"))
    box_w, box_h = width, width * ratio_h // ratio_w
    if box_h > height:
        box_w, box_h = height * ratio_w // ratio_h, height
    return box_w - box_w % 2, box_h - box_h % 2


def video_filter(info: MediaInfo, spec: CutSpec) -> str:
    """Square pixels and even dimensions always; then a centre crop or a blurred-fill frame."""
    normalize = "scale=trunc(iw*sar/2)*2:trunc(ih/2)*2,setsar=1"
    if spec.aspect == "source" or info.width is None or info.height is None:
        return normalize
    box_w, box_h = aspect_box(info.width, info.height, spec.aspect)
    if spec.fit == "crop":
        return f"{normalize},crop={box_w}:{box_h},setsar=1"
    return (
        f"{normalize},split[bg][fg];"
        f"[bg]scale={box_w}:{box_h}:force_original_aspect_ratio=increase,"
        f"crop={box_w}:{box_h},boxblur=lr='max(1,min(w,h)/20)':lp=2:"
        f"cr='max(1,min(cw,ch)/20)':cp=2[blurred];"
        f"[fg]scale={box_w}:{box_h}:force_original_aspect_ratio=decrease[front];"
        f"[blurred][front]overlay=(W-w)/2:(H-h)/2,setsar=1"
    )


class FFmpegTranscoder:
    """Cuts with FFmpeg; at most `max_concurrent` FFmpeg processes at once in this process."""

    def __init__(self, ffmpeg: str, *, max_concurrent: int, timeout_seconds: float) -> None:
        self._ffmpeg = ffmpeg
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self._timeout = timeout_seconds

    def probe(self, source: Path) -> MediaInfo:
        """Describe a media file with PyAV (NotMedia when it holds no audio or video)."""
        try:
            with av.open(str(source)) as container:
                video = next(iter(container.streams.video), None)
                audio = next(iter(container.streams.audio), None)
                if video is None and audio is None:
                    raise NotMedia("the input has no audio or video stream")
                duration = container.duration / 1_000_000 if container.duration else None
                width = height = None
                fps = None
                if video is not None:
                    sar = video.sample_aspect_ratio
                    width = round(video.width * (float(sar) if sar else 1.0))
                    height = video.height
                    fps = float(video.average_rate) if video.average_rate else None
                return MediaInfo(
                    duration=duration,
                    video_codec=video.codec_context.name if video is not None else None,
                    audio_codec=audio.codec_context.name if audio is not None else None,
                    width=width,
                    height=height,
                    fps=fps,
                )
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise NotMedia(f"not a readable media file: {exc}") from exc

    def keyframe_at_or_before(self, source: Path, seconds: float) -> float:
        """Seek backwards to the keyframe a stream copy would start from."""
        try:
            with av.open(str(source)) as container:
                video = container.streams.video[0]
                base = video.time_base
                if base is None:
                    return 0.0
                offset = video.start_time or 0
                container.seek(int(seconds / base) + offset, stream=video, backward=True)
                for packet in container.demux(video):
                    if packet.pts is not None and packet.is_keyframe:
                        return max(0.0, float((packet.pts - offset) * base))
        except (av.FFmpegError, OSError, IndexError) as exc:
            raise NotMedia(f"cannot read keyframes: {exc}") from exc
        return 0.0

    def loudness_per_second(self, source: Path) -> list[float]:
        """RMS level of the first audio stream in dBFS, one value per second of it."""
        levels: list[float] = []
        pending = array("h")
        resampler = av.AudioResampler(format="s16", layout="mono", rate=_ANALYSIS_RATE)
        try:
            with av.open(str(source)) as container:
                if not container.streams.audio:
                    return []
                for frame in container.decode(audio=0):
                    for chunk in resampler.resample(frame):
                        pending.frombytes(bytes(chunk.planes[0])[: chunk.samples * 2])
                        while len(pending) >= _ANALYSIS_RATE:
                            levels.append(_decibels(pending[:_ANALYSIS_RATE]))
                            del pending[:_ANALYSIS_RATE]
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise NotMedia(f"not a readable media file: {exc}") from exc
        if pending:
            levels.append(_decibels(pending))
        return levels

    def _head(self) -> list[str]:
        return [self._ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "error"]

    def remux(self, source: Path, target: Path) -> None:
        """Stream-copy into `target` (its suffix picks the container), timestamps from zero."""
        args = [
            *self._head(),
            "-i",
            str(source),
            "-map",
            "0",
            "-c",
            "copy",
            "-avoid_negative_ts",
            "make_zero",
        ]
        with self._slots:
            # The argument list is ours: a configured binary and paths of our scratch folder.
            done = subprocess.run(  # noqa: S603
                [*args, str(target)], capture_output=True, timeout=self._timeout, check=False
            )
        if done.returncode != 0:
            target.unlink(missing_ok=True)
            detail = done.stderr.decode(errors="replace").strip()[-2000:]
            raise NotMedia(f"not a readable media stream: {detail}")

    def command(self, spec: CutSpec, info: MediaInfo) -> list[str]:
        """Build the FFmpeg command line for a cut."""
        head = self._head()
        # -ss before -i seeks the input: exact with a re-encode, keyframe-aligned with a copy.
        cut = ["-ss", f"{spec.start:.6f}", "-i", str(spec.source), "-t", f"{spec.duration:.6f}"]
        streams = ["-map", "0:v:0?", "-map", "0:a:0?", "-sn", "-dn"]
        container = spec.output.suffix.lstrip(".")
        if spec.copy:
            codecs = ["-c", "copy", "-avoid_negative_ts", "make_zero"]
        else:
            video_codec, audio_codec = CONTAINERS[container]
            codecs = ["-vf", self._filter(info, spec)] if info.has_video else []
            codecs += [
                *("-c:v", video_codec, *_ENCODER_OPTIONS[video_codec]),
                *("-c:a", audio_codec, *_ENCODER_OPTIONS[audio_codec]),
            ]
        if container in ("mp4", "mov"):
            codecs += ["-movflags", "+faststart"]
        tail = ["-progress", "pipe:1", "-nostats", str(spec.output)]
        return [*head, *cut, *streams, *codecs, *tail]

    @staticmethod
    def _filter(info: MediaInfo, spec: CutSpec) -> str:
        chain = video_filter(info, spec)
        if spec.captions is not None:
            chain += f",subtitles=filename='{_escape_filter_path(spec.captions)}'"
        return chain

    def cut(
        self, spec: CutSpec, *, on_progress: ProgressCallback, should_stop: StopCheck
    ) -> CutResult:
        """Run FFmpeg, following its `-progress` output; stop it on cancel or timeout."""
        info = self.probe(spec.source)
        args = self.command(spec, info)
        spec.output.parent.mkdir(parents=True, exist_ok=True)
        # The argument list is ours: a configured binary and paths we resolved and checked.
        with (
            self._slots,
            tempfile.TemporaryFile() as log,
            subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log) as process,  # noqa: S603
        ):
            reader = threading.Thread(
                target=_follow_progress,
                args=(process, spec.duration, on_progress),
                daemon=True,
            )
            reader.start()
            try:
                self._wait(process, should_stop)
            except BaseException:
                _stop(process)
                spec.output.unlink(missing_ok=True)
                raise
            finally:
                reader.join(timeout=5)
            if process.returncode != 0:
                spec.output.unlink(missing_ok=True)
                log.seek(0)
                detail = log.read().decode(errors="replace").strip()[-2000:]
                raise TranscodeFailed(f"ffmpeg exited with {process.returncode}: {detail}")
        written = self.probe(spec.output)
        on_progress(100.0)
        return CutResult(
            path=spec.output,
            start=spec.start,
            duration=written.duration if written.duration is not None else spec.duration,
            size_bytes=spec.output.stat().st_size,
        )

    def _wait(self, process: subprocess.Popen[bytes], should_stop: StopCheck) -> None:
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                process.wait(timeout=_POLL_SECONDS)
                return
            except subprocess.TimeoutExpired:
                pass
            if should_stop():
                raise Canceled("the clip job was canceled")
            if time.monotonic() > deadline:
                raise TranscodeFailed(f"ffmpeg took longer than {self._timeout:.0f} s")


def _follow_progress(
    process: subprocess.Popen[bytes], duration: float, on_progress: ProgressCallback
) -> None:
    if process.stdout is None:
        return
    for raw in process.stdout:
        key, _, value = raw.decode(errors="replace").strip().partition("=")
        if key == "out_time_us" and value.isdigit() and duration > 0:
            on_progress(min(99.0, int(value) / 1_000_000 / duration * 100))


def _stop(process: subprocess.Popen[bytes]) -> None:
    # FFmpeg finishes cleanly on SIGTERM; one that hangs is killed.
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)


def _decibels(samples: array[int]) -> float:
    rms = math.sqrt(sum(map(operator.mul, samples, samples)) / len(samples)) / 32768
    return 20 * math.log10(rms) if rms > 0 else _SILENCE_DB


def _escape_filter_path(path: Path) -> str:
    # Inside a filter argument, quotes, colons and backslashes need escaping.
    return str(path).replace("\\", "\\\\").replace("'", r"\'").replace(":", r"\:")
