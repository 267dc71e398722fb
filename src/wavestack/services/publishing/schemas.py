"""Response models of posts."""

from __future__ import annotations

from datetime import datetime

from wavestack.kernel.schemas import ApiModel


class PostRead(ApiModel):
    """A published post."""

    id: str
    org_id: str
    queue_item_id: str
    platform: str
    external_id: str
    url: str | None
    published_at: datetime
