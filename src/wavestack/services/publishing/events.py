"""Events of publishing."""

from __future__ import annotations

from typing import ClassVar

from wavestack.kernel.messages import Event, Job


class PostPublished(Event):
    """A queue item went live on a platform."""

    event_type: ClassVar[str] = "post.published"
    post_id: str
    queue_item_id: str
    platform: str
    url: str | None


class PostFailed(Event):
    """A queue item could not be published on a platform; `error` says why."""

    event_type: ClassVar[str] = "post.failed"
    queue_item_id: str
    platform: str
    error: str


class PublishToPlatform(Job):
    """Publish one queue item on one platform (idempotent: a done delivery is left alone)."""

    job_name: ClassVar[str] = "publishing.publish"
    org_id: str
    item_id: str
    platform: str
