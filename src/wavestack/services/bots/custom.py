"""Custom commands a channel's moderators make, their variables, and per-channel switches."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated

from sqlalchemy import ColumnElement, delete, select, update

from wavestack.kernel.clock import utcnow
from wavestack.kernel.errors import Conflict, NotFound
from wavestack.kernel.ids import new_id
from wavestack.kernel.queries import insert_new, table_of
from wavestack.services.bots import economy, toggles
from wavestack.services.bots.engine import (
    Choice,
    Command,
    Level,
    Range,
    Refusal,
    Text,
    UsageError,
    Word,
    command,
)
from wavestack.services.bots.models import CustomCommand
from wavestack.services.bots.runtime import Context

CUSTOM = table_of(CustomCommand)
TOGGLES = toggles.TOGGLES
NAME = re.compile(r"^[a-z0-9_]{1,32}$")
VARIABLE = re.compile(r"\$\((\w+)(?:\s+([^)]*))?\)")
LEVELS = tuple(level.name for level in Level)
RANDOM_RANGE = re.compile(r"^\s*(-?\d+)\s*-\s*(-?\d+)\s*$")


def _toggle(ctx: Context, name: str, enabled: bool) -> str:
    name = name.lower().lstrip(ctx.bot.settings.prefix)
    found = ctx.bot.commands.get(name)
    if found is None:
        raise Refusal(f"there is no built-in command {name}")
    if found.name in {"enable", "disable"}:
        raise Refusal("that one cannot be switched off")
    with ctx.uow() as uow:
        where = (
            TOGGLES.c.org_id == ctx.bot.org_id,
            TOGGLES.c.platform == ctx.platform,
            TOGGLES.c.channel_id == ctx.channel_id,
            TOGGLES.c.name == found.name,
        )
        uow.session.execute(delete(TOGGLES).where(*where))
        uow.session.execute(
            TOGGLES.insert().values(
                org_id=ctx.bot.org_id,
                platform=ctx.platform,
                channel_id=ctx.channel_id,
                name=found.name,
                enabled=enabled,
            )
        )
        uow.commit()
    switched = ctx.bot.disabled(ctx.platform, ctx.channel_id)
    if enabled:
        switched.discard(found.name)
    else:
        switched.add(found.name)
    return f"{ctx.bot.settings.prefix}{found.name} is now {'on' if enabled else 'off'} here"


@command("enable", permission=Level.moderator)
def enable(ctx: Context, name: Annotated[str, Word(32)]) -> str:
    """Switch a command back on in this channel."""
    return _toggle(ctx, name, True)


@command("disable", permission=Level.moderator)
def disable(ctx: Context, name: Annotated[str, Word(32)]) -> str:
    """Switch a command off in this channel."""
    return _toggle(ctx, name, False)


def _checked_name(ctx: Context, name: str) -> str:
    name = name.lower().removeprefix(ctx.bot.settings.prefix)
    if not NAME.match(name):
        raise UsageError("a command name is 1-32 letters, digits or _")
    if ctx.bot.commands.get(name) is not None:
        raise Refusal(f"{name} is a built-in command")
    return name


@command("addcom", permission=Level.moderator)
def addcom(
    ctx: Context,
    name: Annotated[str, Word(33)],
    response: Annotated[str, Text(500)],
    permission: Annotated[str, Choice(*LEVELS)] = "everyone",
    cooldown: Annotated[int, Range(0, 3600)] = 5,
) -> str:
    """Add a command: its response may use $(user) $(touser) $(count) $(random 1-100) ..."""
    name = _checked_name(ctx, name)
    level = Level.parse(permission)
    now = utcnow()
    with ctx.uow() as uow:
        added = insert_new(
            uow.session,
            CUSTOM,
            [
                {
                    "id": new_id(),
                    "org_id": ctx.bot.org_id,
                    "platform": ctx.platform,
                    "channel_id": ctx.channel_id,
                    "name": name,
                    "response": response,
                    "permission": level.name,
                    "cooldown_seconds": cooldown,
                    "uses": 0,
                    "created_by": ctx.user,
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        if not added:
            raise Conflict(f"{ctx.bot.settings.prefix}{name} exists; use editcom")
        uow.commit()
    return f"added {ctx.bot.settings.prefix}{name}"


def _where(ctx: Context, name: str) -> list[ColumnElement[bool]]:
    return [
        CUSTOM.c.org_id == ctx.bot.org_id,
        CUSTOM.c.platform == ctx.platform,
        CUSTOM.c.channel_id == ctx.channel_id,
        CUSTOM.c.name == name,
    ]


@command("editcom", permission=Level.moderator)
def editcom(
    ctx: Context,
    name: Annotated[str, Word(33)],
    response: Annotated[str, Text(500)],
    permission: Annotated[str, Choice(*LEVELS)] = "",
    cooldown: Annotated[int, Range(0, 3600)] = -1,
) -> str:
    """Change a custom command's response (and optionally permission= or cooldown=)."""
    name = _checked_name(ctx, name)
    values: dict[str, object] = {"response": response, "updated_at": utcnow()}
    if permission:
        values["permission"] = Level.parse(permission).name
    if cooldown >= 0:
        values["cooldown_seconds"] = cooldown
    with ctx.uow() as uow:
        changed = uow.session.execute(update(CUSTOM).where(*_where(ctx, name)).values(**values))
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            raise NotFound(f"no command {ctx.bot.settings.prefix}{name} here")
        uow.commit()
    return f"updated {ctx.bot.settings.prefix}{name}"


@command("delcom", permission=Level.moderator)
def delcom(ctx: Context, name: Annotated[str, Word(33)]) -> str:
    """Delete a custom command."""
    name = _checked_name(ctx, name)
    with ctx.uow() as uow:
        gone = uow.session.execute(delete(CUSTOM).where(*_where(ctx, name)))
        if gone.rowcount != 1:  # type: ignore[attr-defined]
            raise NotFound(f"no command {ctx.bot.settings.prefix}{name} here")
        uow.commit()
    return f"deleted {ctx.bot.settings.prefix}{name}"


def run_custom(ctx: Context, name: str) -> str | None:
    """Answer a custom command of the channel, if one has this name."""
    where = _where(ctx, name)
    with ctx.uow() as uow:
        found = uow.session.execute(
            select(CUSTOM.c.response, CUSTOM.c.permission, CUSTOM.c.cooldown_seconds).where(*where)
        ).first()
        if found is None:
            return None
        if ctx.level < Level.parse(found.permission):
            return f"@{ctx.user} {ctx.bot.settings.prefix}{name} is for {found.permission}s only"
        gate = ctx.bot.state.setdefault("custom_cooldowns", {})
        key = (ctx.platform, ctx.channel_id, name)
        now = ctx.bot.monotonic()
        if ctx.level < Level.moderator and now < gate.get(key, 0.0):
            return None  # silent, as Nightbot: a spammed custom command stays quiet
        gate[key] = now + found.cooldown_seconds
        count = 0
        if "$(count)" in found.response:
            count = int(
                uow.session.execute(
                    update(CUSTOM)
                    .where(*where)
                    .values(uses=CUSTOM.c.uses + 1)
                    .returning(CUSTOM.c.uses)
                ).scalar_one()
            )
        else:
            uow.session.execute(update(CUSTOM).where(*where).values(uses=CUSTOM.c.uses + 1))
        uow.commit()
    return expand(found.response, ctx, count=count)


def expand(template: str, ctx: Context, *, count: int = 0) -> str:
    """Fill the variables of a response; an unknown variable is left as written."""
    args = ctx.invocation.tokens

    def value(match: re.Match[str]) -> str:
        name, arg = match.group(1).lower(), (match.group(2) or "").strip()
        resolver = _VARIABLES.get(name)
        if resolver is None:
            return match.group(0)
        return resolver(ctx, arg, args, count)

    return VARIABLE.sub(value, template)


def _random(ctx: Context, arg: str, args: list[str], count: int) -> str:
    bounds = RANDOM_RANGE.match(arg or "1-100")
    if bounds is None:
        return f"$(random {arg})"
    low, high = sorted((int(bounds.group(1)), int(bounds.group(2))))
    return str(ctx.bot.rng.randint(low, high))


def _points(ctx: Context, arg: str, args: list[str], count: int) -> str:
    standing = economy.standing(ctx.read(), org_id=ctx.bot.org_id, viewer_id=ctx.viewer_id())
    return str(standing.points + ctx.bot.pending_points(ctx.account))


def uptime_of(ctx: Context) -> str:
    """How long the channel has been live, or 'offline'."""
    started = ctx.bot.stream_started(ctx.platform, ctx.channel_id)
    if started is None:
        return "offline"
    return _duration(ctx.bot.clock() - started)


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}h {minutes}m" if hours else f"{minutes}m {seconds}s"


_VARIABLES: dict[str, Callable[[Context, str, list[str], int], str]] = {
    "user": lambda ctx, arg, args, count: ctx.user,
    "touser": lambda ctx, arg, args, count: args[0].lstrip("@") if args else ctx.user,
    "count": lambda ctx, arg, args, count: str(count),
    "random": _random,
    "points": _points,
    "query": lambda ctx, arg, args, count: " ".join(args),
    "uptime": lambda ctx, arg, args, count: uptime_of(ctx),
    "channel": lambda ctx, arg, args, count: ctx.event.channel.name or ctx.channel_id,
}

COMMANDS: list[Command] = [enable, disable, addcom, editcom, delcom]
