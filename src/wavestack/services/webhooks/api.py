"""Routes of outbound webhooks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request, Response

from wavestack.deps import call_db, container_of, require
from wavestack.kernel.auth import Principal
from wavestack.kernel.schemas import Page
from wavestack.kernel.web import PageLimit, PageOffset, json_response
from wavestack.services.webhooks import service
from wavestack.services.webhooks.schemas import (
    DeliveryRead,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
)

router = APIRouter(prefix="/api/webhooks", tags=["webhooks"])


@router.post("", response_model=WebhookCreated, status_code=201)
async def create_webhook(
    request: Request,
    data: Annotated[WebhookCreate, Body()],
    caller: Annotated[Principal, Depends(require("webhooks:write"))],
) -> Response:
    """Register a URL for events; deliveries are signed with the returned secret."""
    container = container_of(request)
    created = await call_db(
        request,
        service.create_webhook,
        container.uow(),
        container.secrets,
        container.egress,
        org_id=caller.org_id,
        data=data,
    )
    return json_response(created, status_code=201)


@router.get("", response_model=Page[WebhookRead])
async def list_webhooks(
    request: Request,
    caller: Annotated[Principal, Depends(require("webhooks:read"))],
    limit: PageLimit = 20,
    offset: PageOffset = 0,
) -> Response:
    """List registered webhooks."""
    return json_response(
        await call_db(
            request,
            service.list_webhooks,
            container_of(request).uow(write=False),
            org_id=caller.org_id,
            limit=limit,
            offset=offset,
        )
    )


@router.get("/{webhook_id}", response_model=WebhookRead)
async def get_webhook(
    request: Request,
    webhook_id: str,
    caller: Annotated[Principal, Depends(require("webhooks:read"))],
) -> Response:
    """Return one webhook."""
    return json_response(
        await call_db(
            request,
            service.get_webhook,
            container_of(request).uow(write=False),
            org_id=caller.org_id,
            webhook_id=webhook_id,
        )
    )


@router.delete("/{webhook_id}", status_code=204)
async def delete_webhook(
    request: Request,
    webhook_id: str,
    caller: Annotated[Principal, Depends(require("webhooks:write"))],
) -> Response:
    """Remove a webhook."""
    await call_db(
        request,
        service.delete_webhook,
        container_of(request).uow(),
        org_id=caller.org_id,
        webhook_id=webhook_id,
    )
    return Response(status_code=204)


@router.get("/{webhook_id}/deliveries", response_model=Page[DeliveryRead])
async def list_deliveries(
    request: Request,
    webhook_id: str,
    caller: Annotated[Principal, Depends(require("webhooks:read"))],
    limit: PageLimit = 20,
    offset: PageOffset = 0,
) -> Response:
    """List a webhook's deliveries and their attempts, newest first."""
    return json_response(
        await call_db(
            request,
            service.list_deliveries,
            container_of(request).uow(write=False),
            org_id=caller.org_id,
            webhook_id=webhook_id,
            limit=limit,
            offset=offset,
        )
    )
