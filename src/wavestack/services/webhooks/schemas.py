"""Request and response models of outbound webhooks."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import AnyHttpUrl, Field, field_validator

from wavestack.kernel.schemas import ApiInput, ApiModel

_EVENT_TYPE = re.compile(r"^(\*|[a-z_]+\.(\*|[a-z_]+))$")


class WebhookCreate(ApiInput):
    """A URL to receive events; `events` takes types like `queue_item.created`, `asset.*` or `*`."""

    url: AnyHttpUrl
    events: list[str] = Field(min_length=1, max_length=100)
    description: str | None = Field(None, max_length=500)
    secret: str | None = Field(
        None, min_length=16, max_length=200, description="Signing secret; generated when absent."
    )

    @field_validator("events")
    @classmethod
    def _event_types(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not _EVENT_TYPE.match(v)]
        if bad:
            raise ValueError(f"invalid event type(s): {', '.join(bad)}")
        return list(dict.fromkeys(value))


class WebhookRead(ApiModel):
    """A registered webhook (the secret is shown only when created)."""

    id: str
    url: str
    events: list[str]
    description: str | None
    active: bool
    created_at: datetime


class WebhookCreated(WebhookRead):
    """A new webhook with its signing secret."""

    secret: str


class DeliveryRead(ApiModel):
    """One event delivery to a webhook, with its attempts."""

    id: str
    webhook_id: str
    event_id: str
    event_type: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    last_status_code: int | None
    last_error: str | None
    history: list[dict[str, Any]]
    created_at: datetime
    delivered_at: datetime | None
