"""Routes of the autoposter: drafts, and a person's decision on each."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request, Response

from wavestack.deps import call_db, container_of, require
from wavestack.kernel.auth import Principal
from wavestack.kernel.clock import utcnow
from wavestack.kernel.schemas import Page
from wavestack.kernel.web import PageLimit, PageOffset, json_response
from wavestack.services.autoposter import service
from wavestack.services.autoposter.schemas import DraftCreate, DraftRead, DraftStatus, Rejection
from wavestack.services.autoposter.settings import AutoposterSettings

router = APIRouter(prefix="/api/autoposter", tags=["autoposter"])


@router.post("/drafts", response_model=DraftRead, status_code=201)
async def add_draft(
    request: Request,
    data: Annotated[DraftCreate, Body()],
    caller: Annotated[Principal, Depends(require("autopost:write"))],
) -> Response:
    """Propose a post; nothing goes out until it is approved."""
    draft = await call_db(
        request,
        service.add_draft,
        container_of(request).uow(),
        org_id=caller.org_id,
        text=data.text,
        source="person",
    )
    return json_response(draft, status_code=201)


@router.get("/drafts", response_model=Page[DraftRead])
async def list_drafts(
    request: Request,
    caller: Annotated[Principal, Depends(require("autopost:read"))],
    status: DraftStatus | None = None,
    limit: PageLimit = 20,
    offset: PageOffset = 0,
) -> Response:
    """Drafts, newest first (`status=pending`: those waiting for a decision)."""
    return json_response(
        await call_db(
            request,
            service.list_drafts,
            container_of(request).uow(write=False),
            org_id=caller.org_id,
            status=status,
            limit=limit,
            offset=offset,
        )
    )


@router.get("/drafts/{draft_id}", response_model=DraftRead)
async def get_draft(
    request: Request,
    draft_id: str,
    caller: Annotated[Principal, Depends(require("autopost:read"))],
) -> Response:
    """One draft."""
    return json_response(
        await call_db(
            request,
            service.get_draft,
            container_of(request).uow(write=False),
            org_id=caller.org_id,
            draft_id=draft_id,
        )
    )


@router.post("/drafts/{draft_id}/approve", response_model=DraftRead)
async def approve(
    request: Request,
    draft_id: str,
    caller: Annotated[Principal, Depends(require("autopost:write"))],
) -> Response:
    """Approve a draft: it is queued at the next free time of the posting cadence."""
    settings = AutoposterSettings()
    return json_response(
        await call_db(
            request,
            service.approve,
            container_of(request).uow(),
            org_id=caller.org_id,
            draft_id=draft_id,
            by=caller.client_id,
            now=utcnow(),
            every=settings.every,
            platforms=list(settings.platforms),
        )
    )


@router.post("/drafts/{draft_id}/reject", response_model=DraftRead)
async def reject(
    request: Request,
    draft_id: str,
    caller: Annotated[Principal, Depends(require("autopost:write"))],
    data: Annotated[Rejection | None, Body()] = None,
) -> Response:
    """Reject a draft: it is never posted."""
    return json_response(
        await call_db(
            request,
            service.reject,
            container_of(request).uow(),
            org_id=caller.org_id,
            draft_id=draft_id,
            by=caller.client_id,
            reason=data.reason if data else None,
            now=utcnow(),
        )
    )
