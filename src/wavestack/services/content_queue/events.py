"""Events of the content queue."""

from __future__ import annotations

from typing import ClassVar

from wavestack.kernel.messages import Event


class QueueItemCreated(Event):
    """Content was queued for publishing."""

    event_type: ClassVar[str] = "queue_item.created"
    item_id: str
    project_id: str
    asset_id: str | None
    platforms: list[str]
    schedule_at: str | None


class QueueItemUpdated(Event):
    """A queued item was changed."""

    event_type: ClassVar[str] = "queue_item.updated"
    item_id: str
    changed: list[str]


class QueueItemCanceled(Event):
    """A queued item was canceled before publishing began."""

    event_type: ClassVar[str] = "queue_item.canceled"
    item_id: str
