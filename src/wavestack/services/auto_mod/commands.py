"""Auto-mod in a chat bot: the moderation hook, raids answered with protective mode, and
moderators' commands: `!permit USER` lets one link through, `!protect` switches protective
mode on or off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from wavestack.services import bots
from wavestack.services.auto_mod import service
from wavestack.services.auto_mod.hook import AutoModHook

MAX_PROTECT_MINUTES = 1440


def chat_commands(hook: AutoModHook) -> list[bots.Command]:
    """The commands, acting through a bot's auto-mod hook."""

    @bots.command("permit", permission=bots.Level.moderator)
    def permit(ctx: bots.Context, user: Annotated[str, bots.User()]) -> str:
        """Let a chatter post one link, within a minute (the channel's permit time)."""
        seconds = hook.permit(ctx.platform, ctx.channel_id, user)
        return f"@{user} you may post one link in the next {seconds}s"

    @bots.command("protect", aliases=("shield",), permission=bots.Level.moderator)
    def protect(ctx: bots.Context, minutes: Annotated[str, bots.Word(8)] = "") -> str:
        """Protective mode: `!protect` (the channel's default time), `!protect 30`,
        `!protect off`."""
        if minutes.casefold() == "off":
            was = hook.unprotect(ctx.platform, ctx.channel_id)
            return "Protective mode off" if was else "Protective mode was not on"
        if minutes and not (minutes.isdigit() and 1 <= int(minutes) <= MAX_PROTECT_MINUTES):
            raise bots.UsageError(f"give minutes from 1 to {MAX_PROTECT_MINUTES}, or off")
        length = hook.protect(ctx.platform, ctx.channel_id, int(minutes) if minutes else None)
        return (
            f"Protective mode on for {length} min: links from newcomers are removed and spam "
            "rules are stricter"
        )

    return [permit, protect]


def attach(bot: bots.ChatBot, *, monotonic: Callable[[], float] | None = None) -> AutoModHook:
    """Moderate a bot's chat with auto-mod: the hook, `!permit`, `!protect`, raid protection
    (`monotonic`: the clock chat rules read, the bot's unless given)."""
    hook = AutoModHook(
        bot.uow,
        bot.org_id,
        service.process_judges(),
        monotonic=monotonic or bot.monotonic,
        say=bot.say,
    )
    bot.ports.moderation = hook
    for cmd in chat_commands(hook):
        bot.commands.add(cmd)
    bot.on_platform_event(hook.raided)
    return hook
