"""Reminders kept in the database, so one set before a restart still fires after it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from sqlalchemy import func, select, update

from wavestack.kernel.ids import new_id
from wavestack.kernel.queries import table_of
from wavestack.services.bots.engine import Command, Range, Refusal, Text, command
from wavestack.services.bots.models import Reminder
from wavestack.services.bots.runtime import ChatBot, Context

REMINDERS = table_of(Reminder)
MAX_PENDING_PER_USER = 10


@command("reminder", aliases=("remindme",), user_cooldown=5)
def reminder(
    ctx: Context,
    message: Annotated[str, Text(500)],
    minutes: Annotated[int, Range(1, 1440)],
) -> str:
    """Have the bot remind you of something in a few minutes: `!reminder stretch 30`."""
    now = ctx.bot.clock()
    with ctx.uow() as uow:
        pending = uow.session.scalar(
            select(func.count())
            .select_from(REMINDERS)
            .where(
                REMINDERS.c.org_id == ctx.bot.org_id,
                REMINDERS.c.platform == ctx.platform,
                REMINDERS.c.user_id == ctx.event.author.id,
                REMINDERS.c.sent_at.is_(None),
            )
        )
        if (pending or 0) >= MAX_PENDING_PER_USER:
            raise Refusal(f"you already have {MAX_PENDING_PER_USER} reminders waiting")
        uow.session.execute(
            REMINDERS.insert().values(
                id=new_id(),
                org_id=ctx.bot.org_id,
                platform=ctx.platform,
                channel_id=ctx.channel_id,
                user_id=ctx.event.author.id,
                user_name=ctx.user,
                message=message,
                due_at=now + timedelta(minutes=minutes),
                sent_at=None,
                created_at=now,
            )
        )
        uow.commit()
    return f"@{ctx.user} I'll remind you in {minutes} min"


def fire_due(bot: ChatBot, now: datetime | None = None) -> int:
    """Send every reminder that is due and not yet sent; returns how many went out."""
    now = now or bot.clock()
    with bot.uow() as uow:
        due = uow.session.execute(
            select(REMINDERS).where(
                REMINDERS.c.org_id == bot.org_id,
                REMINDERS.c.sent_at.is_(None),
                REMINDERS.c.due_at <= now,
            )
        ).all()
    sent = 0
    for row in due:
        with bot.uow() as uow:
            # Claimed before sending: a reminder goes out at most once, whoever ticks.
            claimed = uow.session.execute(
                update(REMINDERS)
                .where(REMINDERS.c.id == row.id, REMINDERS.c.sent_at.is_(None))
                .values(sent_at=now)
            )
            uow.commit()
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            bot.say(row.platform, row.channel_id, f"@{row.user_name} reminder: {row.message}")
            sent += 1
    return sent


def install(bot: ChatBot) -> None:
    """Fire due reminders on every tick."""
    bot.every_tick(lambda: fire_due(bot))


COMMANDS: list[Command] = [reminder]
