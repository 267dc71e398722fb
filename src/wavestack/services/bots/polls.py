"""Polls whose votes are counted: one vote per viewer, stored, closed once after a restart too."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Annotated

from sqlalchemy import delete, select

from wavestack.kernel.errors import Conflict
from wavestack.kernel.ids import new_id
from wavestack.kernel.queries import table_of
from wavestack.kernel.uow import UnitOfWork
from wavestack.services.bots import rounds
from wavestack.services.bots.engine import Command, Level, Range, Refusal, Text, UsageError, command
from wavestack.services.bots.models import Poll, PollVote
from wavestack.services.bots.runtime import ChatBot, Context

VOTES = table_of(PollVote)


@command("poll", permission=Level.moderator)
def poll(
    ctx: Context,
    minutes: Annotated[int, Range(1, 1440)] = 5,
    question: Annotated[str, Text(1000)] = "",
) -> str:
    """Start a poll: `!poll [minutes] Question? | option | option ...` (2 to 10 options)."""
    parts = [p.strip() for p in question.split("|")]
    if len(parts) < 3 or not all(parts):
        raise UsageError("write the question and 2 to 10 options separated by |")
    if len(parts) > 11:
        raise UsageError("a poll has at most 10 options")
    if len(parts[0]) > 300 or any(len(p) > 100 for p in parts[1:]):
        raise UsageError("keep the question under 300 and options under 100 characters")
    with ctx.uow() as uow:
        if rounds.open_in(uow, Poll, ctx) is not None:
            raise Conflict("a poll is already running here; !endpoll first")
        uow.session.add(
            Poll(
                id=new_id(),
                org_id=ctx.bot.org_id,
                platform=ctx.platform,
                channel_id=ctx.channel_id,
                question=parts[0],
                options=parts[1:],
                status="open",
                ends_at=ctx.bot.clock() + timedelta(minutes=minutes),
                created_by=ctx.user,
            )
        )
        uow.commit()
    choices = " ".join(f"[{i}] {option}" for i, option in enumerate(parts[1:], 1))
    return f"POLL ({minutes} min): {parts[0]} {choices} — vote with {ctx.bot.settings.prefix}vote N"


@command("vote", user_cooldown=2)
def vote(ctx: Context, option: Annotated[int, Range(1, 10)]) -> str:
    """Vote in the running poll (voting again changes your vote)."""
    viewer_id = ctx.viewer_id()
    with ctx.uow() as uow:
        running = rounds.open_in(uow, Poll, ctx)
        if running is None:
            raise Refusal("no poll is running")
        if option > len(running.options):
            raise UsageError(f"pick an option from 1 to {len(running.options)}")
        uow.session.execute(
            delete(VOTES).where(VOTES.c.poll_id == running.id, VOTES.c.viewer_id == viewer_id)
        )
        uow.session.execute(
            VOTES.insert().values(poll_id=running.id, viewer_id=viewer_id, option=option - 1)
        )
        uow.commit()
        chosen = running.options[option - 1]
    return f"@{ctx.user} voted for {chosen}"


@command("endpoll", permission=Level.moderator)
def end_poll(ctx: Context) -> str | None:
    """Close the running poll now and show the result."""
    rounds.end_now(ctx, Poll, nothing="no poll is running")
    close_due(ctx.bot)
    return None


def tally(uow: UnitOfWork, poll_id: str, options: list[str]) -> list[tuple[str, int]]:
    """Votes per option, in the options' order."""
    counts = Counter(uow.session.scalars(select(VOTES.c.option).where(VOTES.c.poll_id == poll_id)))
    return [(option, counts.get(index, 0)) for index, option in enumerate(options)]


def close_due(bot: ChatBot, now: datetime | None = None) -> None:
    """Close every poll whose time is up (once, whichever process gets there) and announce it."""
    for poll_id in rounds.due(bot, Poll, now or bot.clock()):
        with bot.uow() as uow:
            row = rounds.close(uow, Poll, poll_id)
            if row is None:
                continue
            results = tally(uow, poll_id, list(row.options))
            platform, channel_id, question = row.platform, row.channel_id, row.question
            uow.commit()
        total = sum(count for _, count in results)
        if total == 0:
            bot.say(platform, channel_id, f"Poll closed: {question} — no votes")
            continue
        top = max(count for _, count in results)
        leaders = [option for option, count in results if count == top]
        shown = ", ".join(f"{option}: {count}" for option, count in results)
        outcome = f"a tie between {' and '.join(leaders)}" if len(leaders) > 1 else leaders[0]
        bot.say(platform, channel_id, f"Poll closed: {question} → {outcome} ({shown})")


def install(bot: ChatBot) -> None:
    """Close due polls on every tick."""
    bot.every_tick(lambda: close_due(bot))


COMMANDS: list[Command] = [poll, vote, end_poll]
