"""FastAPI dependencies shared by the routers: the container, the caller, a unit of work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import Headers

from wavestack.kernel.auth import Principal
from wavestack.kernel.errors import Forbidden, RateLimited, Unauthorized
from wavestack.kernel.ratelimit import Quota
from wavestack.kernel.web import add_response_headers

if TYPE_CHECKING:
    from wavestack.bootstrap import Container

P = ParamSpec("P")
T = TypeVar("T")


def container_of(request: Request) -> Container:
    """Return the container the app was built with."""
    container: Container = request.app.state.container
    return container


def authenticate(container: Container, headers: Headers, *, token: str | None = None) -> Principal:
    """Verify the bearer token (or `token`, for websockets from browsers) and `X-Org-Id`."""
    scheme, _, value = headers.get("authorization", "").partition(" ")
    bearer = (value.strip() if scheme.lower() == "bearer" else "") or (token or "").strip()
    if not bearer:
        raise Unauthorized("a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    principal = container.tokens.verify(bearer)
    claimed_org = headers.get("x-org-id")
    if claimed_org is not None and claimed_org != principal.org_id:
        raise Forbidden("X-Org-Id does not match the organization of the token")
    return principal


def admit(container: Container, principal: Principal, scope: str, *, area: str) -> Quota:
    """Count the call against the rate limit of `area` and check the caller holds `scope`."""
    limit = getattr(container.settings.rate_limits, area)
    quota = container.rate_limiter.hit(f"{principal.client_id}:{area}", limit=limit)
    if not quota.allowed:
        raise RateLimited("rate limit exceeded, retry later", headers=quota.headers())
    if not principal.allows(scope):
        # The call still counted: the refusal tells how much of the quota is left.
        raise Forbidden(f"this token lacks the scope {scope!r}", headers=quota.headers())
    return quota


def authenticate_request(request: Request) -> Principal:
    """Verify the bearer token and the `X-Org-Id` header against it."""
    return authenticate(container_of(request), request.headers)


def require(scope: str, *, area: str = "core") -> Callable[..., Awaitable[Principal]]:
    """Depend on a caller holding `scope`, counted against the rate limit of `area`."""

    async def dependency(request: Request) -> Principal:
        principal = authenticate_request(request)
        container = container_of(request)
        quota = admit(container, principal, scope, area=area)
        add_response_headers(request, quota.headers())
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
