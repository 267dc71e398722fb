"""Content queue: what to publish, where and when. Other services call these functions only."""

from wavestack.services.content_queue.schemas import Platform, QueueItemRead
from wavestack.services.content_queue.service import get_item

__all__ = ["Platform", "QueueItemRead", "get_item"]
