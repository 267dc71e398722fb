"""Routes of posts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from wavestack.deps import call_db, container_of, require
from wavestack.kernel.auth import Principal
from wavestack.kernel.schemas import Page
from wavestack.kernel.web import PageLimit, PageOffset, json_response
from wavestack.services.content_queue import Platform
from wavestack.services.publishing import service
from wavestack.services.publishing.schemas import PostRead

router = APIRouter(prefix="/api/posts", tags=["posts"])


@router.get("", response_model=Page[PostRead])
async def list_posts(
    request: Request,
    caller: Annotated[Principal, Depends(require("posts:read"))],
    platform: Platform | None = None,
    queue_item_id: Annotated[str | None, Query(alias="queueItemId")] = None,
    limit: PageLimit = 20,
    offset: PageOffset = 0,
) -> Response:
    """List published posts with their platform URLs."""
    return json_response(
        await call_db(
            request,
            service.list_posts,
            container_of(request).uow(write=False),
            org_id=caller.org_id,
            platform=platform,
            queue_item_id=queue_item_id,
            limit=limit,
            offset=offset,
        )
    )
