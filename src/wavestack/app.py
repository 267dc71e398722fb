"""The FastAPI application: health, docs, and the routers of the enabled services."""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from wavestack import __version__
from wavestack.bootstrap import Container, bootstrap
from wavestack.deps import container_of
from wavestack.kernel.config import Settings
from wavestack.kernel.logging import configure_logging
from wavestack.kernel.web import RequestContextMiddleware, install_error_handlers
from wavestack.registry import select_services

DESCRIPTION = """Self-hosted creator automation.

Get a token with `POST /api/auth/token` (client credentials), then send it as
`Authorization: Bearer <token>`. Errors come as `{"error": {"code", "message", "details"}}`.
"""


ONLY_ENV = "WAVESTACK_SERVE_ONLY"


def app_from_environment() -> FastAPI:
    """Build a self-contained app from the environment: one API worker process of several."""
    settings = Settings()
    configure_logging(settings)
    container = bootstrap(settings)
    only = {s for s in os.environ.get(ONLY_ENV, "").split(",") if s} or None

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        container.dispatcher.start()
        try:
            yield
        finally:
            container.close()

    return create_app(container, only=only, lifespan=lifespan)


def create_app(
    container: Container,
    *,
    only: set[str] | None = None,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
) -> FastAPI:
    """Build the app around a container, serving all services or just `only`."""

    @contextlib.asynccontextmanager
    async def run(app: FastAPI) -> AsyncIterator[None]:
        # Request handlers are short and hold the GIL for most of their time: a few threads
        # serve more requests than anyio's default 40, which spend their time handing the
        # GIL back and forth.
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = container.settings.api_threads
        async with contextlib.AsyncExitStack() as stack:
            if lifespan is not None:
                await stack.enter_async_context(lifespan(app))
            # What exists now lives as long as the process: keep full collections from
            # scanning it again (a full collection of this heap takes 30-150 ms).
            gc.freeze()
            yield

    app = FastAPI(
        lifespan=run,
        title="WaveStack",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url="/api/redoc",
    )
    app.state.container = container
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware)

    async def health(request: Request) -> JSONResponse:
        """Report liveness and whether the database answers."""
        db_ok = True
        try:
            with container_of(request).db.read_engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            db_ok = False
        body: dict[str, Any] = {
            "status": "ok" if db_ok else "degraded",
            "version": __version__,
            "database": "ok" if db_ok else "unavailable",
        }
        return JSONResponse(body, status_code=200 if db_ok else 503)

    app.add_api_route("/health", health, methods=["GET"], tags=["health"])
    app.add_api_route("/api/health", health, methods=["GET"], tags=["health"])
    for spec in select_services(only):
        if spec.router is not None:
            app.include_router(spec.router)
    return app
