"""Messages are data: events say what happened (past tense), jobs say what to do (imperative)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from wavestack.kernel.clock import utcnow
from wavestack.kernel.ids import new_id


class Event(BaseModel):
    """Something that happened in an organization; carries ids and primitives, never ORM rows."""

    model_config = ConfigDict(frozen=True)
    event_type: ClassVar[str]

    org_id: str


class Job(BaseModel):
    """Work to do later; handlers must be idempotent because delivery is at least once."""

    model_config = ConfigDict(frozen=True)
    job_name: ClassVar[str]


class Envelope(BaseModel):
    """An event as it travels after commit: to handlers, the live bus and webhooks."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(default_factory=new_id)
    type: str
    org_id: str
    occurred_at: datetime = Field(default_factory=utcnow)
    data: dict[str, Any]

    @classmethod
    def wrap(cls, event: Event) -> Envelope:
        """Wrap an event, JSON round-tripping its data as Redis would."""
        return cls(type=event.event_type, org_id=event.org_id, data=event.model_dump(mode="json"))
