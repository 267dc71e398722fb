"""Routes of social ingest (the seed's `/api/v1` paths)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Body, Depends, Query, Request, Response, WebSocket, status
from fastapi.concurrency import run_in_threadpool
from pydantic import TypeAdapter

from wavestack.deps import admit, authenticate, call_db, container_of, require
from wavestack.kernel.auth import Principal
from wavestack.kernel.clock import utcnow
from wavestack.kernel.errors import AppError, RateLimited, ValidationFailed
from wavestack.kernel.schemas import UtcDateTime
from wavestack.kernel.web import json_response
from wavestack.services.social_ingest import service, stream
from wavestack.services.social_ingest.schemas import (
    MAX_BATCH,
    ChannelDay,
    ChatterCount,
    EventBatch,
    EventPage,
    EventRecorded,
    EventType,
    IngestBatch,
    IngestResult,
    MessageEvent,
    MessagePage,
    Platform,
    SearchResult,
    UserAnalytics,
)
from wavestack.services.social_ingest.stream import MessageFeed

if TYPE_CHECKING:
    from wavestack.bootstrap import Container

router = APIRouter(prefix="/api/v1", tags=["social ingest"])


@router.post("/ingest", response_model=IngestResult)
async def ingest(
    request: Request,
    batch: Annotated[IngestBatch | list[MessageEvent], Body()],
    caller: Annotated[Principal, Depends(require("chat:write", area="ingest"))],
) -> Response:
    """Store a batch of MessageEvents (`{"events": [...]}` or a bare list, at most 1000)."""
    events = batch.events if isinstance(batch, IngestBatch) else batch
    if not 1 <= len(events) <= MAX_BATCH:
        raise ValidationFailed(f"events: send 1 to {MAX_BATCH} messages per batch")
    container = container_of(request)
    done = await call_db(
        request, service.ingest, container.uow(), org_id=caller.org_id, events=events
    )
    if done:
        # After the commit; on a thread because publishing to Redis waits on the network.
        await run_in_threadpool(service.announce, container.bus, caller.org_id, done)
    return json_response(done.result)


# `:path`: some platforms' ids are base64 with `/` in them (WhatsApp's `wamid.` ids).
@router.delete(
    "/messages/{platform}/{message_id:path}",
    status_code=204,
    response_class=Response,
    responses={404: {"description": "No such message in the caller's organization."}},
)
async def delete_message(
    request: Request,
    platform: Platform,
    message_id: str,
    caller: Annotated[Principal, Depends(require("chat:write", area="ingest"))],
) -> Response:
    """Mark a message deleted (a moderator removed it): it leaves lists, search and analytics."""
    uow = container_of(request).uow()
    await call_db(
        request,
        service.delete_message,
        uow,
        org_id=caller.org_id,
        platform=platform,
        message_id=message_id,
    )
    return Response(status_code=204)


@router.websocket("/stream/messages")
async def stream_messages(
    websocket: WebSocket,
    platform: Platform | None = None,
    channel_id: Annotated[str | None, Query(alias="channelId")] = None,
    token: Annotated[
        str | None, Query(description="The bearer token, for clients that cannot send headers.")
    ] = None,
) -> None:
    """Push each message stored or edited from now on, as `GET /api/v1/messages` shows it.

    Needs `chat:read`, by the `Authorization` header or the `token` query parameter; without
    it the socket closes with 1008 (policy violation), as it does when the token expires.
    """
    container: Container = websocket.app.state.container
    try:
        caller = authenticate(container, websocket.headers, token=token)
        admit(container, caller, "chat:read", area="core")
    except AppError as exc:
        await websocket.accept()
        code = (
            status.WS_1013_TRY_AGAIN_LATER
            if isinstance(exc, RateLimited)
            else status.WS_1008_POLICY_VIOLATION
        )
        # A close reason may hold at most 123 bytes.
        await websocket.close(code=code, reason=exc.message.encode()[:123].decode(errors="ignore"))
        return
    feed = MessageFeed(
        container.bus, org_id=caller.org_id, platform=platform, channel_id=channel_id
    )
    # Listening before accepting: whatever is stored once the client is connected reaches it.
    async with feed:
        await websocket.accept()
        await stream.serve(websocket, feed, expires_at=caller.expires_at)


@router.get("/messages", response_model=MessagePage)
async def list_messages(
    request: Request,
    caller: Annotated[Principal, Depends(require("chat:read"))],
    platform: Platform | None = None,
    channel_id: Annotated[str | None, Query(alias="channelId")] = None,
    user_id: Annotated[str | None, Query(alias="userId")] = None,
    since: UtcDateTime | None = None,
    until: UtcDateTime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """Stored messages, newest first, filtered by platform, channel, author and time."""
    uow = container_of(request).uow(write=False)
    page = await call_db(
        request,
        service.list_messages,
        uow,
        org_id=caller.org_id,
        platform=platform,
        channel_id=channel_id,
        user_id=user_id,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return json_response(page)


@router.get("/analytics/user/{user_id}", response_model=UserAnalytics)
async def user_analytics(
    request: Request,
    user_id: str,
    caller: Annotated[Principal, Depends(require("chat:read"))],
    platform: Platform | None = None,
) -> Response:
    """One chatter: messages, average length, active hours and days, emotes, hashtags."""
    uow = container_of(request).uow(write=False)
    found = await call_db(
        request,
        service.user_analytics,
        uow,
        org_id=caller.org_id,
        user_id=user_id,
        platform=platform,
    )
    return json_response(found)


@router.get("/analytics/channel/{channel_id}", response_model=ChannelDay)
async def channel_analytics(
    request: Request,
    channel_id: str,
    caller: Annotated[Principal, Depends(require("chat:read"))],
    platform: Platform | None = None,
    day: Annotated[
        date | None, Query(alias="date", description="UTC day; today if absent.")
    ] = None,
) -> Response:
    """One channel's day: messages, unique chatters, top chatters and emotes."""
    uow = container_of(request).uow(write=False)
    found = await call_db(
        request,
        service.channel_day,
        uow,
        org_id=caller.org_id,
        channel_id=channel_id,
        platform=platform,
        day=day or utcnow().date(),
    )
    return json_response(found)


@router.get("/leaderboard", response_model=list[ChatterCount])
async def leaderboard(
    request: Request,
    caller: Annotated[Principal, Depends(require("chat:read"))],
    metric: str = "messages",
    platform: Platform | None = None,
    channel_id: Annotated[str | None, Query(alias="channelId")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> Response:
    """The most active chatters."""
    uow = container_of(request).uow(write=False)
    board = await call_db(
        request,
        service.leaderboard,
        uow,
        org_id=caller.org_id,
        metric=metric,
        platform=platform,
        channel_id=channel_id,
        limit=limit,
    )
    return Response(
        TypeAdapter(list[ChatterCount]).dump_json(board, by_alias=True),
        media_type="application/json",
    )


@router.get("/search", response_model=SearchResult)
async def search(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=200, description="Words to find.")],
    caller: Annotated[Principal, Depends(require("chat:read"))],
    platform: Platform | None = None,
    channel_id: Annotated[str | None, Query(alias="channelId")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """Full-text search (every word must match), by relevance among the newest 2,000 matches."""
    uow = container_of(request).uow(write=False)
    found = await call_db(
        request,
        service.search_messages,
        uow,
        org_id=caller.org_id,
        q=q,
        platform=platform,
        channel_id=channel_id,
        limit=limit,
    )
    return json_response(found)


@router.post("/events", response_model=EventRecorded)
async def record_events(
    request: Request,
    batch: Annotated[EventBatch, Body()],
    caller: Annotated[Principal, Depends(require("chat:write", area="ingest"))],
) -> Response:
    """Store platform events (raids, subscriptions, bits, stream start and end, ...)."""
    uow = container_of(request).uow()
    return json_response(
        await call_db(
            request, service.record_events, uow, org_id=caller.org_id, events=batch.events
        )
    )


@router.get("/events", response_model=EventPage)
async def list_events(
    request: Request,
    caller: Annotated[Principal, Depends(require("chat:read"))],
    platform: Platform | None = None,
    event_type: Annotated[EventType | None, Query(alias="eventType")] = None,
    channel_id: Annotated[str | None, Query(alias="channelId")] = None,
    since: UtcDateTime | None = None,
    until: UtcDateTime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """Platform events, newest first."""
    uow = container_of(request).uow(write=False)
    page = await call_db(
        request,
        service.list_events,
        uow,
        org_id=caller.org_id,
        platform=platform,
        event_type=event_type,
        channel_id=channel_id,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return json_response(page)
