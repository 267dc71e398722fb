"""Events of publishing."""

from __future__ import annotations

from typing import ClassVar

from wavestack.kernel.messages import Event


class PostPublished(Event):
    """A queue item went live on a platform."""

    event_type: ClassVar[str] = "post.published"
    post_id: str
    queue_item_id: str
    platform: str
    url: str | None
