"""What each platform accepts, checked when content is queued (a 422 then, not a failure at
publishing time) and again by the publishers: text lengths as each platform counts them,
and media limits against what is known of the asset."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

X_LIMIT = 280
X_URL_WEIGHT = 23
# X counts these code points as one; everything else (CJK, emoji...) as two.
_X_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
_URL = re.compile(r"https?://\S+|(?<!\S)(?:[\w-]+\.)+[a-z]{2,}(?:/\S*)?", re.IGNORECASE)
_JOINERS = {0x200D, 0xFE0E, 0xFE0F}  # zero-width joiner, variation selectors
GB = 1024**3
YOUTUBE_THUMBNAIL_BYTES = 2 * 1024**2


@dataclass(frozen=True)
class Limits:
    """One platform's limits; None: no limit worth checking."""

    title: int | None = None  # characters
    text: int | None = None  # characters of the post's text (caption and hashtags)
    text_bytes: int | None = None
    tags: int | None = None  # characters of all tags together
    min_seconds: float | None = None
    max_seconds: float | None = None
    max_bytes: int | None = None
    media: tuple[str, ...] = ("video/", "image/")
    needs_media: bool = False
    # Width over height each kind of media may have, by type prefix: (narrowest, widest).
    aspect: tuple[tuple[str, float, float], ...] = ()
    items: int = 1  # files in one post
    carousel_media: tuple[str, ...] = ("image/",)  # what a post of several files may hold


LIMITS = {
    "youtube": Limits(
        title=100,
        text_bytes=5000,
        tags=500,
        max_seconds=12 * 3600,
        max_bytes=256 * GB,
        media=("video/",),
        needs_media=True,
    ),
    "instagram": Limits(
        text=2200,
        min_seconds=3,
        max_seconds=15 * 60,
        max_bytes=1 * GB,
        media=("video/", "image/jpeg"),
        needs_media=True,
        aspect=(("image/", 4 / 5, 1.91),),
        items=10,
        carousel_media=("image/jpeg", "video/"),
    ),
    "facebook": Limits(
        text=63_206,
        min_seconds=3,
        max_seconds=90,
        max_bytes=1 * GB,
        items=10,
        aspect=(("video/", 9 / 16 - 0.01, 9 / 16 + 0.01),),  # videos go up as Reels: 9:16
    ),
    "tiktok": Limits(
        text=2200,
        min_seconds=3,
        max_seconds=10 * 60,
        max_bytes=4 * GB,
        media=("video/",),
        needs_media=True,
    ),
    "linkedin": Limits(
        text=3000,
        min_seconds=3,
        max_seconds=30 * 60,
        max_bytes=5 * GB,
        aspect=(("video/", 1 / 2.4, 2.4),),
    ),
    "x": Limits(max_seconds=140, max_bytes=512 * 1024**2, items=4, aspect=(("video/", 1 / 3, 3),)),
    "local": Limits(media=("",), items=10, carousel_media=("",)),
}


NAMES = {
    "youtube": "YouTube",
    "instagram": "Instagram",
    "facebook": "Facebook",
    "tiktok": "TikTok",
    "linkedin": "LinkedIn",
    "x": "X",
    "local": "The local feed",
}


KINDS = {"video/": "videos", "image/": "images", "image/jpeg": "JPEG images", "": "files"}


@dataclass(frozen=True)
class Problem:
    """Why content does not fit a platform."""

    field: str
    message: str

    def detail(self) -> dict[str, str]:
        """As an error detail."""
        return {"field": self.field, "message": self.message}


def post_text(caption: str | None, hashtags: list[str]) -> str:
    """The text a post carries: the caption, then the hashtags."""
    tags = " ".join(f"#{tag}" for tag in hashtags)
    return "\n\n".join(part for part in (caption or "", tags) if part)


def tags_length(tags: list[str]) -> int:
    """YouTube's count: commas between tags, quotes around a tag with a space."""
    return sum(len(t) + (2 if " " in t else 0) for t in tags) + max(len(tags) - 1, 0)


def problems(
    platforms: list[str],
    *,
    title: str,
    caption: str | None,
    hashtags: list[str],
    assets: list[dict[str, Any]] | None = None,
    options: dict[str, Any] | None = None,
) -> list[Problem]:
    """Every way the content does not fit one of the platforms (none: it fits them all).
    `assets` is what is known of the post's media, in order (mimeType, sizeBytes,
    duration); `options` the post's per-platform options (as sent)."""
    found: list[Problem] = []
    youtube = (options or {}).get("youtube") or {}
    if (
        "youtube" in platforms
        and youtube.get("publishAt")
        and youtube.get("privacy")
        not in (
            None,
            "private",
        )
    ):
        found.append(
            Problem(
                "options.youtube.publishAt",
                "YouTube schedules only private videos: leave privacy out or make it private",
            )
        )
    text = post_text(caption, hashtags)
    for platform in platforms:
        limits = LIMITS.get(platform, Limits())
        name = NAMES.get(platform, platform)
        if limits.title is not None and len(title) > limits.title:
            found.append(Problem("title", f"{name} titles are at most {limits.title} characters"))
        if limits.text is not None and len(text) > limits.text:
            found.append(
                Problem(
                    "caption",
                    f"{name} takes at most {limits.text} characters of caption and hashtags",
                )
            )
        if limits.text_bytes is not None and len(text.encode()) > limits.text_bytes:
            found.append(
                Problem("caption", f"{name} descriptions are at most {limits.text_bytes} bytes")
            )
        if limits.tags is not None and tags_length(hashtags) > limits.tags:
            found.append(
                Problem("hashtags", f"{name} tags are at most {limits.tags} characters in all")
            )
        if assets is not None and not assets and limits.needs_media:
            kinds = " or ".join(KINDS.get(kind, kind) for kind in limits.media)
            found.append(Problem("assetId", f"{name} posts need media: {kinds}"))
        if assets:
            found += _count_problems(name, limits, assets)
            for asset in assets:
                found += _media_problems(name, limits, asset)
    return found


def _count_problems(name: str, limits: Limits, assets: list[dict[str, Any]]) -> list[Problem]:
    if len(assets) == 1:
        return []
    if limits.items == 1:
        return [Problem("extraAssetIds", f"{name} posts one file: leave extraAssetIds empty")]
    found = []
    if len(assets) > limits.items:
        found.append(Problem("extraAssetIds", f"{name} takes at most {limits.items} files"))
    mimes = [str(asset.get("mimeType") or "") for asset in assets]
    if not all(mime.startswith(limits.carousel_media) for mime in mimes):
        kinds = " and ".join(KINDS.get(kind, kind) for kind in limits.carousel_media)
        found.append(Problem("extraAssetIds", f"{name} posts of several files hold {kinds} only"))
    return found


def _media_problems(name: str, limits: Limits, asset: dict[str, Any]) -> list[Problem]:
    found = []
    mime = str(asset.get("mimeType") or "")
    if not any(mime.startswith(kind) for kind in limits.media):
        kinds = " or ".join(KINDS.get(kind, kind) for kind in limits.media)
        found.append(Problem("assetId", f"{name} takes {kinds}, not {mime or 'this file'}"))
    duration = asset.get("duration")
    if mime.startswith("video/") and isinstance(duration, int | float):
        if limits.min_seconds is not None and duration < limits.min_seconds:
            found.append(
                Problem("assetId", f"{name} videos are at least {limits.min_seconds:g} seconds")
            )
        if limits.max_seconds is not None and duration > limits.max_seconds:
            found.append(
                Problem("assetId", f"{name} videos are at most {limits.max_seconds:g} seconds")
            )
    size = asset.get("sizeBytes")
    if isinstance(size, int) and limits.max_bytes is not None and size > limits.max_bytes:
        found.append(
            Problem("assetId", f"{name} files are at most {limits.max_bytes // 1024**2} MiB")
        )
    width, height = asset.get("width"), asset.get("height")
    if isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0:
        for kind, narrowest, widest in limits.aspect:
            if mime.startswith(kind) and not narrowest <= width / height <= widest:
                shape = (
                    f"of {_ratio((narrowest + widest) / 2)}"
                    if widest - narrowest < 0.05
                    else f"{_ratio(narrowest)} to {_ratio(widest)}"
                )
                found.append(
                    Problem(
                        "assetId",
                        f"{name} takes {KINDS.get(kind, kind)} {shape} (width:height), "
                        f"not {width}x{height}",
                    )
                )
    return found


def _ratio(value: float) -> str:
    """A width:height ratio as people write it (9:16, 1.91:1)."""
    for width, height in ((9, 16), (4, 5), (1, 3), (3, 1), (16, 9)):
        if abs(value - width / height) < 0.005:
            return f"{width}:{height}"
    return f"{value:.3g}:1" if value >= 1 else f"1:{1 / value:.3g}"


def x_length(text: str) -> int:
    """A text's length as X counts it: URLs 23, emoji and most non-Latin characters 2."""
    text = unicodedata.normalize("NFC", text)
    weight = 0
    rest = _URL.sub(lambda _match: "\0", text)
    weight += rest.count("\0") * X_URL_WEIGHT
    previous_joined = flag_open = False
    for char in rest.replace("\0", ""):
        point = ord(char)
        if point in _JOINERS or 0x1F3FB <= point <= 0x1F3FF:  # joiners and skin tones
            previous_joined = point == 0x200D
            continue
        if previous_joined and _is_emoji(point):
            previous_joined = False
            continue  # the next part of one emoji sequence
        previous_joined = False
        if 0x1F1E6 <= point <= 0x1F1FF:  # a flag is two regional indicators: one emoji
            flag_open = not flag_open
            if not flag_open:
                continue
        weight += 1 if any(low <= point <= high for low, high in _X_LIGHT) else 2
    return weight


def _is_emoji(point: int) -> bool:
    return 0x1F000 <= point <= 0x1FAFF or 0x2600 <= point <= 0x27BF


def x_thread(text: str, limit: int = X_LIMIT) -> list[str]:
    """Text too long for one post, as a thread: whole words, each part within the limit."""
    if x_length(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if x_length(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        rest = word
        while x_length(rest) > limit:  # a single word longer than a post: cut it
            cut = len(rest)
            while x_length(rest[:cut]) > limit:
                cut -= 1
            parts.append(rest[:cut])
            rest = rest[cut:]
        current = rest
    if current:
        parts.append(current)
    return parts
