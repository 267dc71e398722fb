"""Routes of the AI personality (`/api/v1`, as the seed's service had them)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from wavestack.deps import call_db, container_of, require
from wavestack.kernel.auth import Principal
from wavestack.kernel.clock import utcnow
from wavestack.kernel.schemas import Page
from wavestack.kernel.web import PageLimit, PageOffset, json_response
from wavestack.services import llm_gateway
from wavestack.services.autoposter import AutoposterSettings
from wavestack.services.personality import answers, memory, service, stores
from wavestack.services.personality.schemas import (
    ChatRequest,
    ChatResponse,
    Feedback,
    GenerateRequest,
    GenerationRead,
    GenerationStatus,
    Housekeeping,
    LearnRequest,
    LearnResult,
    MemoryCreate,
    MemoryHits,
    MemoryRead,
    ProfileRead,
    ProfileUpdate,
)
from wavestack.services.personality.settings import PersonalitySettings

router = APIRouter(prefix="/api/v1", tags=["personality"])


def _store(request: Request) -> stores.MemoryStore:
    return stores.memory_store(container_of(request).settings)


def _cadence() -> tuple[timedelta, list[str]]:
    settings = AutoposterSettings()
    return settings.every, list(settings.platforms)


@router.post("/learn", response_model=LearnResult)
async def learn(
    request: Request,
    data: Annotated[LearnRequest, Body()],
    caller: Annotated[Principal, Depends(require("ai:write"))],
) -> Response:
    """Learn from samples of the creator's writing (`role: "creator"`); other people's
    messages are skipped, never learned."""
    return json_response(
        await run_in_threadpool(
            service.learn,
            container_of(request).uow(),
            org_id=caller.org_id,
            data=data,
            settings=PersonalitySettings(),
            store=_store(request),
        )
    )


@router.post("/chat", response_model=ChatResponse)
async def chat(
    request: Request,
    data: Annotated[ChatRequest, Body()],
    caller: Annotated[Principal, Depends(require("ai:write"))],
) -> Response:
    """Answer a message in the creator's voice (offline: their past replies, else the
    style model); `confidence` says which answered."""
    llm, max_tokens = llm_gateway.configured()
    return json_response(
        await run_in_threadpool(
            service.chat,
            container_of(request).uow(),
            org_id=caller.org_id,
            data=data,
            voices=answers.VOICES,
            settings=PersonalitySettings(),
            toxicity=answers.toxicity().score,
            llm=llm,
            max_tokens=max_tokens,
            memories=_store(request),
        )
    )


@router.post("/memory", response_model=MemoryRead, status_code=201)
async def remember(
    request: Request,
    data: Annotated[MemoryCreate, Body()],
    caller: Annotated[Principal, Depends(require("ai:write"))],
) -> Response:
    """Keep a memory about the creator (kind and importance worked out if not given)."""
    made = await call_db(
        request,
        memory.remember,
        container_of(request).uow(),
        org_id=caller.org_id,
        text=data.text,
        store=_store(request),
        kind=data.kind,
        importance=data.importance,
    )
    return json_response(made, status_code=201)


@router.get("/memory", response_model=MemoryHits)
async def recall(
    request: Request,
    caller: Annotated[Principal, Depends(require("ai:read"))],
    query: Annotated[str | None, Query(max_length=2000)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> Response:
    """The memories that best answer `query` (relevance, importance and recency, weighed);
    without one, the most recently used."""
    if not query or not query.strip():
        newest = await call_db(
            request,
            memory.latest,
            container_of(request).uow(write=False),
            org_id=caller.org_id,
            limit=limit,
        )
        return json_response(MemoryHits(items=newest))
    hits = await run_in_threadpool(
        memory.recall,
        container_of(request).uow(),
        org_id=caller.org_id,
        query=query,
        limit=limit,
        store=_store(request),
        weights=memory.weights_of(PersonalitySettings()),
        now=utcnow(),
    )
    return json_response(MemoryHits(items=hits))


@router.delete("/memory/{memory_id}", status_code=204)
async def forget(
    request: Request,
    memory_id: str,
    caller: Annotated[Principal, Depends(require("ai:write"))],
) -> Response:
    """Forget one memory."""
    await call_db(
        request,
        memory.forget,
        container_of(request).uow(),
        org_id=caller.org_id,
        memory_id=memory_id,
        store=_store(request),
    )
    return Response(status_code=204)


@router.post("/memory/consolidate", response_model=Housekeeping)
async def consolidate(
    request: Request, caller: Annotated[Principal, Depends(require("ai:write"))]
) -> Response:
    """Merge memories that say nearly the same."""
    merged = await run_in_threadpool(
        memory.consolidate,
        container_of(request).uow(),
        org_id=caller.org_id,
        store=_store(request),
        similarity=PersonalitySettings().duplicate_similarity,
    )
    return json_response(Housekeeping(merged=merged))


@router.post("/memory/prune", response_model=Housekeeping)
async def prune(
    request: Request, caller: Annotated[Principal, Depends(require("ai:write"))]
) -> Response:
    """Forget what was unimportant, rarely used and old."""
    pruned = await call_db(
        request,
        memory.prune,
        container_of(request).uow(),
        org_id=caller.org_id,
        now=utcnow(),
        store=_store(request),
        settings=PersonalitySettings(),
    )
    return json_response(Housekeeping(pruned=pruned))


@router.get("/profile", response_model=ProfileRead)
async def get_profile(
    request: Request, caller: Annotated[Principal, Depends(require("ai:read"))]
) -> Response:
    """The learned style, the settings, and the confidence the samples give."""
    return json_response(
        await call_db(
            request,
            service.get_profile,
            container_of(request).uow(write=False),
            org_id=caller.org_id,
            settings=PersonalitySettings(),
        )
    )


@router.patch("/profile", response_model=ProfileRead)
async def update_profile(
    request: Request,
    data: Annotated[ProfileUpdate, Body()],
    caller: Annotated[Principal, Depends(require("ai:write"))],
) -> Response:
    """Change the settings: avoided topics, whether review is required, the negativity
    threshold."""
    return json_response(
        await call_db(
            request,
            service.update_profile,
            container_of(request).uow(),
            org_id=caller.org_id,
            data=data,
            settings=PersonalitySettings(),
        )
    )


@router.post("/generate", response_model=GenerationRead)
async def generate(
    request: Request,
    data: Annotated[GenerateRequest, Body()],
    caller: Annotated[Principal, Depends(require("ai:write"))],
) -> Response:
    """Write a tweet, caption, description, title or reply in the creator's voice, within
    the platform's cap; it waits for review."""
    every, platforms = _cadence()
    llm, max_tokens = llm_gateway.configured()
    return json_response(
        await run_in_threadpool(
            service.generate,
            container_of(request).uow(),
            org_id=caller.org_id,
            data=data,
            voices=answers.VOICES,
            settings=PersonalitySettings(),
            toxicity=answers.toxicity().score,
            now=utcnow(),
            every=every,
            platforms=platforms,
            llm=llm,
            max_tokens=max_tokens,
        )
    )


@router.get("/generations", response_model=Page[GenerationRead])
async def list_generations(
    request: Request,
    caller: Annotated[Principal, Depends(require("ai:read"))],
    status: GenerationStatus | None = None,
    limit: PageLimit = 20,
    offset: PageOffset = 0,
) -> Response:
    """Generated content, newest first (`status=pending`: waiting for review)."""
    return json_response(
        await call_db(
            request,
            service.list_generations,
            container_of(request).uow(write=False),
            org_id=caller.org_id,
            status=status,
            limit=limit,
            offset=offset,
        )
    )


@router.get("/generations/{generation_id}", response_model=GenerationRead)
async def get_generation(
    request: Request,
    generation_id: str,
    caller: Annotated[Principal, Depends(require("ai:read"))],
) -> Response:
    """One piece of generated content."""
    return json_response(
        await call_db(
            request,
            service.get_generation,
            container_of(request).uow(write=False),
            org_id=caller.org_id,
            generation_id=generation_id,
        )
    )


@router.post("/generations/{generation_id}/approve", response_model=GenerationRead)
async def approve(
    request: Request,
    generation_id: str,
    caller: Annotated[Principal, Depends(require("ai:write"))],
) -> Response:
    """Approve it; an approved tweet is queued by the autoposter at its next free time."""
    every, platforms = _cadence()
    return json_response(
        await call_db(
            request,
            service.approve,
            container_of(request).uow(),
            org_id=caller.org_id,
            generation_id=generation_id,
            by=caller.client_id,
            now=utcnow(),
            every=every,
            platforms=platforms,
        )
    )


@router.post("/generations/{generation_id}/reject", response_model=GenerationRead)
async def reject(
    request: Request,
    generation_id: str,
    caller: Annotated[Principal, Depends(require("ai:write"))],
    data: Annotated[Feedback | None, Body()] = None,
) -> Response:
    """Reject it, with feedback; it is never published."""
    return json_response(
        await call_db(
            request,
            service.reject,
            container_of(request).uow(),
            org_id=caller.org_id,
            generation_id=generation_id,
            by=caller.client_id,
            feedback=data.feedback if data else None,
            now=utcnow(),
        )
    )
