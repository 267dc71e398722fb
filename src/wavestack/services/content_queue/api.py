"""Routes of the content queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Query, Request, Response

from wavestack.deps import call_db, container_of, require
from wavestack.kernel.auth import Principal
from wavestack.kernel.schemas import Page
from wavestack.kernel.web import PageLimit, PageOffset, json_response
from wavestack.services.content_queue import service, slots
from wavestack.services.content_queue.schemas import (
    QueueItemCreate,
    QueueItemRead,
    QueueItemUpdate,
    QueueStatus,
)
from wavestack.services.content_queue.slots import SlotsPut, SlotsRead

router = APIRouter(prefix="/api/queue", tags=["queue"])


@router.post(
    "",
    response_model=QueueItemRead,
    status_code=201,
    responses={200: {"description": "A replay of an earlier request with the same key"}},
)
async def create_item(
    request: Request,
    data: Annotated[QueueItemCreate, Body()],
    caller: Annotated[Principal, Depends(require("queue:write"))],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:
    """Queue content for publishing; the same idempotency key and body returns the first item."""
    key = service.resolve_idempotency_key(data.idempotency_key, idempotency_key)
    item, created = await call_db(
        request,
        service.create_item,
        container_of(request).uow(),
        org_id=caller.org_id,
        data=data,
        key=key,
    )
    return json_response(item, status_code=201 if created else 200)


@router.get("", response_model=Page[QueueItemRead])
async def list_items(
    request: Request,
    caller: Annotated[Principal, Depends(require("queue:read"))],
    status: QueueStatus | None = None,
    project_id: Annotated[str | None, Query(alias="projectId")] = None,
    limit: PageLimit = 20,
    offset: PageOffset = 0,
) -> Response:
    """List queue items, newest first, filtered by status and project."""
    return json_response(
        await call_db(
            request,
            service.list_items,
            container_of(request).uow(write=False),
            org_id=caller.org_id,
            status=status,
            project_id=project_id,
            limit=limit,
            offset=offset,
        )
    )


@router.get("/slots", response_model=SlotsRead, tags=["queue"])
async def get_slots(
    request: Request, caller: Annotated[Principal, Depends(require("queue:read"))]
) -> Response:
    """The organization's weekly posting slots (for `scheduleAt: "next_slot"`)."""
    return json_response(
        await call_db(
            request, slots.get_slots, container_of(request).uow(write=False), org_id=caller.org_id
        )
    )


@router.put("/slots", response_model=SlotsRead, tags=["queue"])
async def put_slots(
    request: Request,
    data: Annotated[SlotsPut, Body()],
    caller: Annotated[Principal, Depends(require("queue:write"))],
) -> Response:
    """Replace the weekly posting slots: a time zone and `{platform, weekday, time}`s."""
    return json_response(
        await call_db(
            request, slots.set_slots, container_of(request).uow(), org_id=caller.org_id, data=data
        )
    )


@router.get("/{item_id}", response_model=QueueItemRead)
async def get_item(
    request: Request,
    item_id: str,
    caller: Annotated[Principal, Depends(require("queue:read"))],
) -> Response:
    """Return one queue item."""
    return json_response(
        await call_db(
            request,
            service.get_item,
            container_of(request).uow(write=False),
            org_id=caller.org_id,
            item_id=item_id,
        )
    )


@router.patch("/{item_id}", response_model=QueueItemRead)
async def update_item(
    request: Request,
    item_id: str,
    data: Annotated[QueueItemUpdate, Body()],
    caller: Annotated[Principal, Depends(require("queue:write"))],
) -> Response:
    """Change a queued item (409 once publishing began)."""
    return json_response(
        await call_db(
            request,
            service.update_item,
            container_of(request).uow(),
            org_id=caller.org_id,
            item_id=item_id,
            data=data,
        )
    )


@router.delete("/{item_id}", response_model=QueueItemRead)
async def cancel_item(
    request: Request,
    item_id: str,
    caller: Annotated[Principal, Depends(require("queue:write"))],
) -> Response:
    """Cancel a queued item (409 once publishing began)."""
    return json_response(
        await call_db(
            request,
            service.cancel_item,
            container_of(request).uow(),
            org_id=caller.org_id,
            item_id=item_id,
        )
    )
