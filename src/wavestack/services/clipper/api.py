"""Routes of the clipper (the seed's `/api/v1` paths)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool

from wavestack.deps import call_db, container_of, require
from wavestack.kernel.auth import Principal
from wavestack.kernel.web import json_response
from wavestack.services.clipper import service
from wavestack.services.clipper.schemas import (
    ClipAccepted,
    ClipRequest,
    ClipStatus,
    HighlightsRequest,
    HighlightsResult,
)

router = APIRouter(prefix="/api/v1", tags=["clipper"])


@router.post("/clip", response_model=ClipAccepted, status_code=202)
async def create_clip(
    request: Request,
    data: Annotated[ClipRequest, Body()],
    caller: Annotated[Principal, Depends(require("clip:create", area="clip"))],
) -> Response:
    """Queue a clip; follow it at `GET /api/v1/clip/{job_id}`."""
    container = container_of(request)
    # Checking a file source probes it: disk reads stay off the event loop.
    accepted = await run_in_threadpool(
        service.create_job,
        container.uow(),
        org_id=caller.org_id,
        data=data,
        roots=container.settings.resolved_media_roots,
        egress=container.egress,
        transcoder=container.transcoder,
    )
    return json_response(accepted, status_code=202)


async def _status(request: Request, job_id: str, caller: Principal) -> Response:
    uow = container_of(request).uow(write=False)
    return json_response(
        await call_db(request, service.get_status, uow, org_id=caller.org_id, job_id=job_id)
    )


@router.get("/clip/{job_id}", response_model=ClipStatus)
async def clip_status(
    request: Request,
    job_id: str,
    caller: Annotated[Principal, Depends(require("clip:read"))],
) -> Response:
    """Return a clip job's status, progress and result."""
    return await _status(request, job_id, caller)


@router.get("/status/{job_id}", response_model=ClipStatus)
async def clip_status_alias(
    request: Request,
    job_id: str,
    caller: Annotated[Principal, Depends(require("clip:read"))],
) -> Response:
    """The seed's alias of `GET /api/v1/clip/{job_id}`."""
    return await _status(request, job_id, caller)


@router.delete("/clip/{job_id}", response_model=ClipStatus)
async def cancel_clip(
    request: Request,
    job_id: str,
    caller: Annotated[Principal, Depends(require("clip:create"))],
) -> Response:
    """Cancel a queued or running clip job (FFmpeg is stopped, its files removed)."""
    uow = container_of(request).uow()
    return json_response(
        await call_db(request, service.cancel_job, uow, org_id=caller.org_id, job_id=job_id)
    )


@router.post("/highlights", response_model=HighlightsResult)
async def find_highlights(
    request: Request,
    data: Annotated[HighlightsRequest, Body()],
    caller: Annotated[Principal, Depends(require("clip:create", area="clip"))],
) -> Response:
    """Rank the moments of a stream from its chat and its audio; optionally clip the best."""
    container = container_of(request)
    # Decoding a stream's audio takes seconds: never on the event loop.
    found = await run_in_threadpool(
        service.find_highlights,
        container.uow(),
        container.storage,
        container.transcoder,
        org_id=caller.org_id,
        data=data,
        roots=container.settings.resolved_media_roots,
        egress=container.egress,
        settings=container.settings.highlights,
    )
    return json_response(found)
