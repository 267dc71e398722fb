"""Content queue: what to publish, where and when. Other services call these functions only."""

from wavestack.services.content_queue.rules import (
    Problem,
    post_text,
    problems,
    x_length,
    x_thread,
)
from wavestack.services.content_queue.schemas import (
    Delivery,
    Platform,
    QueueItemCreate,
    QueueItemRead,
    YouTubeOptions,
)
from wavestack.services.content_queue.service import (
    claim_due,
    create_item,
    deliveries_in,
    get_item,
    media_facts,
    record_delivery,
    start_delivery,
)

__all__ = [
    "Delivery",
    "Platform",
    "Problem",
    "QueueItemCreate",
    "QueueItemRead",
    "YouTubeOptions",
    "claim_due",
    "create_item",
    "deliveries_in",
    "get_item",
    "media_facts",
    "post_text",
    "problems",
    "record_delivery",
    "start_delivery",
    "x_length",
    "x_thread",
]
