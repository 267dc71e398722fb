"""Routes of projects and assets."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from starlette.responses import StreamingResponse

from wavestack.deps import call_db, container_of, require
from wavestack.kernel.auth import Principal
from wavestack.kernel.errors import ValidationFailed
from wavestack.kernel.ids import new_id
from wavestack.kernel.schemas import Page
from wavestack.kernel.storage import StorageWriter
from wavestack.kernel.uploads import file_response, receive_multipart_upload
from wavestack.kernel.web import PageLimit, PageOffset, json_response, validation_details
from wavestack.services.cms import service
from wavestack.services.cms.schemas import (
    AssetRead,
    AssetRegister,
    AssetStatus,
    ProjectCreate,
    ProjectRead,
    ProjectUpdate,
)

router = APIRouter(prefix="/api", tags=["projects", "assets"])


@router.post("/projects", response_model=ProjectRead, status_code=201, tags=["projects"])
async def create_project(
    request: Request,
    data: Annotated[ProjectCreate, Body()],
    caller: Annotated[Principal, Depends(require("projects:write"))],
) -> Response:
    """Create a project."""
    project = await call_db(
        request,
        service.create_project,
        container_of(request).uow(),
        org_id=caller.org_id,
        data=data,
    )
    return json_response(project, status_code=201)


@router.get("/projects", response_model=Page[ProjectRead], tags=["projects"])
async def list_projects(
    request: Request,
    caller: Annotated[Principal, Depends(require("projects:read"))],
    limit: PageLimit = 20,
    offset: PageOffset = 0,
) -> Response:
    """List projects, newest first."""
    return json_response(
        await call_db(
            request,
            service.list_projects,
            container_of(request).uow(write=False),
            org_id=caller.org_id,
            limit=limit,
            offset=offset,
        )
    )


@router.get("/projects/{project_id}", response_model=ProjectRead, tags=["projects"])
async def get_project(
    request: Request,
    project_id: str,
    caller: Annotated[Principal, Depends(require("projects:read"))],
) -> Response:
    """Return one project."""
    return json_response(
        await call_db(
            request,
            service.get_project,
            container_of(request).uow(write=False),
            org_id=caller.org_id,
            project_id=project_id,
        )
    )


@router.patch("/projects/{project_id}", response_model=ProjectRead, tags=["projects"])
async def update_project(
    request: Request,
    project_id: str,
    data: Annotated[ProjectUpdate, Body()],
    caller: Annotated[Principal, Depends(require("projects:write"))],
) -> Response:
    """Change a project."""
    return json_response(
        await call_db(
            request,
            service.update_project,
            container_of(request).uow(),
            org_id=caller.org_id,
            project_id=project_id,
            data=data,
        )
    )


@router.delete("/projects/{project_id}", status_code=204, tags=["projects"])
async def delete_project(
    request: Request,
    project_id: str,
    caller: Annotated[Principal, Depends(require("projects:write"))],
) -> Response:
    """Delete a project; its assets stay."""
    await call_db(
        request,
        service.delete_project,
        container_of(request).uow(),
        org_id=caller.org_id,
        project_id=project_id,
    )
    return Response(status_code=204)


_ASSET_BODY = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "projectId": {"type": "string"},
                    },
                }
            },
            "application/json": {"schema": AssetRegister.model_json_schema(by_alias=True)},
        }
    }
}


@router.post(
    "/assets",
    response_model=AssetRead,
    status_code=201,
    tags=["assets"],
    openapi_extra=_ASSET_BODY,
)
async def create_asset(
    request: Request, caller: Annotated[Principal, Depends(require("assets:write"))]
) -> AssetRead:
    """Upload a file (multipart field `file`), or register one by URL (JSON `sourceUrl`)."""
    container = container_of(request)
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith("application/json"):
        try:
            data = AssetRegister.model_validate(json.loads(await request.body()))
        except (ValueError, ValidationError) as exc:
            details = validation_details(exc) if isinstance(exc, ValidationError) else None
            raise ValidationFailed("invalid asset registration", details=details) from exc
        return await call_db(
            request, service.register_asset, container.uow(), org_id=caller.org_id, data=data
        )

    asset_id = new_id()
    keys: list[str] = []

    def open_writer(filename: str, _content_type: str | None) -> StorageWriter:
        key = service.asset_key(org_id=caller.org_id, asset_id=asset_id, filename=filename)
        keys.append(key)
        return container.storage.writer(key, max_bytes=container.settings.max_upload_bytes)

    upload = await receive_multipart_upload(
        request, open_writer=open_writer, max_bytes=container.settings.max_upload_bytes
    )
    extra = set(upload.fields) - {"projectId"}
    if extra:
        upload.writer.abort()
        raise ValidationFailed(f"unexpected form field(s): {', '.join(sorted(extra))}")
    # The bytes land first, then the record; if the record fails the file goes again.
    size = await run_in_threadpool(upload.writer.commit)
    facts = await run_in_threadpool(
        service.probe_stored, container.transcoder, container.storage, keys[0]
    )
    try:
        return await call_db(
            request,
            service.add_stored_asset,
            container.uow(),
            org_id=caller.org_id,
            asset_id=asset_id,
            project_id=upload.fields.get("projectId") or None,
            filename=upload.filename,
            mime_type=service.guess_mime(upload.filename, upload.content_type),
            size_bytes=size,
            storage_type=container.storage.backend,
            storage_path=keys[0],
            duration=facts.duration,
            width=facts.width,
            height=facts.height,
        )
    except BaseException:
        container.storage.delete(keys[0])
        raise


@router.get("/assets", response_model=Page[AssetRead], tags=["assets"])
async def list_assets(
    request: Request,
    caller: Annotated[Principal, Depends(require("assets:read"))],
    project_id: Annotated[str | None, Query(alias="projectId")] = None,
    status: AssetStatus | None = None,
    limit: PageLimit = 20,
    offset: PageOffset = 0,
) -> Response:
    """List assets, newest first."""
    return json_response(
        await call_db(
            request,
            service.list_assets,
            container_of(request).uow(write=False),
            org_id=caller.org_id,
            project_id=project_id,
            status=status,
            limit=limit,
            offset=offset,
        )
    )


@router.get("/assets/{asset_id}", response_model=AssetRead, tags=["assets"])
async def get_asset(
    request: Request,
    asset_id: str,
    caller: Annotated[Principal, Depends(require("assets:read"))],
) -> Response:
    """Return one asset's metadata."""
    return json_response(
        await call_db(
            request,
            service.get_asset,
            container_of(request).uow(write=False),
            org_id=caller.org_id,
            asset_id=asset_id,
        )
    )


@router.get(
    "/assets/{asset_id}/content",
    tags=["assets"],
    response_class=StreamingResponse,
    responses={206: {"description": "A byte range of the file"}},
)
async def asset_content(
    request: Request,
    asset_id: str,
    caller: Annotated[Principal, Depends(require("assets:read"))],
) -> StreamingResponse:
    """Download an asset's bytes; supports `Range: bytes=...`."""
    container = container_of(request)
    asset = await call_db(
        request,
        service.content_of,
        container.uow(write=False),
        org_id=caller.org_id,
        asset_id=asset_id,
    )
    return file_response(
        container.storage,
        asset.storage_path or "",
        media_type=asset.mime_type,
        filename=asset.filename,
        range_header=request.headers.get("range"),
    )


@router.get("/media/{token}", tags=["assets"], response_class=StreamingResponse)
async def shared_media(request: Request, token: str) -> StreamingResponse:
    """An asset's bytes through a link publishing made for a platform that fetches media
    (Instagram): no token needed, the link itself is sealed and expires."""
    container = container_of(request)
    asset = await call_db(
        request, service.shared_asset, container.uow(write=False), container.secrets, token
    )
    return file_response(
        container.storage,
        asset.storage_path or "",
        media_type=asset.mime_type,
        filename=asset.filename,
        range_header=request.headers.get("range"),
    )


@router.delete("/assets/{asset_id}", status_code=204, tags=["assets"])
async def delete_asset(
    request: Request,
    asset_id: str,
    caller: Annotated[Principal, Depends(require("assets:write"))],
) -> Response:
    """Delete an asset and its bytes."""
    container = container_of(request)
    await call_db(
        request,
        service.delete_asset,
        container.uow(),
        container.storage,
        org_id=caller.org_id,
        asset_id=asset_id,
    )
    return Response(status_code=204)
