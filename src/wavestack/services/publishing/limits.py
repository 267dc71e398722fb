"""How many posts each platform takes from one account in a window: the platforms' own
limits (YouTube's daily upload quota, Instagram 50 a day, Facebook 30 Reels a day, X 200
per 15 minutes, TikTok's unaudited apps, LinkedIn), in one table, each overridable with
`WAVESTACK_PUBLISHING_LIMITS`. A post over the limit waits for the window to free up."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

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
