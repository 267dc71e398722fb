"""What publishing needs from a platform: publish one queue item with its asset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from wavestack.services.cms import AssetRead
from wavestack.services.content_queue import QueueItemRead


@dataclass(frozen=True)
class Published:
    """Where the post went: the platform's id for it and its public URL."""

    external_id: str
    url: str | None


class PublishFailed(Exception):
    """The platform refused the post for good (trying again would fail the same way); the
    message says why. Anything else a publisher raises is retried."""


class Publisher(Protocol):
    """One platform's publishing."""

    platform: str

    def publish(self, item: QueueItemRead, asset: AssetRead) -> Published:
        """Publish, or raise PublishFailed (final) or another error (retried)."""
