"""Highlight detection: chat-rate bursts, keyword/emote bursts and audio loudness peaks.

Each signal is a per-second series compared against its own rolling baseline (the preceding
`baseline_seconds`, so a chat that is busy all stream long is not one long highlight). Bursts
closer than `debounce_seconds` merge; each becomes a segment that starts `lead_seconds` before
the burst (chat reacts after the moment) and ends `tail_seconds` after it. Segments of the
different signals that overlap merge into one candidate whose score adds theirs.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from wavestack.kernel.config import HighlightSettings

_WORD = re.compile(r"[\w']+")


@dataclass(frozen=True)
class ChatLine:
    """One chat message, `ts` seconds from the start of the stream."""

    ts: float
    author: str
    text: str


@dataclass
class Segment:
    """A stretch of the stream worth a look, with why."""

    start: float
    end: float
    score: float
    reasons: list[str] = field(default_factory=list)


def _bursts(
    series: Sequence[float], settings: HighlightSettings, *, floor: float, spread: float
) -> list[tuple[int, int, float]]:
    """(first second, last second, peak excess) of bursts above the rolling baseline.

    A second is hot when the mean over the window ending there exceeds the baseline (the
    median of the `baseline_seconds` before the window) by `z_threshold` deviations (1.4826
    median absolute deviations, at least `spread`), and is at least `floor`. The median
    keeps an earlier burst or a glitch out of the baseline. The first and last seconds
    returned are those where the series itself is at least halfway up to the burst's top.
    """
    window = max(1, int(settings.window_seconds))
    span = max(window, int(settings.baseline_seconds))
    windowed = [sum(series[max(0, i - window + 1) : i + 1]) / window for i in range(len(series))]
    runs: list[tuple[int, int, float, float]] = []  # first, last, peak, baseline
    for i in range(2 * window, len(series)):
        value = windowed[i]
        if value < floor:
            continue
        history = windowed[max(0, i - window - span) : i - window]
        baseline = statistics.median(history)
        deviation = max(1.4826 * statistics.median(abs(v - baseline) for v in history), spread)
        excess = (value - baseline) / deviation
        if excess < settings.z_threshold:
            continue
        if runs and i - runs[-1][1] <= settings.debounce_seconds + window:
            first, _, peak, base = runs[-1]
            runs[-1] = (first, i, max(peak, excess), base)
        else:
            runs.append((i, i, excess, baseline))
    bursts = []
    for first, last, peak, baseline in runs:
        seconds = range(first - window + 1, last + 1)
        # The burst proper: the seconds at least halfway from the baseline to the top.
        cut = baseline + (max(series[j] for j in seconds) - baseline) / 2
        above = [j for j in seconds if series[j] >= cut]
        bursts.append((above[0], above[-1], peak))
    return bursts


def _to_segments(
    runs: Iterable[tuple[int, int, float]],
    settings: HighlightSettings,
    describe: str,
    duration: float,
) -> list[Segment]:
    segments = []
    for first, last, peak in runs:
        start = max(0.0, first - settings.lead_seconds)
        end = min(duration, last + 1 + settings.tail_seconds)
        score = min(peak, 10.0) / 10.0
        segments.append(Segment(start, end, score, [describe.format(peak=peak, at=first)]))
    return segments


def chat_segments(
    chat: Sequence[ChatLine], settings: HighlightSettings, duration: float
) -> list[Segment]:
    """Segments where the chat rate, and where hype keywords, burst above their baselines."""
    seconds = max(1, math.ceil(duration))
    rate = [0.0] * seconds
    hype = [0.0] * seconds
    keywords = {word.lower() for word in settings.keywords}
    for line in chat:
        second = int(line.ts)
        if 0 <= second < seconds:
            rate[second] += 1
            words = {word.lower() for word in _WORD.findall(line.text)}
            if words & keywords:
                hype[second] += 1
    found = _to_segments(
        _bursts(rate, settings, floor=settings.min_chat_rate, spread=0.2),
        settings,
        "chat rate {peak:.1f} deviations above its baseline at {at} s",
        duration,
    )
    found += _to_segments(
        _bursts(hype, settings, floor=settings.min_chat_rate / 2, spread=0.1),
        settings,
        "hype words {peak:.1f} deviations above their baseline at {at} s",
        duration,
    )
    return found


def audio_segments(levels: Sequence[float], settings: HighlightSettings) -> list[Segment]:
    """Segments where the audio gets `loudness_db` louder than its rolling baseline."""
    # On a steady baseline a rise of `loudness_db` counts as `z_threshold` deviations.
    spread = settings.loudness_db / settings.z_threshold
    return _to_segments(
        _bursts(levels, settings, floor=-math.inf, spread=spread),
        settings,
        "audio {peak:.1f} deviations louder than its baseline at {at} s",
        float(len(levels)),
    )


def rank(segments: Iterable[Segment], *, limit: int) -> list[Segment]:
    """Merge overlapping segments (their scores and reasons add up) and rank by score."""
    merged: list[Segment] = []
    for segment in sorted(segments, key=lambda s: s.start):
        if merged and segment.start <= merged[-1].end:
            last = merged[-1]
            last.end = max(last.end, segment.end)
            last.score += segment.score
            last.reasons += segment.reasons
        else:
            merged.append(Segment(segment.start, segment.end, segment.score, list(segment.reasons)))
    merged.sort(key=lambda s: (-s.score, s.start))
    return merged[:limit]
