"""Giveaways that survive a restart: entries and the draw live in the database.

The draw is claimed with a conditional UPDATE (open -> closed) in the transaction that
stores the winners, so however many bot processes tick, each giveaway is drawn once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from sqlalchemy import select

from wavestack.kernel.clock import utcnow
from wavestack.kernel.errors import Conflict
from wavestack.kernel.ids import new_id
from wavestack.kernel.queries import insert_new, table_of
from wavestack.kernel.uow import UnitOfWork
from wavestack.services.bots import economy, rounds
from wavestack.services.bots.engine import (
    Choice,
    Command,
    Level,
    Range,
    Refusal,
    Text,
    command,
)
from wavestack.services.bots.models import Giveaway, GiveawayEntry
from wavestack.services.bots.runtime import ChatBot, Context

ENTRIES = table_of(GiveawayEntry)
LEVELS = tuple(level.name for level in Level)


@command("giveaway", permission=Level.moderator)
def giveaway(
    ctx: Context,
    prize: Annotated[str, Text(200, tail=True)],
    minutes: Annotated[int, Range(1, 1440)],
    winners: Annotated[int, Range(1, 10)] = 1,
    min_points: Annotated[int, Range(0, 10**9)] = 0,
    role: Annotated[str, Choice(*LEVELS)] = "everyone",
    luck: Annotated[int, Range(1, 10)] = 2,
) -> str:
    """Start a giveaway (entry rules: min_points=, role=, luck= for subscribers)."""
    ends_at = ctx.bot.clock() + timedelta(minutes=minutes)
    with ctx.uow() as uow:
        if rounds.open_in(uow, Giveaway, ctx) is not None:
            raise Conflict("a giveaway is already running here; !endgiveaway first")
        uow.session.add(
            Giveaway(
                id=new_id(),
                org_id=ctx.bot.org_id,
                platform=ctx.platform,
                channel_id=ctx.channel_id,
                prize=prize,
                winners=winners,
                min_points=min_points,
                required_role=role,
                subscriber_luck=luck,
                status="open",
                drawn=[],
                ends_at=ends_at,
                created_by=ctx.user,
            )
        )
        uow.commit()
    rules = []
    if min_points:
        rules.append(f"at least {min_points} points")
    if role != "everyone":
        rules.append(f"{role}s only")
    rule_text = f" ({', '.join(rules)})" if rules else ""
    return (
        f"GIVEAWAY: {prize}! Type {ctx.bot.settings.prefix}join in the next {minutes} min"
        f"{rule_text}. {winners} winner{'s' if winners > 1 else ''}."
    )


@command("join", aliases=("enter",), user_cooldown=2)
def join(ctx: Context) -> str:
    """Enter the running giveaway."""
    viewer_id = ctx.viewer_id()
    with ctx.uow() as uow:
        running = rounds.open_in(uow, Giveaway, ctx)
        if running is None:
            raise Refusal("no giveaway is running")
        if ctx.level < Level[running.required_role]:
            raise Refusal(f"this giveaway is for {running.required_role}s")
        if running.min_points:
            points = economy.standing(uow, org_id=ctx.bot.org_id, viewer_id=viewer_id).points
            if points < running.min_points:
                raise Refusal(f"you need {running.min_points} points to enter ({points})")
        weight = running.subscriber_luck if ctx.level >= Level.subscriber else 1
        added = insert_new(
            uow.session,
            ENTRIES,
            [
                {
                    "giveaway_id": running.id,
                    "viewer_id": viewer_id,
                    "name": ctx.user,
                    "weight": weight,
                    "created_at": utcnow(),
                }
            ],
        )
        uow.commit()
    if not added:
        return f"@{ctx.user} you're already in"
    return f"@{ctx.user} you're in! Good luck"


@command("endgiveaway", permission=Level.moderator)
def end_giveaway(ctx: Context) -> str | None:
    """Draw the running giveaway now."""
    rounds.end_now(ctx, Giveaway, nothing="no giveaway is running")
    draw_due(ctx.bot)
    return None


@command("reroll", permission=Level.moderator)
def reroll(ctx: Context) -> str:
    """Draw one more winner for the last giveaway (someone did not answer)."""
    with ctx.uow() as uow:
        last = uow.session.scalars(
            select(Giveaway)
            .where(
                Giveaway.org_id == ctx.bot.org_id,
                Giveaway.platform == ctx.platform,
                Giveaway.channel_id == ctx.channel_id,
                Giveaway.status == "closed",
            )
            .order_by(Giveaway.ends_at.desc())
        ).first()
        if last is None:
            raise Refusal("no finished giveaway to reroll")
        picked = _draw(ctx.bot, uow, last, 1, exclude=set(last.drawn))
        if not picked:
            raise Refusal("nobody is left to draw")
        last.drawn = [*last.drawn, *picked]
        prize = last.prize
        uow.commit()
    return f"Reroll for {prize}: congratulations {picked[0]}!"


def _draw(
    bot: ChatBot, uow: UnitOfWork, giveaway: Giveaway, count: int, *, exclude: set[str]
) -> list[str]:
    """Pick winners by weight, without picking anyone twice."""
    pool = [
        (row.name, row.weight)
        for row in uow.session.execute(
            select(ENTRIES.c.name, ENTRIES.c.weight)
            .where(ENTRIES.c.giveaway_id == giveaway.id)
            .order_by(ENTRIES.c.created_at, ENTRIES.c.viewer_id)
        )
        if row.name not in exclude
    ]
    winners: list[str] = []
    while pool and len(winners) < count:
        total = sum(weight for _, weight in pool)
        mark = bot.rng.uniform(0, total)
        for index, (name, weight) in enumerate(pool):
            mark -= weight
            if mark <= 0 or index == len(pool) - 1:
                winners.append(name)
                del pool[index]
                break
    return winners


def draw_due(bot: ChatBot, now: datetime | None = None) -> None:
    """Draw every giveaway of the bot's organization whose time is up, and announce winners."""
    for giveaway_id in rounds.due(bot, Giveaway, now or bot.clock()):
        with bot.uow() as uow:
            row = rounds.close(uow, Giveaway, giveaway_id)
            if row is None:
                continue  # another process drew it
            winners = _draw(bot, uow, row, row.winners, exclude=set())
            row.drawn = winners
            platform, channel_id, prize = row.platform, row.channel_id, row.prize
            uow.commit()
        if winners:
            text = f"The giveaway for {prize} is over! Winner{'s' if len(winners) > 1 else ''}: "
            bot.say(platform, channel_id, text + ", ".join(winners))
        else:
            bot.say(platform, channel_id, f"The giveaway for {prize} ended with no entries")


def install(bot: ChatBot) -> None:
    """Draw due giveaways on every tick (including ones that ended while the bot was down)."""
    bot.every_tick(lambda: draw_due(bot))


COMMANDS: list[Command] = [giveaway, join, end_giveaway, reroll]
