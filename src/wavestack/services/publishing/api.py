"""Routes of posts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import FileResponse

from wavestack.deps import call_db, container_of, require
from wavestack.kernel.auth import Principal
from wavestack.kernel.errors import NotFound
from wavestack.kernel.schemas import Page
from wavestack.kernel.web import PageLimit, PageOffset, json_response
from wavestack.services.content_queue import Platform
from wavestack.services.publishing import service
from wavestack.services.publishing.local import FEED, PAGE, SAFE_NAME
from wavestack.services.publishing.schemas import PostRead

router = APIRouter(tags=["posts"])
SafeName = Annotated[str, Path(pattern=SAFE_NAME.pattern)]
TYPES = {FEED: "application/rss+xml", PAGE: "text/html"}


@router.get("/api/posts", response_model=Page[PostRead])
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


@router.get("/published/{org_id}/", tags=["published"])
async def published_page(request: Request, org_id: SafeName) -> Response:
    """The `local` platform's page of an organization's posts (public, as published is)."""
    return _published(request, org_id, PAGE)


@router.get("/published/{org_id}/{name}", tags=["published"])
async def published_file(request: Request, org_id: SafeName, name: SafeName) -> Response:
    """A file of the `local` platform: `feed.xml` (RSS 2.0), `index.html` or a post's media
    or metadata. Public: published is public, and feed readers send no tokens."""
    return _published(request, org_id, name)


def _published(request: Request, org_id: str, name: str) -> Response:
    path = container_of(request).settings.data_dir / "published" / org_id / name
    if name.endswith(".tmp") or not path.is_file():
        raise NotFound("nothing published under that name")
    return FileResponse(path, media_type=TYPES.get(name))
