"""What the API shows of a connection: never its tokens."""

from __future__ import annotations

from datetime import datetime

from wavestack.kernel.schemas import ApiModel


class ConnectionRead(ApiModel):
    """A connected platform account."""

    id: str
    platform: str
    account_id: str
    account_name: str
    scopes: list[str]
    expires_at: datetime | None
    status: str
    status_reason: str | None
    created_at: datetime
    updated_at: datetime
