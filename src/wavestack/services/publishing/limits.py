"""How many posts each platform takes from one account in a window: the platforms' own
limits (YouTube's daily upload quota, Instagram 50 a day, Facebook 30 Reels a day, X 200
per 15 minutes, TikTok's unaudited apps, LinkedIn), in one table, each overridable with
`WAVESTACK_PUBLISHING_LIMITS`. A post over the limit waits for the window to free up.

And how many publishes to one platform run at once (uploads are long and platforms throttle
parallel ones), across the worker processes that share Redis: `WAVESTACK_PUBLISHING_CONCURRENCY`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from wavestack.kernel.semaphore import Semaphores

_LIMIT = re.compile(r"^(\d{1,6})/(\d{1,4})([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


@dataclass(frozen=True)
class Limit:
    """At most `posts` in any `window`."""

    posts: int
    window: timedelta
    text: str


def parse_limit(text: str) -> Limit:
    """`6/24h`, `200/15m`, `30/1d`."""
    match = _LIMIT.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"a limit looks like 6/24h or 200/15m, not {text!r}")
    posts, amount, unit = match.groups()
    window = timedelta(**{_UNITS[unit]: int(amount)})
    return Limit(int(posts), window, text.strip())


# YouTube: 10,000 quota units a day, 1,600 per upload. TikTok: what unaudited apps get.
DEFAULT_LIMITS = {
    "youtube": "6/24h",
    "instagram": "50/24h",
    "facebook": "30/24h",
    "x": "200/15m",
    "tiktok": "15/24h",
    "linkedin": "150/24h",
}


def limits(overrides: list[str]) -> dict[str, Limit]:
    """The table: the defaults, then `platform=N/window` overrides (`platform=none`: none)."""
    table = {platform: parse_limit(text) for platform, text in DEFAULT_LIMITS.items()}
    for entry in overrides:
        platform, _, text = entry.partition("=")
        if text.strip() == "none":
            table.pop(platform.strip(), None)
        else:
            table[platform.strip()] = parse_limit(text)
    return table


DEFAULT_CONCURRENCY = {
    "youtube": 2,
    "instagram": 2,
    "facebook": 2,
    "tiktok": 2,
    "linkedin": 2,
    "x": 4,
}


def concurrency(overrides: list[str]) -> dict[str, int]:
    """Publishes at once per platform: the defaults, then `platform=N` overrides."""
    table = dict(DEFAULT_CONCURRENCY)
    for entry in overrides:
        platform, _, count = entry.partition("=")
        if not count.strip().isdigit() or int(count) < 1:
            raise ValueError(f"concurrency looks like youtube=2, not {entry!r}")
        table[platform.strip()] = int(count)
    return table


class Gates:
    """At most so many publishes at once per platform: across every worker process of the
    install when they share Redis, else in this process."""

    def __init__(self, caps: dict[str, int], semaphores: Semaphores) -> None:
        self._caps = caps
        self._semaphores = semaphores

    def enter(self, platform: str) -> str | None:
        """A ticket for a place, taken without waiting; None when the platform is at its
        cap ("-" for a platform without one)."""
        cap = self._caps.get(platform)
        if cap is None:
            return "-"
        return self._semaphores.acquire(f"publishing:{platform}", cap)

    def leave(self, platform: str, ticket: str) -> None:
        """Give the place back."""
        if platform in self._caps:
            self._semaphores.release(f"publishing:{platform}", ticket)
