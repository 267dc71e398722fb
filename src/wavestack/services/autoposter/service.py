"""Use cases of the autoposter: drafts come in (from a person over the API, or from the AI
personality through `add_draft`), a person approves or rejects each, and an approved one is
queued at the organization's next free time: one post every `post_frequency_hours`."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from wavestack.kernel.clock import as_utc
from wavestack.kernel.errors import Conflict
from wavestack.kernel.queries import (
    get_for_org,
    insert_new_returning,
    read_for_org,
    read_page,
    table_of,
)
from wavestack.kernel.schemas import Page
from wavestack.kernel.uow import UnitOfWork
from wavestack.services import cms, content_queue
from wavestack.services.autoposter.models import Cadence, Draft
from wavestack.services.autoposter.schemas import DraftRead, DraftSource, DraftStatus
from wavestack.services.cms import ProjectCreate
from wavestack.services.content_queue import QueueItemCreate

TITLE_CHARACTERS = 100


def add_draft(uow: UnitOfWork, *, org_id: str, text: str, source: DraftSource) -> DraftRead:
    """Propose a post; it waits for a person's decision."""
    with uow:
        draft = Draft(org_id=org_id, text=text, source=source, status="pending")
        uow.session.add(draft)
        uow.session.flush()
        uow.commit()
        return DraftRead.model_validate(draft)


def list_drafts(
    uow: UnitOfWork, *, org_id: str, status: DraftStatus | None, limit: int, offset: int
) -> Page[DraftRead]:
    """Drafts, newest first."""
    with uow:
        return read_page(
            uow.session,
            Draft,
            DraftRead,
            match={"org_id": org_id, "status": status},
            limit=limit,
            offset=offset,
        )


def get_draft(uow: UnitOfWork, *, org_id: str, draft_id: str) -> DraftRead:
    """One draft."""
    with uow:
        return read_for_org(uow.session, Draft, DraftRead, org_id=org_id, id=draft_id, what="draft")


def approve(
    uow: UnitOfWork,
    *,
    org_id: str,
    draft_id: str,
    by: str,
    now: datetime,
    every: timedelta,
    platforms: list[str],
) -> DraftRead:
    """Approve a draft: it is queued for `platforms` at the organization's next free time
    (now, or `every` after the one approved before), in this transaction. Approving again
    changes nothing."""
    with uow:
        draft = get_for_org(
            uow.session, Draft, org_id=org_id, id=draft_id, what="draft", for_update=True
        )
        if draft.status == "approved":
            return DraftRead.model_validate(draft)
        if draft.status == "rejected":
            raise Conflict("the draft was rejected; add it again to post it")
        cadence = _cadence(uow, org_id, now)
        slot = max(now, as_utc(cadence.next_at))
        item, _ = content_queue.create_item(
            uow,
            org_id=org_id,
            data=QueueItemCreate(
                project_id=cadence.project_id,
                title=_title(draft.text),
                caption=draft.text,
                platforms=platforms,
                schedule_at=slot if slot > now else None,
            ),
            key=f"autopost-{draft.id}",
        )
        cadence.next_at = slot + every
        draft.status = "approved"
        draft.decided_by = by
        draft.decided_at = now
        draft.queue_item_id = item.id
        draft.scheduled_for = slot
        uow.commit()
        return DraftRead.model_validate(draft)


def queue_approved(
    uow: UnitOfWork,
    *,
    org_id: str,
    text: str,
    source: DraftSource,
    by: str,
    now: datetime,
    every: timedelta,
    platforms: list[str],
) -> DraftRead:
    """A draft a person already approved elsewhere (the AI personality's review): added
    and queued at the next free time, in one transaction."""
    with uow:
        draft = add_draft(uow, org_id=org_id, text=text, source=source)
        approved = approve(
            uow,
            org_id=org_id,
            draft_id=draft.id,
            by=by,
            now=now,
            every=every,
            platforms=platforms,
        )
        uow.commit()
        return approved


def reject(
    uow: UnitOfWork, *, org_id: str, draft_id: str, by: str, reason: str | None, now: datetime
) -> DraftRead:
    """Reject a pending draft: it is never posted. Rejecting again changes nothing."""
    with uow:
        draft = get_for_org(
            uow.session, Draft, org_id=org_id, id=draft_id, what="draft", for_update=True
        )
        if draft.status == "approved":
            raise Conflict("the draft is approved and queued; cancel its queue item instead")
        if draft.status == "pending":
            draft.status = "rejected"
            draft.reason = reason
            draft.decided_by = by
            draft.decided_at = now
            uow.commit()
        return DraftRead.model_validate(draft)


def _cadence(uow: UnitOfWork, org_id: str, now: datetime) -> Cadence:
    """The organization's cadence row, locked for this transaction (made on the first
    approval, with the project its posts go under)."""
    found = _locked_cadence(uow, org_id)
    if found is not None:
        return found
    project = cms.create_project(
        uow,
        org_id=org_id,
        data=ProjectCreate(name="Autoposts", description="Drafts approved for the autoposter."),
    )
    row = {"org_id": org_id, "project_id": project.id, "next_at": now}
    # Two first approvals at once: one row goes in, the other waits for it and reads it.
    insert_new_returning(uow.session, table_of(Cadence), [row], ["org_id"])
    made = _locked_cadence(uow, org_id)
    if made is None:
        raise Conflict("the autoposter's cadence could not be set up; try again")
    return made


def _locked_cadence(uow: UnitOfWork, org_id: str) -> Cadence | None:
    return uow.session.scalar(
        select(Cadence)
        .where(Cadence.org_id == org_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _title(text: str) -> str:
    """The queue item's title: the draft's first line, cut at a word."""
    line = text.strip().splitlines()[0] if text.strip() else "Autopost"
    if len(line) <= TITLE_CHARACTERS:
        return line
    return line[:TITLE_CHARACTERS].rsplit(" ", 1)[0] or line[:TITLE_CHARACTERS]
