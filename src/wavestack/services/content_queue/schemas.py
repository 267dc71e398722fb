"""Request and response models of the content queue."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from wavestack.kernel.schemas import ApiInput, ApiModel, UtcDateTime

Platform = Literal["youtube", "instagram", "tiktok", "facebook", "linkedin", "x", "local"]
QueueStatus = Literal["queued", "processing", "published", "failed", "canceled"]
DeliveryStatus = Literal["pending", "publishing", "published", "failed", "unconfirmed"]
_HASHTAG = re.compile(r"^\w{1,100}$")


def _normalize_hashtags(tags: list[str]) -> list[str]:
    cleaned: list[str] = []
    for tag in tags:
        bare = tag.strip().lstrip("#")
        if not _HASHTAG.match(bare):
            raise ValueError(f"invalid hashtag {tag!r}: letters, digits and _ only, 1-100 chars")
        if bare.lower() not in (t.lower() for t in cleaned):
            cleaned.append(bare)
    return cleaned


def _unique_platforms(platforms: list[Platform]) -> list[Platform]:
    return list(dict.fromkeys(platforms))


Hashtags = Annotated[list[str], Field(max_length=30), AfterValidator(_normalize_hashtags)]
Platforms = Annotated[list[Platform], Field(min_length=1), AfterValidator(_unique_platforms)]
Title = Annotated[str, Field(min_length=1, max_length=120)]
Caption = Annotated[str, Field(max_length=5000)]
RefId = Annotated[str, Field(min_length=1, max_length=36)]
MAX_EXTRA_ASSETS = 9  # ten files in all: the most any platform takes in one post
ExtraAssets = Annotated[
    list[RefId],
    Field(
        max_length=MAX_EXTRA_ASSETS,
        description="More images or videos after assetId, in order, for a carousel "
        "(Instagram: up to 10 in all; Facebook and X: images only, 10 and 4).",
    ),
]


NextSlot = Literal["next_slot"]
Privacy = Literal["public", "unlisted", "private"]


class YouTubeOptions(ApiInput):
    """How the video goes up on YouTube (absent: the install's settings)."""

    privacy: Privacy | None = None
    publish_at: UtcDateTime | None = Field(
        None,
        description="YouTube makes the video public at this time; it stays private until "
        "then (so only with privacy private, or none).",
    )
    thumbnail_asset_id: RefId | None = Field(None, description="A JPEG or PNG image asset.")
    playlist_id: str | None = Field(None, min_length=1, max_length=64)


class PlatformOptions(ApiInput):
    """Settings of one post that only one platform knows."""

    youtube: YouTubeOptions | None = None


class QueueItemCreate(ApiInput):
    """Content to queue; `idempotencyKey` may come in the `Idempotency-Key` header instead."""

    project_id: RefId
    asset_id: RefId | None = Field(
        None, description="The media; none for a text post (X, LinkedIn, Facebook, local)."
    )
    extra_asset_ids: ExtraAssets = Field(default_factory=list)
    title: Title
    caption: Caption | None = None
    hashtags: Hashtags = Field(default_factory=list)
    platforms: Platforms
    options: PlatformOptions = Field(default_factory=PlatformOptions)
    schedule_at: UtcDateTime | NextSlot | None = Field(
        None,
        description='When to publish: a time, "next_slot" (the next free posting slot), '
        "or nothing (at once).",
    )
    idempotency_key: str | None = Field(None, min_length=1, max_length=255)


class QueueItemUpdate(ApiInput):
    """Changes to a queued item; absent fields stay; `scheduleAt: null` means now."""

    project_id: RefId | None = None
    asset_id: RefId | None = None
    extra_asset_ids: ExtraAssets | None = None
    title: Title | None = None
    caption: Caption | None = None
    hashtags: Hashtags | None = None
    platforms: Platforms | None = None
    options: PlatformOptions | None = None
    schedule_at: UtcDateTime | NextSlot | None = None


class Delivery(ApiModel):
    """Where publishing to one platform stands."""

    status: DeliveryStatus
    error: str | None = None
    url: str | None = None
    post_id: str | None = None
    ref: str | None = Field(
        None, description="Unconfirmed: what publishing asks the platform about to confirm it."
    )
    since: datetime | None = Field(None, description="Unconfirmed: since when.")


class QueueItemRead(ApiModel):
    """A queue item."""

    id: str
    org_id: str
    project_id: str
    asset_id: str | None
    extra_asset_ids: list[str]
    title: str
    caption: str | None
    hashtags: list[str]
    platforms: list[str]
    options: PlatformOptions
    schedule_at: datetime | None
    idempotency_key: str
    status: QueueStatus
    error: str | None
    deliveries: dict[str, Delivery]
    created_at: datetime
    updated_at: datetime

    @property
    def media_ids(self) -> list[str]:
        """The post's assets in order: `assetId`, then `extraAssetIds` (none: text only)."""
        return [self.asset_id, *self.extra_asset_ids] if self.asset_id else []
