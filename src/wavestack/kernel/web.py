"""HTTP plumbing every router shares: the error envelope and the request-id middleware."""

from __future__ import annotations

import time
from typing import Annotated, Any

import structlog
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wavestack.kernel.errors import AppError
from wavestack.kernel.ids import new_id
from wavestack.kernel.logging import get_logger
from wavestack.kernel.queries import MAX_PAGE

log = get_logger("wavestack.http")
JSON = "application/json"

_HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_ERROR",
    429: "RATE_LIMITED",
}


RESPONSE_HEADERS_STATE = "response_headers"

# The `limit` / `offset` query parameters of every list endpoint.
PageLimit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Items per page (max 100).")]
PageOffset = Annotated[int, Query(ge=0, description="Items to skip.")]


def json_response(model: BaseModel, *, status_code: int = 200) -> Response:
    """Serialize a response model (camelCase) into a ready response.

    FastAPI would validate the returned model again, in a second trip through the thread
    pool for sync endpoints; the models our services return are already the response models.
    """
    return Response(model.model_dump_json(by_alias=True), status_code=status_code, media_type=JSON)


def add_response_headers(request: Request, headers: dict[str, str]) -> None:
    """Attach headers to whatever response this request gets, errors included."""
    current = getattr(request.state, RESPONSE_HEADERS_STATE, {})
    setattr(request.state, RESPONSE_HEADERS_STATE, {**current, **headers})


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """Build the error envelope."""
    return {"error": {"code": code, "message": message, "details": details}}


def validation_details(exc: ValidationError | RequestValidationError) -> list[dict[str, Any]]:
    """Turn pydantic errors into `[{field, message, type}]` with camelCase field paths."""
    cleaned = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        cleaned.append({"field": ".".join(loc), "message": err.get("msg"), "type": err.get("type")})
    return cleaned


def install_error_handlers(app: FastAPI) -> None:
    """Render every error as the envelope; never leak a stack trace."""

    async def on_app_error(_request: Request, exc: Exception) -> JSONResponse:
        if not isinstance(exc, AppError):
            raise exc
        return JSONResponse(
            error_body(exc.code, exc.message, exc.details),
            status_code=exc.status_code,
            headers=exc.headers,
        )

    async def on_validation(_request: Request, exc: Exception) -> JSONResponse:
        if not isinstance(exc, RequestValidationError):
            raise exc
        details = validation_details(exc)
        first = details[0] if details else {"field": "", "message": "invalid request"}
        message = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
        return JSONResponse(error_body("VALIDATION_ERROR", message, details), status_code=422)

    async def on_http(_request: Request, exc: Exception) -> JSONResponse:
        if not isinstance(exc, StarletteHTTPException):
            raise exc
        code = _HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
        return JSONResponse(
            error_body(code, str(exc.detail)),
            status_code=exc.status_code,
            headers=dict(exc.headers or {}),
        )

    async def on_unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", exc_info=exc)
        return JSONResponse(error_body("INTERNAL_ERROR", "internal server error"), status_code=500)

    app.add_exception_handler(AppError, on_app_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)


class RequestContextMiddleware:
    """Give each request an id (kept from `X-Request-Id` when sent), log it, echo it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = ""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                request_id = value.decode("latin-1")[:64]
                break
        request_id = request_id or new_id()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        # Shared with the app even if it copies the scope: handlers leave headers here.
        state = scope.setdefault("state", {})
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                extra = state.get(RESPONSE_HEADERS_STATE) or {}
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode("latin-1")),
                    *((k.lower().encode(), v.encode("latin-1")) for k, v in extra.items()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.debug(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                ms=round((time.perf_counter() - started) * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("request_id")
