"""Routes of auto-mod (the seed's `/api/v1/moderate` paths, plus settings and the audit)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import httpx
from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from wavestack.deps import call_db, container_of, require
from wavestack.kernel.auth import Principal
from wavestack.kernel.errors import PayloadTooLarge, ValidationFailed
from wavestack.kernel.http import BlockedDestination
from wavestack.kernel.schemas import UtcDateTime
from wavestack.kernel.web import json_response, validation_details
from wavestack.services.auto_mod import service
from wavestack.services.auto_mod.images import MAX_IMAGE_BYTES
from wavestack.services.auto_mod.schemas import (
    AuditPage,
    CheckRequest,
    CheckResponse,
    ImageCheckIn,
    ImageCheckResponse,
    TermIn,
    TermList,
    UndoIn,
    ViolationsOut,
)
from wavestack.services.social_ingest import Platform

if TYPE_CHECKING:
    from wavestack.bootstrap import Container

router = APIRouter(prefix="/api/v1/moderate", tags=["auto-mod"])


@router.post("/check", response_model=CheckResponse)
async def check(
    request: Request,
    data: Annotated[CheckRequest, Body()],
    caller: Annotated[Principal, Depends(require("moderation:write"))],
) -> Response:
    """Judge a chat message; a violation is recorded, escalated and audited."""
    uow = container_of(request).uow()
    # The model and the rules are CPU work: off the event loop.
    verdict = await run_in_threadpool(
        service.check, uow, org_id=caller.org_id, judges=service.process_judges(), request=data
    )
    return json_response(verdict)


IMAGE_FIELDS = ("platform", "channel_id", "user_id", "username")


@router.post("/image", response_model=ImageCheckResponse)
async def check_image(
    request: Request, caller: Annotated[Principal, Depends(require("moderation:write"))]
) -> Response:
    """Judge an image for nudity with the bundled detector: upload it (multipart field
    `file`, or the bytes as the body with an `image/*` type), or send JSON `{"url": ...}`
    (fetched through the outbound guard). Optional `platform`, `channel_id`, `user_id` and
    `username` pick the channel's threshold and count an NSFW image against the chatter."""
    container = container_of(request)
    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind == "application/json":
        about = _image_check_in(await _capped_body(request, 16 * 1024))
        if not about.url:
            raise ValidationFailed("give the image as a file upload, or its url in JSON")
        data = await run_in_threadpool(_fetch_image, container, about.url)
    elif kind == "multipart/form-data":
        _refuse_large(request, MAX_IMAGE_BYTES + 64 * 1024)
        async with request.form(max_files=1, max_fields=len(IMAGE_FIELDS)) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise ValidationFailed("multipart form: put the image in the field `file`")
            data = await upload.read(MAX_IMAGE_BYTES + 1)
            fields = {n: form[n] for n in IMAGE_FIELDS if isinstance(form.get(n), str)}
        about = _image_check_in(json.dumps(fields).encode())
    elif kind.startswith("image/") or kind == "application/octet-stream":
        data = await _capped_body(request, MAX_IMAGE_BYTES)
        about = ImageCheckIn()
    else:
        raise ValidationFailed("send multipart/form-data, an image/* body, or JSON with a url")
    verdict = await run_in_threadpool(
        service.check_image,
        container.uow(),
        org_id=caller.org_id,
        judges=service.process_judges(),
        data=data,
        about=about,
    )
    return json_response(verdict)


def _image_check_in(raw: bytes) -> ImageCheckIn:
    try:
        return ImageCheckIn.model_validate_json(raw)
    except ValidationError as exc:
        raise ValidationFailed("invalid image check", details=validation_details(exc)) from exc


def _refuse_large(request: Request, limit: int) -> None:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"images are limited to {MAX_IMAGE_BYTES // (1024 * 1024)} MB")


async def _capped_body(request: Request, limit: int) -> bytes:
    _refuse_large(request, limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(f"the body is limited to {limit:,} bytes")
    return bytes(body)


def _fetch_image(container: Container, url: str) -> bytes:
    """Download an image through the SSRF guard, at most the size limit."""
    body = bytearray()
    try:
        container.egress.check_url(url)
        with (
            container.http_client(retries=1, timeout=10.0) as client,
            client.stream("GET", url, follow_redirects=True) as response,
        ):
            if response.status_code != 200:
                raise ValidationFailed(f"fetching the image gave HTTP {response.status_code}")
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_IMAGE_BYTES:
                    raise PayloadTooLarge("the image at that url is larger than 10 MB")
    except BlockedDestination as exc:
        raise ValidationFailed(f"url: {exc}") from exc
    except httpx.HTTPError as exc:
        raise ValidationFailed(f"could not fetch the image: {exc}") from exc
    return bytes(body)


def _term(data: TermIn, kind: str) -> str:
    value = data.word if kind == "word" else data.phrase
    if not value or not value.strip():
        raise ValidationFailed(f"{kind}: give the {kind} to ban or lift")
    return value


async def _add(request: Request, caller: Principal, data: TermIn, kind: str) -> Response:
    uow = container_of(request).uow()
    added = await call_db(
        request, service.add_terms, uow, org_id=caller.org_id, kind=kind, terms=[_term(data, kind)]
    )
    service.process_judges().forget(caller.org_id)
    return JSONResponse({"added": added})


@router.post("/filter/add-word")
async def add_word(
    request: Request,
    data: Annotated[TermIn, Body()],
    caller: Annotated[Principal, Depends(require("moderation:write"))],
) -> Response:
    """Ban a word (it is matched through leetspeak, look-alikes and spacing)."""
    return await _add(request, caller, data, "word")


@router.post("/filter/add-phrase")
async def add_phrase(
    request: Request,
    data: Annotated[TermIn, Body()],
    caller: Annotated[Principal, Depends(require("moderation:write"))],
) -> Response:
    """Ban a phrase."""
    return await _add(request, caller, data, "phrase")


@router.delete("/filter/remove-word")
async def remove_word(
    request: Request,
    caller: Annotated[Principal, Depends(require("moderation:write"))],
    word: Annotated[str | None, Query(max_length=200)] = None,
    phrase: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Lift the ban of a word (`?word=`) or a phrase (`?phrase=`)."""
    kind, value = ("word", word) if word else ("phrase", phrase)
    if not value:
        raise ValidationFailed("give ?word= or ?phrase=")
    uow = container_of(request).uow()
    removed = await call_db(
        request, service.remove_terms, uow, org_id=caller.org_id, kind=kind, terms=[value]
    )
    service.process_judges().forget(caller.org_id)
    return JSONResponse({"removed": removed})


@router.get("/filter/words", response_model=TermList)
async def list_words(
    request: Request, caller: Annotated[Principal, Depends(require("moderation:read"))]
) -> Response:
    """The banned words and phrases."""
    uow = container_of(request).uow(write=False)
    listed = await call_db(request, service.list_terms, uow, org_id=caller.org_id)
    return json_response(TermList(**listed))


@router.get("/violations/{user_id}", response_model=ViolationsOut)
async def violations(
    request: Request,
    user_id: str,
    caller: Annotated[Principal, Depends(require("moderation:read"))],
) -> Response:
    """How many violations of a chatter count now (the last 24 hours, not forgiven)."""
    uow = container_of(request).uow(write=False)
    count = await call_db(
        request, service.active_violations, uow, org_id=caller.org_id, user_id=user_id
    )
    return json_response(ViolationsOut(user_id=user_id, count=count))


@router.delete("/violations/{user_id}")
async def forgive(
    request: Request,
    user_id: str,
    caller: Annotated[Principal, Depends(require("moderation:write"))],
) -> Response:
    """Forgive a chatter: their violations stop counting; the audit keeps them."""
    uow = container_of(request).uow()
    cleared = await call_db(
        request, service.clear_violations, uow, org_id=caller.org_id, user_id=user_id
    )
    return JSONResponse({"user_id": user_id, "cleared": cleared})


@router.get("/audit", response_model=AuditPage)
async def audit(
    request: Request,
    caller: Annotated[Principal, Depends(require("moderation:read"))],
    channel_id: str | None = None,
    user_id: str | None = None,
    action: str | None = None,
    since: UtcDateTime | None = None,
    until: UtcDateTime | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """Every moderation decision, newest first."""
    uow = container_of(request).uow(write=False)
    page = await call_db(
        request,
        service.audit_page,
        uow,
        org_id=caller.org_id,
        channel_id=channel_id,
        user_id=user_id,
        action=action,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return json_response(page)


@router.post("/audit/{entry_id}/undo", status_code=204)
async def undo(
    request: Request,
    entry_id: int,
    data: Annotated[UndoIn, Body()],
    caller: Annotated[Principal, Depends(require("moderation:write"))],
) -> Response:
    """Take a decision back (optionally as a false positive); its violation stops counting."""
    uow = container_of(request).uow()
    await call_db(
        request,
        service.undo,
        uow,
        org_id=caller.org_id,
        seq=entry_id,
        by=caller.client_id,
        false_positive=data.false_positive,
    )
    return Response(status_code=204)


def _channel(platform: str, channel_id: str) -> str:
    return "*" if channel_id == "*" else f"{platform}:{channel_id}"


@router.put("/settings/{platform}/{channel_id}")
async def put_settings(
    request: Request,
    platform: Platform,
    channel_id: str,
    data: Annotated[dict[str, Any], Body()],
    caller: Annotated[Principal, Depends(require("moderation:write"))],
) -> Response:
    """Override the settings for a channel (`*` as the channel: for every channel): any of
    those `GET` shows; a field left out keeps the default, `null` returns to it."""
    given = {name: value for name, value in data.items() if value is not None}
    checked = service.install_defaults().with_overrides(given).model_dump(mode="json")
    overrides = {name: checked[name] for name in given}
    uow = container_of(request).uow()
    saved = await call_db(
        request,
        service.save_settings,
        uow,
        org_id=caller.org_id,
        channel=_channel(platform, channel_id),
        overrides=overrides,
    )
    service.process_judges().forget(caller.org_id)
    return JSONResponse(saved)


@router.get("/settings/{platform}/{channel_id}")
async def get_settings(
    request: Request,
    platform: Platform,
    channel_id: str,
    caller: Annotated[Principal, Depends(require("moderation:read"))],
) -> Response:
    """The settings in force for a channel: defaults, then `*`, then the channel's own."""
    uow = container_of(request).uow(write=False)
    settings = await call_db(
        request,
        service.settings_for,
        uow,
        org_id=caller.org_id,
        platform=platform,
        channel_id=channel_id,
    )
    return JSONResponse(settings.model_dump(mode="json"))
