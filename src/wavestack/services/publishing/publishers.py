"""What publishing needs from a platform: publish one queue item with its asset."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from wavestack.kernel.clock import utcnow
from wavestack.kernel.storage import FileStorage
from wavestack.services import content_queue
from wavestack.services.cms import AssetRead
from wavestack.services.content_queue import QueueItemRead


@dataclass(frozen=True)
class Published:
    """Where the post went: the platform's id for it and its public URL."""

    external_id: str
    url: str | None
    note: str | None = None  # what went wrong after the post was up (a thumbnail refused)


class PublishFailed(Exception):
    """The platform refused the post for good (trying again would fail the same way); the
    message says why. Anything else a publisher raises is retried."""


class PublishUnconfirmed(Exception):
    """The publishing call went out but no answer came back: the post may or may not be
    up, so it is not tried again blindly (that could post it twice). `ref` is what the
    publisher's `confirm` asks the platform about later (None: nothing to ask)."""

    def __init__(self, message: str, ref: str | None = None) -> None:
        super().__init__(message)
        self.ref = ref


class RateLimited(Exception):
    """The platform asked to slow down: the publish is tried again at `retry_at` (or a
    minute on, when it did not say), not counted as a failure."""

    def __init__(self, platform: str, retry_after: float | None, reason: str = "") -> None:
        wait = timedelta(seconds=retry_after if retry_after is not None else 60)
        self.retry_at = utcnow() + wait
        super().__init__(
            f"{reason or f'{platform} asked to slow down'}: trying again at "
            f"{self.retry_at:%H:%M:%S} UTC"
        )


class NotPosted(Exception):
    """The platform is sure an unconfirmed post is not up: publishing may run again."""


class Publisher(Protocol):
    """One platform's publishing."""

    platform: str

    def publish(self, item: QueueItemRead, assets: Sequence[AssetRead]) -> Published:
        """Publish the item with its media (`assetId` first, then `extraAssetIds`), or
        raise PublishFailed (final) or another error (retried)."""


class Confirming(Protocol):
    """A publisher that can ask its platform whether an unconfirmed post went up."""

    def confirm(self, item: QueueItemRead, ref: str) -> Published | None:
        """The post when the platform shows it (finishing what was left, when it can do so
        without posting anything twice); None while the platform cannot tell. Raises
        NotPosted when it is sure the post is not up, PublishFailed when it never will be,
        PublishUnconfirmed (with a new ref) when finishing got no answer either."""


@contextmanager
def local_media(storage: FileStorage, asset: AssetRead) -> Iterator[Path]:
    """The asset as a local file (copied out of object storage when it lives there)."""
    if asset.storage_path is None:
        raise PublishFailed("the asset has no stored media")
    local = storage.local_path(asset.storage_path)
    if local is not None:
        yield local
        return
    with tempfile.TemporaryDirectory(prefix="wavestack-media-") as folder:
        copy = Path(folder) / Path(asset.filename).name
        with storage.open(asset.storage_path) as source, copy.open("wb") as out:
            shutil.copyfileobj(source, out)
        yield copy


def check_fits(platform: str, item: QueueItemRead, assets: Sequence[AssetRead]) -> None:
    """PublishFailed with the first reason the content does not fit the platform (it was
    checked when queued, but the assets or the rules may have changed since)."""
    found = content_queue.problems(
        [platform],
        title=item.title,
        caption=item.caption,
        hashtags=item.hashtags,
        assets=[content_queue.media_facts(asset) for asset in assets],
        options=item.options.model_dump(mode="json", by_alias=True, exclude_none=True),
    )
    if found:
        raise PublishFailed(found[0].message)
