"""What analytics read out of a message's text: emotes and hashtags."""

from __future__ import annotations

import re
from typing import Any

_DISCORD_EMOTE = re.compile(r"<a?:(\w{2,32}):\d+>")
_HASHTAG = re.compile(r"(?<![\w#])#(\w{1,100})")
_WORD = re.compile(r"\S+")
# Emotes chat uses everywhere (Twitch globals and the BTTV/7TV staples); adapters that know
# a message's own emotes pass them in `meta["emotes"]`.
# fmt: off
COMMON_EMOTES = frozenset([
    "Kappa", "PogChamp", "Pog", "POGGERS", "PogU", "KEKW", "LUL", "OMEGALUL", "Kreygasm",
    "BibleThump", "ResidentSleeper", "monkaS", "PepeHands", "FeelsBadMan", "FeelsGoodMan",
    "4Head", "DansGame", "NotLikeThis", "SeemsGood", "HeyGuys", "CoolCat", "TriHard", "WutFace",
    "Jebaited", "EZ", "Clap", "catJAM", "PepeLaugh", "Sadge", "Copium",
])
# fmt: on


def emotes_of(text: str, meta: dict[str, Any] | None) -> list[str]:
    """Emotes in a message: the adapter's list, Discord custom emotes, and common ones."""
    found = [str(name) for name in (meta or {}).get("emotes", []) if isinstance(name, str)]
    found += _DISCORD_EMOTE.findall(text)
    found += [word for word in _WORD.findall(text) if word in COMMON_EMOTES]
    return found


def hashtags_of(text: str) -> list[str]:
    """Hashtags, lower-cased."""
    return [tag.lower() for tag in _HASHTAG.findall(text)]
