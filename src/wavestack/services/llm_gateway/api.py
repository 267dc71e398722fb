"""Routes of the language model gateway (`/api/v1/llm`, as the seed's ollama-gw had them)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from wavestack.deps import call_db, container_of, require
from wavestack.kernel.auth import Principal
from wavestack.kernel.errors import Unavailable
from wavestack.kernel.web import json_response
from wavestack.providers.llm import Completion, LLMError, Message
from wavestack.services.llm_gateway import service
from wavestack.services.llm_gateway.schemas import (
    Answer,
    ChatRequest,
    GenerateRequest,
    TokenCount,
    UsageReport,
)
from wavestack.services.llm_gateway.settings import GatewaySettings

router = APIRouter(prefix="/api/v1/llm", tags=["llm"])


class NoModel(Unavailable):
    """No language model is set up, or none answered."""


@router.post("/chat", response_model=Answer)
async def chat(
    request: Request,
    data: Annotated[ChatRequest, Body()],
    caller: Annotated[Principal, Depends(require("ai:write"))],
) -> Response:
    """Go on with a conversation through the configured model (counted against the
    organization's daily tokens; the same request again is answered from the cache)."""
    talk = [Message(turn.role, turn.content) for turn in data.messages]
    if data.stream:
        return await _streamed(request, caller, talk, data)
    return await _answer(request, caller, talk, data.max_tokens, data.temperature, data.cache)


async def _streamed(
    request: Request, caller: Principal, talk: list[Message], data: ChatRequest
) -> Response:
    llm, default_tokens = service.configured()
    if llm is None:
        raise NoModel("no language model is configured (WAVESTACK_LLM_PROVIDERS)")
    pieces = service.stream(
        container_of(request).uow(),
        org_id=caller.org_id,
        llm=llm,
        messages=talk,
        max_tokens=data.max_tokens or default_tokens,
        temperature=data.temperature,
        use_cache=data.cache,
    )
    # The first piece is taken here, so a spent budget or a model that cannot even start
    # is an ordinary error response, not a broken stream.
    try:
        first = await run_in_threadpool(next, pieces, None)
    except LLMError as exc:
        raise NoModel(f"no language model answered: {exc}") from exc

    def events() -> Iterator[str]:
        try:
            for piece in itertools.chain([first] if first is not None else [], pieces):
                if isinstance(piece, str):
                    yield f"data: {json.dumps({'content': piece})}\n\n"
                else:
                    answer, cached = piece
                    whole = _answer_of(answer, cached).model_dump_json(by_alias=True)
                    yield f"event: answer\ndata: {whole}\n\n"
        except LLMError as exc:
            yield f"event: error\ndata: {json.dumps({'message': str(exc)})}\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")


@router.post("/generate", response_model=Answer)
async def generate(
    request: Request,
    data: Annotated[GenerateRequest, Body()],
    caller: Annotated[Principal, Depends(require("ai:write"))],
) -> Response:
    """Complete a prompt through the configured model."""
    talk = [Message("system", data.system)] if data.system else []
    talk.append(Message("user", data.prompt))
    return await _answer(request, caller, talk, data.max_tokens, data.temperature, data.cache)


async def _answer(
    request: Request,
    caller: Principal,
    talk: list[Message],
    max_tokens: int | None,
    temperature: float,
    use_cache: bool,
) -> Response:
    llm, default_tokens = service.configured()
    if llm is None:
        raise NoModel("no language model is configured (WAVESTACK_LLM_PROVIDERS)")
    try:
        answer, cached = await run_in_threadpool(
            service.complete,
            container_of(request).uow(),
            org_id=caller.org_id,
            llm=llm,
            messages=talk,
            max_tokens=max_tokens or default_tokens,
            temperature=temperature,
            use_cache=use_cache,
        )
    except LLMError as exc:
        raise NoModel(f"no language model answered: {exc}") from exc
    return json_response(_answer_of(answer, cached))


def _answer_of(answer: Completion, cached: bool) -> Answer:
    return Answer(
        content=answer.text,
        provider=answer.provider,
        model=answer.model,
        usage=TokenCount(input_tokens=answer.input_tokens, output_tokens=answer.output_tokens),
        cached=cached,
    )


@router.get("/usage", response_model=UsageReport)
async def usage(
    request: Request, caller: Annotated[Principal, Depends(require("ai:read"))]
) -> Response:
    """Language model calls and tokens per day and provider, and today's budget."""
    return json_response(
        await call_db(
            request,
            service.usage,
            container_of(request).uow(write=False),
            org_id=caller.org_id,
            settings=GatewaySettings(),
        )
    )
