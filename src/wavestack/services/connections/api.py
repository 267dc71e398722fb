"""Routes of connected accounts: list and remove them, and connect one from a browser (the
authorization-code flow, PKCE where the platform takes it, coming back to this API).

The flow keeps no server-side session: the `state` sent to the platform is the
organization, the platform, the PKCE verifier and an expiry, encrypted with this install's
secret key. Only this install can read it, and the platform sends it back on the redirect."""

from __future__ import annotations

import json
import secrets
import time
from html import escape
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from pydantic import Field

from wavestack.deps import call_db, container_of, require
from wavestack.kernel.auth import Principal
from wavestack.kernel.errors import NotFound, ValidationFailed
from wavestack.kernel.schemas import ApiModel
from wavestack.kernel.web import json_response
from wavestack.providers.apps import APPS
from wavestack.providers.chat.port import PlatformError
from wavestack.providers.oauth import OAuthClient, OAuthError, new_pkce
from wavestack.services.connections import service
from wavestack.services.connections.schemas import ConnectionRead

router = APIRouter(prefix="/api/connections", tags=["connections"])
STATE_SECONDS = 600
PAGE = (
    "<!doctype html><html lang='en'><meta charset='utf-8'><title>WaveStack</title>"
    "<h1>{heading}</h1><p>{text}</p></html>"
)


class Authorization(ApiModel):
    """Where to send the person to grant access."""

    authorization_url: str = Field(description="Open it in the browser of the account's owner.")
    redirect_uri: str = Field(description="The app must list this URL as a redirect.")


def _callback(request: Request, platform: str) -> str:
    base = container_of(request).settings.resolved_public_url
    return f"{base}/api/connections/{platform}/callback"


@router.get("", response_model=list[ConnectionRead])
async def list_connections(
    request: Request, caller: Annotated[Principal, Depends(require("connections:read"))]
) -> list[ConnectionRead]:
    """The organization's connected accounts (never their tokens)."""
    return await call_db(
        request,
        service.list_connections,
        container_of(request).uow(write=False),
        org_id=caller.org_id,
    )


@router.delete("/{connection_id}", status_code=204)
async def remove_connection(
    request: Request,
    connection_id: str,
    caller: Annotated[Principal, Depends(require("connections:write"))],
) -> Response:
    """Forget an account and its tokens."""
    await call_db(
        request,
        service.remove,
        container_of(request).uow(),
        org_id=caller.org_id,
        connection_id=connection_id,
    )
    return Response(status_code=204)


@router.get("/{platform}/authorize", response_model=Authorization)
async def authorize(
    request: Request,
    platform: str,
    caller: Annotated[Principal, Depends(require("connections:write"))],
) -> Response:
    """The platform's consent page for this organization; it redirects back to
    `/api/connections/{platform}/callback`."""
    app = APPS.get(platform)
    if app is None:
        raise NotFound(f"{platform} is not connected through an OAuth app")
    settings = app.settings()
    if not settings.configured:
        raise ValidationFailed(app.missing)
    container = container_of(request)
    verifier, challenge = new_pkce()
    state = container.secrets.encrypt(
        json.dumps(
            {
                "org": caller.org_id,
                "platform": platform,
                "verifier": verifier,
                "until": time.time() + STATE_SECONDS,
                "nonce": secrets.token_urlsafe(8),
            }
        )
    )
    redirect = _callback(request, platform)
    with httpx.Client() as http:
        url = OAuthClient(settings.oauth(), http).authorization_url(
            redirect_uri=redirect, scopes=settings.scopes, state=state, challenge=challenge
        )
    return json_response(Authorization(authorization_url=url, redirect_uri=redirect))


@router.get("/{platform}/callback", response_class=HTMLResponse, include_in_schema=False)
async def callback(request: Request, platform: str) -> Response:
    """Where the platform sends the browser back: the code is exchanged and the account
    stored for the organization the state names."""
    query = request.query_params
    if query.get("error"):
        reason = query.get("error_description") or query["error"]
        return _page(400, "Not connected", f"{platform} said: {reason}")
    try:
        sealed = json.loads(container_of(request).secrets.decrypt(query.get("state", "")))
    except Exception:  # any state this install did not seal
        return _page(400, "Not connected", "This link is not one WaveStack made.")
    if (
        platform not in APPS
        or sealed.get("platform") != platform
        or float(sealed.get("until", 0)) < time.time()
    ):
        return _page(400, "Not connected", "This link expired: start connecting again.")
    app = APPS[platform]
    settings = app.settings()
    container = container_of(request)

    def finish() -> ConnectionRead:
        with httpx.Client(timeout=15.0) as http:
            tokens = OAuthClient(settings.oauth(), http).exchange(
                code=query.get("code", ""),
                redirect_uri=_callback(request, platform),
                verifier=sealed["verifier"],
            )
        account = app.account(settings, tokens)
        return service.save(
            container.uow(),
            container.secrets,
            org_id=sealed["org"],
            platform=platform,
            account_id=account.id,
            account_name=account.name,
            tokens=account.tokens,
        )

    try:
        # The platform's token endpoint and API are called: off the event loop.
        connected = await run_in_threadpool(finish)
    except (OAuthError, PlatformError, KeyError, IndexError) as exc:
        return _page(400, "Not connected", str(exc))
    return _page(200, "Connected", f"{platform} account {connected.account_name} is connected.")


def _page(status: int, heading: str, text: str) -> HTMLResponse:
    return HTMLResponse(PAGE.format(heading=escape(heading), text=escape(text)), status_code=status)
