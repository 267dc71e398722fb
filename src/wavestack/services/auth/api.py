"""Routes of the auth service: JWKS, tokens, validation for proxies, the current organization."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request, Response
from pydantic import ValidationError

from wavestack.deps import authenticate_request, call_db, container_of, require
from wavestack.kernel.auth import Principal
from wavestack.kernel.errors import RateLimited, ValidationFailed
from wavestack.kernel.web import json_response
from wavestack.services.auth import service
from wavestack.services.auth.schemas import (
    OrganizationRead,
    OrganizationUpdate,
    TokenRequest,
    TokenResponse,
)

router = APIRouter()


@router.get("/.well-known/jwks.json", tags=["auth"])
async def jwks(request: Request) -> dict[str, Any]:
    """Return the public keys that verify access tokens."""
    return container_of(request).keys.jwks()


async def _token_request(request: Request) -> TokenRequest:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw: Any
    if content_type == "application/x-www-form-urlencoded":
        form = await request.form()
        raw = {k: v for k, v in form.items() if isinstance(v, str)}
    else:
        try:
            raw = json.loads(await request.body() or b"null")
        except ValueError as exc:
            raise ValidationFailed("body must be JSON or form-encoded") from exc
    if not isinstance(raw, dict):
        raise ValidationFailed("body must be an object with client_id and client_secret")
    if raw.get("grant_type", "client_credentials") != "client_credentials":
        raise ValidationFailed(
            "only grant_type=client_credentials is supported",
            details={"oauth_error": "unsupported_grant_type"},
        )
    try:
        return TokenRequest.model_validate(raw)
    except ValidationError as exc:
        raise ValidationFailed(
            "client_id and client_secret are required",
            details={"oauth_error": "invalid_request"},
        ) from exc


@router.post(
    "/api/auth/token",
    response_model=TokenResponse,
    tags=["auth"],
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": TokenRequest.model_json_schema()},
                "application/x-www-form-urlencoded": {"schema": TokenRequest.model_json_schema()},
            }
        }
    },
)
async def token(request: Request, response: Response) -> TokenResponse:
    """Exchange client credentials (JSON or form-encoded) for an access token."""
    container = container_of(request)
    data = await _token_request(request)
    quota = container.rate_limiter.hit(
        f"token:{data.client_id}", limit=container.settings.rate_limits.token
    )
    if not quota.allowed:
        raise RateLimited("too many token requests", headers=quota.headers())
    response.headers["Cache-Control"] = "no-store"
    return await call_db(request, service.issue_token, container.uow(), container.tokens, data)


@router.get("/api/auth/validate", tags=["auth"], status_code=200)
async def validate(request: Request, response: Response) -> dict[str, Any]:
    """Check a bearer token for a reverse proxy; the caller comes back in X-* headers."""
    principal = authenticate_request(request)
    response.headers["X-User-Id"] = principal.client_id
    response.headers["X-Org-Id"] = principal.org_id
    response.headers["X-Scopes"] = " ".join(sorted(principal.scopes))
    return {"valid": True, "sub": principal.client_id, "org_id": principal.org_id}


@router.get("/api/organizations/current", response_model=OrganizationRead, tags=["organizations"])
async def current_organization(
    request: Request, caller: Annotated[Principal, Depends(require("org:read"))]
) -> Response:
    """Return the caller's organization."""
    return json_response(
        await call_db(
            request, service.get_organization, container_of(request).uow(write=False), caller.org_id
        )
    )


@router.patch("/api/organizations/current", response_model=OrganizationRead, tags=["organizations"])
async def update_current_organization(
    request: Request,
    data: Annotated[OrganizationUpdate, Body()],
    caller: Annotated[Principal, Depends(require("org:write"))],
) -> Response:
    """Rename the caller's organization or change its settings."""
    return json_response(
        await call_db(
            request, service.update_organization, container_of(request).uow(), caller.org_id, data
        )
    )
