"""What giveaways and polls share: one open per channel, closed once when their time is up."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from sqlalchemy import select, update

from wavestack.kernel.queries import table_of
from wavestack.kernel.uow import UnitOfWork
from wavestack.services.bots.engine import Refusal
from wavestack.services.bots.models import Giveaway, Poll
from wavestack.services.bots.runtime import ChatBot, Context

Timed = TypeVar("Timed", Giveaway, Poll)


def open_in(uow: UnitOfWork, model: type[Timed], ctx: Context) -> Timed | None:
    """The giveaway or poll open in the caller's channel, if any."""
    return uow.session.scalars(
        select(model).where(
            model.org_id == ctx.bot.org_id,
            model.platform == ctx.platform,
            model.channel_id == ctx.channel_id,
            model.status == "open",
        )
    ).first()


def end_now(ctx: Context, model: type[Timed], *, nothing: str) -> None:
    """Make the one open in the caller's channel due now (a moderator ended it early)."""
    with ctx.uow() as uow:
        running = open_in(uow, model, ctx)
        if running is None:
            raise Refusal(nothing)
        running.ends_at = ctx.bot.clock()
        uow.commit()


def due(bot: ChatBot, model: type[Timed], now: datetime) -> list[str]:
    """Ids of the organization's open ones whose time is up."""
    with bot.uow(write=False) as uow:
        return list(
            uow.session.scalars(
                select(model.id).where(
                    model.org_id == bot.org_id, model.status == "open", model.ends_at <= now
                )
            )
        )


def close(uow: UnitOfWork, model: type[Timed], row_id: str) -> Timed | None:
    """Close one in the caller's transaction; None when another process closed it first.

    The conditional UPDATE is the claim: however many bot processes tick, one closes it.
    """
    table = table_of(model)
    claimed = uow.session.execute(
        update(table).where(table.c.id == row_id, table.c.status == "open").values(status="closed")
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return uow.session.get(model, row_id)
