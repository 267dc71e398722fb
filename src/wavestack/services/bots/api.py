"""Routes of the economy: balances, the leaderboard, the ledger, and importing points."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from wavestack.deps import call_db, container_of, require
from wavestack.kernel.auth import Principal
from wavestack.kernel.errors import NotFound, PayloadTooLarge, ValidationFailed
from wavestack.kernel.uow import UnitOfWork
from wavestack.kernel.web import json_response
from wavestack.services.bots import economy, hooks
from wavestack.services.bots.imports import import_csv
from wavestack.services.bots.schemas import (
    AccountOut,
    ImportReport,
    Leaderboard,
    LedgerPage,
    LedgerRow,
    ViewerOut,
)
from wavestack.services.social_ingest import Platform

economy_routes = APIRouter(prefix="/api/v1/economy", tags=["economy"])
MAX_IMPORT_BYTES = 20 * 1024 * 1024


def _viewer(uow: UnitOfWork, org_id: str, viewer_id: str) -> ViewerOut:
    standing = economy.standing(uow, org_id=org_id, viewer_id=viewer_id)
    accounts = economy.accounts_of(uow, org_id=org_id, viewer_id=viewer_id)
    viewer = ViewerOut.model_validate(standing)
    viewer.accounts = [AccountOut(platform=p, name=n) for p, n in accounts]
    return viewer


@economy_routes.post("/import", response_model=ImportReport)
async def import_points(
    request: Request,
    caller: Annotated[Principal, Depends(require("economy:write"))],
    platform: Platform | None = None,
) -> Response:
    """Import balances from another bot: a CSV body of `user,platform,points` rows.

    A header row naming the columns (user/username, platform, points/balance) is optional;
    without a platform column pass `?platform=`. Any bad line answers 422 listing the lines
    and imports nothing; sending the same file again credits nobody twice.
    """
    body = await request.body()
    if len(body) > MAX_IMPORT_BYTES:
        raise PayloadTooLarge(f"a points import may be at most {MAX_IMPORT_BYTES} bytes")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed("the CSV must be UTF-8 text") from None
    uow = container_of(request).uow()
    report = await call_db(
        request, import_csv, uow, org_id=caller.org_id, text=text, platform=platform
    )
    return json_response(report)


@economy_routes.get("/leaderboard", response_model=Leaderboard)
async def leaderboard(
    request: Request,
    caller: Annotated[Principal, Depends(require("economy:read"))],
    metric: Literal["points", "level", "clips"] = "points",
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> Response:
    """The top viewers across every platform, by points, level or clips."""
    uow = container_of(request).uow(write=False)
    top = await call_db(
        request, economy.leaderboard, uow, org_id=caller.org_id, metric=metric, limit=limit
    )
    viewers = [ViewerOut.model_validate(standing) for standing in top]
    return json_response(Leaderboard(metric=metric, viewers=viewers))


@economy_routes.get("/viewers", response_model=ViewerOut)
async def find_viewer(
    request: Request,
    caller: Annotated[Principal, Depends(require("economy:read"))],
    platform: Platform,
    name: Annotated[str, Query(min_length=1, max_length=200)],
) -> Response:
    """The viewer behind a chat name on a platform."""
    uow = container_of(request).uow(write=False)

    def find() -> ViewerOut:
        viewer_id = economy.find_account(uow, org_id=caller.org_id, platform=platform, name=name)
        if viewer_id is None:
            raise NotFound("no viewer by that name on that platform")
        return _viewer(uow, caller.org_id, viewer_id)

    return json_response(await call_db(request, find))


@economy_routes.get("/viewers/{viewer_id}", response_model=ViewerOut)
async def get_viewer(
    request: Request,
    viewer_id: str,
    caller: Annotated[Principal, Depends(require("economy:read"))],
) -> Response:
    """A viewer's balance, level and linked accounts."""
    uow = container_of(request).uow(write=False)
    return json_response(await call_db(request, _viewer, uow, caller.org_id, viewer_id))


@economy_routes.get("/viewers/{viewer_id}/ledger", response_model=LedgerPage)
async def ledger(
    request: Request,
    viewer_id: str,
    caller: Annotated[Principal, Depends(require("economy:read"))],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """Every change of a viewer's balance and its reason, newest first."""
    uow = container_of(request).uow(write=False)

    def page() -> LedgerPage:
        economy.standing(uow, org_id=caller.org_id, viewer_id=viewer_id)  # 404 if not ours
        rows, total = economy.ledger_page(
            uow, org_id=caller.org_id, viewer_id=viewer_id, limit=limit, offset=offset
        )
        entries = [LedgerRow(delta=d, reason=r, note=n, created_at=c) for d, r, n, c in rows]
        return LedgerPage(entries=entries, total=total)

    return json_response(await call_db(request, page))


# The bots' routes: the economy, and the platforms' webhooks.
router = APIRouter()
router.include_router(economy_routes)
router.include_router(hooks.router)
