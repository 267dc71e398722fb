"""Weekly posting slots: the times an organization posts to each platform, in its own time
zone (so "Tuesday 18:00" stays 18:00 across daylight-saving changes), and the next free
one for `scheduleAt: "next_slot"`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field
from sqlalchemy import delete, select

from wavestack.kernel.errors import ValidationFailed
from wavestack.kernel.schemas import ApiInput, ApiModel
from wavestack.kernel.uow import UnitOfWork
from wavestack.services.content_queue.models import PostingSlot, QueueItem
from wavestack.services.content_queue.schemas import Platform

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
LOOK_AHEAD_WEEKS = 12


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} (an IANA name such as Europe/Berlin)"
        ) from None
    return name


TimeZoneName = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_zone)]


class Slot(ApiInput):
    """A weekly time: `{"platform": "youtube", "weekday": "tue", "time": "18:00"}`."""

    platform: Platform
    weekday: Weekday
    time: str = Field(pattern=_TIME.pattern, description="Local time, HH:MM (24 h).")


class SlotsPut(ApiInput):
    """The organization's slots (all of them: what is not listed is removed)."""

    timezone: TimeZoneName
    slots: list[Slot] = Field(max_length=500)


class SlotsRead(ApiModel):
    """The organization's slots."""

    timezone: str | None
    slots: list[Slot]


def _minute(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def set_slots(uow: UnitOfWork, *, org_id: str, data: SlotsPut) -> SlotsRead:
    """Replace the organization's slots."""
    with uow:
        uow.session.execute(delete(PostingSlot).where(PostingSlot.org_id == org_id))
        seen = set()
        for slot in data.slots:
            key = (slot.platform, WEEKDAYS.index(slot.weekday), _minute(slot.time))
            if key in seen:
                continue
            seen.add(key)
            uow.session.add(
                PostingSlot(
                    org_id=org_id,
                    platform=key[0],
                    weekday=key[1],
                    minute=key[2],
                    timezone=data.timezone,
                )
            )
        uow.commit()
    return get_slots(uow, org_id=org_id)


def get_slots(uow: UnitOfWork, *, org_id: str) -> SlotsRead:
    """The organization's slots, by weekday and time."""
    with uow:
        rows = list(
            uow.session.scalars(
                select(PostingSlot)
                .where(PostingSlot.org_id == org_id)
                .order_by(PostingSlot.weekday, PostingSlot.minute, PostingSlot.platform)
            )
        )
        return SlotsRead(
            timezone=rows[0].timezone if rows else None,
            slots=[
                Slot(
                    platform=row.platform,
                    weekday=WEEKDAYS[row.weekday],
                    time=f"{row.minute // 60:02d}:{row.minute % 60:02d}",
                )
                for row in rows
            ],
        )


def occurrences(slots: list[tuple[int, int]], zone: str, after: datetime) -> Iterator[datetime]:
    """The slots' times after `after`, in order, in UTC: each is the wall-clock time in the
    zone on its day (a time the clocks skip falls an hour later, as the zone reads it)."""
    tz = ZoneInfo(zone)
    start = after.astimezone(tz).date()
    for offset in range(LOOK_AHEAD_WEEKS * 7 + 1):
        day = start + timedelta(days=offset)
        found = sorted(
            _at(day, minute, tz) for weekday, minute in slots if weekday == day.weekday()
        )
        for moment in found:
            if moment > after:
                yield moment


def _at(day: date, minute: int, tz: ZoneInfo) -> datetime:
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)
    # Round-tripping through UTC turns a skipped wall time into the real one after it.
    return local.astimezone(UTC)


def next_slot(
    uow: UnitOfWork,
    *,
    org_id: str,
    platforms: list[str],
    now: datetime,
    ignore_item: str | None = None,
) -> datetime:
    """The first slot of one of the platforms after `now` that no other waiting item of the
    organization for those platforms has taken."""
    with uow:
        rows = uow.session.execute(
            select(PostingSlot.weekday, PostingSlot.minute, PostingSlot.timezone).where(
                PostingSlot.org_id == org_id, PostingSlot.platform.in_(platforms)
            )
        ).all()
        if not rows:
            raise ValidationFailed(
                "scheduleAt: no posting slots for these platforms (PUT /api/queue/slots)",
                details=[{"field": "scheduleAt", "message": "no posting slots set"}],
            )
        waiting = select(QueueItem.schedule_at, QueueItem.platforms).where(
            QueueItem.org_id == org_id,
            QueueItem.status.in_(("queued", "processing")),
            QueueItem.schedule_at > now,
        )
        if ignore_item is not None:
            waiting = waiting.where(QueueItem.id != ignore_item)
        taken_rows = uow.session.execute(waiting).all()
    taken = {at for at, taken_for in taken_rows if set(taken_for) & set(platforms)}
    for moment in occurrences([(day, minute) for day, minute, _ in rows], rows[0][2], now):
        if moment not in taken:
            return moment
    raise ValidationFailed(
        f"scheduleAt: every slot of the next {LOOK_AHEAD_WEEKS} weeks is taken",
        details=[{"field": "scheduleAt", "message": "no free slot"}],
    )
