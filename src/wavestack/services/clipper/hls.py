"""HLS sources: fetch just the segments a clip needs, through the SSRF-guarded client.

FFmpeg never touches the network: the playlist and its segments are downloaded by our client
(every address it dials is checked) and joined into one local file (MPEG-TS segments join
byte for byte; fMP4 fragments follow their init segment), which is then cut like any file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

from wavestack.kernel.errors import ValidationFailed
from wavestack.providers.transcode import Canceled, StopCheck

_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


@dataclass(frozen=True)
class Segment:
    """One media segment and where it sits in the playlist's timeline."""

    url: str
    start: float
    duration: float


@dataclass(frozen=True)
class MediaPlaylist:
    """The segments of one rendition; `ended` is False for a live stream."""

    segments: list[Segment]
    init_url: str | None
    ended: bool


@dataclass(frozen=True)
class Window:
    """The local file of the fetched segments, and where the clip lies in it."""

    path: Path
    start: float  # clip start within the local file
    duration: float
    stream_offset: float  # where the local file starts in the playlist's timeline


def is_playlist(url: str) -> bool:
    """Tell an HLS playlist URL by its path."""
    return urlsplit(url).path.lower().endswith((".m3u8", ".m3u"))


def _attributes(line: str) -> dict[str, str]:
    return {key: value.strip('"') for key, value in _ATTRIBUTE.findall(line.split(":", 1)[1])}


def _get_text(client: httpx.Client, url: str) -> str:
    response = client.get(url)
    response.raise_for_status()
    text = response.text
    if not text.lstrip().startswith("#EXTM3U"):
        raise ValidationFailed("source: not an HLS playlist (no #EXTM3U header)")
    return text


def load_playlist(client: httpx.Client, url: str) -> MediaPlaylist:
    """Load a media playlist; from a master playlist, its highest-bandwidth rendition."""
    text = _get_text(client, url)
    if "#EXT-X-STREAM-INF" in text:
        variants: list[tuple[int, str]] = []
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        for index, line in enumerate(lines[:-1]):
            if line.startswith("#EXT-X-STREAM-INF"):
                bandwidth = int(_attributes(line).get("BANDWIDTH", "0") or 0)
                variants.append((bandwidth, urljoin(url, lines[index + 1])))
        if not variants:
            raise ValidationFailed("source: the master playlist lists no rendition")
        url = max(variants)[1]
        text = _get_text(client, url)
    segments: list[Segment] = []
    init_url = None
    position = 0.0
    duration: float | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#EXTINF:"):
            duration = float(line[len("#EXTINF:") :].split(",")[0])
        elif line.startswith("#EXT-X-MAP:"):
            init_url = urljoin(url, _attributes(line)["URI"])
        elif line and not line.startswith("#") and duration is not None:
            segments.append(Segment(urljoin(url, line), position, duration))
            position += duration
            duration = None
    if not segments:
        raise ValidationFailed("source: the playlist has no segments")
    return MediaPlaylist(segments, init_url, ended="#EXT-X-ENDLIST" in text)


def choose(playlist: MediaPlaylist, start: float, duration: float) -> tuple[list[Segment], float]:
    """Segments covering the clip, and the clip's start within them.

    A finished playlist is cut from `start`; a live one gives its last `duration` seconds.
    """
    segments = playlist.segments
    if not playlist.ended:
        chosen: list[Segment] = []
        for segment in reversed(segments):
            chosen.insert(0, segment)
            if sum(s.duration for s in chosen) >= duration:
                break
        covered = sum(s.duration for s in chosen)
        return chosen, max(0.0, covered - duration)
    end = start + duration
    chosen = [s for s in segments if s.start < end and s.start + s.duration > start]
    if not chosen:
        total = segments[-1].start + segments[-1].duration
        raise ValidationFailed(f"start_sec {start} is past the end of the source ({total:.3f} s)")
    return chosen, start - chosen[0].start


def fetch_window(
    client: httpx.Client,
    url: str,
    *,
    start: float,
    duration: float,
    target: Path,
    max_bytes: int,
    should_stop: StopCheck,
) -> Window:
    """Download the segments a clip needs into `target`."""
    playlist = load_playlist(client, url)
    chosen, offset = choose(playlist, start, duration)
    urls = ([playlist.init_url] if playlist.init_url else []) + [s.url for s in chosen]
    written = 0
    with target.open("wb") as out:
        for segment_url in urls:
            with client.stream("GET", segment_url) as response:
                response.raise_for_status()
                for chunk in response.iter_bytes(1 << 20):
                    written += len(chunk)
                    if written > max_bytes:
                        raise ValidationFailed("source: the segments exceed the size limit")
                    if should_stop():
                        raise Canceled("the clip job was canceled")
                    out.write(chunk)
    covered = sum(s.duration for s in chosen)
    return Window(target, offset, min(duration, covered - offset), chosen[0].start)
