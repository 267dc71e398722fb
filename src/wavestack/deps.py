"""FastAPI dependencies shared by the routers: the container, the caller, a unit of work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from wavestack.kernel.auth import Principal
from wavestack.kernel.errors import Forbidden, RateLimited, Unauthorized
from wavestack.kernel.web import add_response_headers

if TYPE_CHECKING:
    from wavestack.bootstrap import Container

P = ParamSpec("P")
T = TypeVar("T")


def container_of(request: Request) -> Container:
    """Return the container the app was built with."""
    container: Container = request.app.state.container
    return container


def authenticate_request(request: Request) -> Principal:
    """Verify the bearer token and the `X-Org-Id` header against it."""
    container = container_of(request)
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    principal = container.tokens.verify(token.strip())
    claimed_org = request.headers.get("x-org-id")
    if claimed_org is not None and claimed_org != principal.org_id:
        raise Forbidden("X-Org-Id does not match the organization of the token")
    return principal


def require(scope: str, *, area: str = "core") -> Callable[..., Awaitable[Principal]]:
    """Depend on a caller holding `scope`, counted against the rate limit of `area`."""

    async def dependency(request: Request) -> Principal:
        principal = authenticate_request(request)
        container = container_of(request)
        limit = getattr(container.settings.rate_limits, area)
        quota = container.rate_limiter.hit(f"{principal.client_id}:{area}", limit=limit)
        if not quota.allowed:
            raise RateLimited("rate limit exceeded, retry later", headers=quota.headers())
        add_response_headers(request, quota.headers())
        if not principal.allows(scope):
            raise Forbidden(f"this token lacks the scope {scope!r}")
        return principal

    return dependency


async def call_db(
    request: Request, work: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
) -> T:
    """Run a use case that talks to the database.

    On SQLite it runs right here on the event loop: its statements take microseconds, less
    than handing the request to a worker thread and back (and the GIL with it). On PostgreSQL
    each statement waits on the network, so it runs in a worker thread.
    """
    if container_of(request).db.is_postgres:
        return await run_in_threadpool(work, *args, **kwargs)
    return work(*args, **kwargs)
