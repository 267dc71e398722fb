"""Request and response models of the autoposter."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from wavestack.kernel.schemas import ApiInput, ApiModel

DraftStatus = Literal["pending", "approved", "rejected"]
DraftSource = Literal["person", "ai"]


class DraftCreate(ApiInput):
    """A post for the autoposter, waiting for approval."""

    text: str = Field(min_length=1, max_length=5000, description="Longer than X allows: a thread.")


class Rejection(ApiInput):
    """Why a draft is not posted."""

    reason: str | None = Field(None, max_length=500)


class DraftRead(ApiModel):
    """A draft and what became of it."""

    id: str
    org_id: str
    text: str
    source: DraftSource
    status: DraftStatus
    reason: str | None
    decided_by: str | None
    decided_at: datetime | None
    queue_item_id: str | None = Field(description="The queue item it became, once approved.")
    scheduled_for: datetime | None
    created_at: datetime
