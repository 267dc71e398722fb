"""Routes of auto-mod (the seed's `/api/v1/moderate` paths, plus settings and the audit)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from wavestack.deps import call_db, container_of, require
from wavestack.kernel.auth import Principal
from wavestack.kernel.errors import ValidationFailed
from wavestack.kernel.schemas import UtcDateTime
from wavestack.kernel.web import json_response
from wavestack.services.auto_mod import service
from wavestack.services.auto_mod.schemas import (
    AuditPage,
    CheckRequest,
    CheckResponse,
    TermIn,
    TermList,
    UndoIn,
    ViolationsOut,
)
from wavestack.services.social_ingest import Platform

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


class SettingsIn(BaseModel):
    """Overrides of the seed's defaults; leave a field out to keep the default."""

    model_config = ConfigDict(extra="forbid")

    toxicity_threshold: float | None = Field(None, ge=0, le=1)
    spam_threshold: float | None = Field(None, ge=0, le=1)
    auto_delete: bool | None = None
    auto_timeout: bool | None = None
    auto_ban: bool | None = None
    violations_for_ban: int | None = Field(None, ge=1, le=100)
    timeout_duration: int | None = Field(None, ge=1, le=1_209_600)
    ladder: list[str] | None = Field(None, min_length=1, max_length=10)


def _channel(platform: str, channel_id: str) -> str:
    return "*" if channel_id == "*" else f"{platform}:{channel_id}"


@router.put("/settings/{platform}/{channel_id}")
async def put_settings(
    request: Request,
    platform: Platform,
    channel_id: str,
    data: Annotated[SettingsIn, Body()],
    caller: Annotated[Principal, Depends(require("moderation:write"))],
) -> Response:
    """Override the settings for a channel (`*` as the channel: for every channel)."""
    overrides: dict[str, Any] = data.model_dump(exclude_none=True)
    for step in overrides.get("ladder", []):
        name, _, seconds = step.partition(":")
        if name not in ("warn", "delete", "timeout", "ban") or (
            name == "timeout" and not seconds.isdigit()
        ):
            raise ValidationFailed(f"ladder: {step!r} is not warn, delete, timeout:N or ban")
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
    return JSONResponse({**vars(settings), "ladder": list(settings.ladder)})
