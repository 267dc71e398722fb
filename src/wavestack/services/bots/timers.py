"""Timers: a message repeated every few minutes, but only while chat is active enough."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from sqlalchemy import Row, delete, select

from wavestack.kernel.errors import Conflict, NotFound
from wavestack.kernel.ids import new_id
from wavestack.kernel.queries import insert_new, table_of
from wavestack.services.bots.engine import Command, Level, Range, Text, Word, command
from wavestack.services.bots.models import Timer
from wavestack.services.bots.runtime import ChatBot, Context

TIMERS = table_of(Timer)
RELOAD_SECONDS = 30.0


@dataclass
class TimerState:
    """When a timer last fired and how many lines its channel had then."""

    fired_at: float
    lines_at: int


@command("addtimer", permission=Level.moderator)
def add_timer(
    ctx: Context,
    name: Annotated[str, Word(32)],
    minutes: Annotated[int, Range(1, 1440)],
    lines: Annotated[int, Range(0, 1000)],
    message: Annotated[str, Text(500)],
) -> str:
    """Repeat a message every N minutes once chat wrote at least M lines since the last time."""
    with ctx.uow() as uow:
        added = insert_new(
            uow.session,
            TIMERS,
            [
                {
                    "id": new_id(),
                    "org_id": ctx.bot.org_id,
                    "platform": ctx.platform,
                    "channel_id": ctx.channel_id,
                    "name": name.lower(),
                    "message": message,
                    "interval_seconds": minutes * 60,
                    "min_lines": lines,
                    "enabled": True,
                    "created_at": ctx.bot.clock(),
                }
            ],
        )
        if not added:
            raise Conflict(f"a timer named {name} exists; delete it first")
        uow.commit()
    reload(ctx.bot)
    return f"timer {name}: every {minutes} min after {lines} lines"


@command("deltimer", permission=Level.moderator)
def delete_timer(ctx: Context, name: Annotated[str, Word(32)]) -> str:
    """Delete a timer."""
    with ctx.uow() as uow:
        gone = uow.session.execute(
            delete(TIMERS).where(
                TIMERS.c.org_id == ctx.bot.org_id,
                TIMERS.c.platform == ctx.platform,
                TIMERS.c.channel_id == ctx.channel_id,
                TIMERS.c.name == name.lower(),
            )
        )
        if gone.rowcount != 1:  # type: ignore[attr-defined]
            raise NotFound(f"no timer named {name}")
        uow.commit()
    reload(ctx.bot)
    return f"timer {name} deleted"


@command("timers", permission=Level.moderator)
def list_timers(ctx: Context) -> str:
    """List this channel's timers."""
    here = [
        t for t in _timers(ctx.bot) if (t.platform, t.channel_id) == (ctx.platform, ctx.channel_id)
    ]
    if not here:
        return "no timers here"
    return "Timers: " + ", ".join(
        f"{t.name} ({t.interval_seconds // 60} min, {t.min_lines} lines)" for t in here
    )


def _timers(bot: ChatBot) -> list[Row[Any]]:
    loaded: tuple[float, list[Row[Any]]] | None = bot.state.get("timers")
    if loaded is None or bot.monotonic() - loaded[0] > RELOAD_SECONDS:
        return reload(bot)
    return loaded[1]


def reload(bot: ChatBot) -> list[Row[Any]]:
    """Read the organization's timers again (after a change, or every half minute)."""
    with bot.uow() as uow:
        timers = list(
            uow.session.execute(
                select(TIMERS).where(TIMERS.c.org_id == bot.org_id, TIMERS.c.enabled.is_(True))
            )
        )
    bot.state["timers"] = (bot.monotonic(), timers)
    return timers


def fire_due(bot: ChatBot) -> None:
    """Post each timer whose interval passed and whose channel was active enough."""
    now = bot.monotonic()
    states: dict[str, TimerState] = bot.state.setdefault("timer_state", {})
    for timer in _timers(bot):
        lines = bot.lines.get((timer.platform, timer.channel_id), 0)
        state = states.setdefault(timer.id, TimerState(fired_at=now, lines_at=lines))
        if now - state.fired_at < timer.interval_seconds:
            continue
        if lines - state.lines_at < timer.min_lines:
            continue
        bot.say(timer.platform, timer.channel_id, timer.message)
        states[timer.id] = TimerState(fired_at=now, lines_at=lines)


def install(bot: ChatBot) -> None:
    """Check timers on every tick."""
    bot.every_tick(lambda: fire_due(bot))


COMMANDS: list[Command] = [add_timer, delete_timer, list_timers]
