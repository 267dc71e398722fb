"""Answers to platform events: thanks for support, welcomes, shoutouts; and watch-time points."""

from __future__ import annotations

from wavestack.kernel.logging import get_logger
from wavestack.providers.chat import PlatformError
from wavestack.services.bots.economy import AccountRef, Accrual
from wavestack.services.bots.engine import Level
from wavestack.services.bots.runtime import ChatBot
from wavestack.services.social_ingest import PlatformEventIn

log = get_logger(__name__)


def thanks(bot: ChatBot, event: PlatformEventIn) -> str | None:
    """The line a supporter's event gets in chat (None: say nothing)."""
    name = event.user_name or "someone"
    amount = int(event.amount or 0)
    kind = event.event_type
    if kind == "subscription":
        if amount > 1:
            return f"Thanks {name} for resubscribing, {amount} months!"
        return f"Thanks {name} for subscribing!"
    if kind == "gift_subscription":
        count = max(amount, 1)
        return f"Thanks {name} for gifting {count} sub{'s' if count > 1 else ''}!"
    if kind == "bits":
        return f"Thanks {name} for the {amount} bits!"
    if kind == "donation":
        return f"Thanks {name} for the {event.amount or 0:.2f} tip!"
    if kind == "raid":
        line = f"Welcome raiders from {name}! ({amount} viewers)"
        if bot.settings.auto_shoutout and event.user_name:
            line += " " + _shoutout(bot, event)
        return line
    if kind == "other" and (event.data or {}).get("kind") == "merch":
        return f"Thanks {name} for getting some merch!"
    if kind == "member_join":
        _give_join_role(bot, event)
        return bot.settings.welcome_message.replace("$(user)", name)
    return None


def _give_join_role(bot: ChatBot, event: PlatformEventIn) -> None:
    chat = bot.ports.chat.get(event.platform)
    if bot.settings.auto_role is None or chat is None or event.user_id is None:
        return
    try:
        chat.assign_role(event.channel_id, event.user_id, bot.settings.auto_role)
    except PlatformError as exc:
        log.warning("auto role failed", platform=event.platform, error=str(exc))


def _shoutout(bot: ChatBot, event: PlatformEventIn) -> str:
    control = bot.ports.stream.get(event.platform)
    if control is None or event.user_name is None:
        return f"Go follow {event.user_name}!"
    try:
        return f"Go follow {event.user_name}! {control.shoutout(event.channel_id, event.user_name)}"
    except PlatformError:
        return f"Go follow {event.user_name}!"


# A chatter counts as watching until they have been quiet for this many intervals.
PRESENCE_INTERVALS = 2


def pay_watch_time(bot: ChatBot) -> None:
    """Every watch interval, pay chatters seen lately in a live channel, by role."""
    settings = bot.settings
    now = bot.monotonic()
    last = bot.state.setdefault("watch_paid_at", now)
    if now - last < settings.watch_interval_seconds:
        return
    bot.state["watch_paid_at"] = now
    for platform, channel_id in bot.live_channels():
        chatters = bot.present.get((platform, channel_id), {})
        for user_id, (seen, name, level) in list(chatters.items()):
            if now - seen > PRESENCE_INTERVALS * settings.watch_interval_seconds:
                del chatters[user_id]
                continue
            multiplier = settings.watch_multiplier_subscriber if level >= Level.subscriber else 1
            if level == Level.broadcaster:
                continue  # the streamer does not earn in their own channel
            bot.earn(
                AccountRef(platform, user_id, name),
                Accrual(
                    points=round(settings.watch_points * multiplier),
                    watch_seconds=round(settings.watch_interval_seconds),
                ),
                reason="watch",
            )


def install(bot: ChatBot) -> None:
    """Hook thanks and watch-time into a bot."""
    bot.on_platform_event(lambda event: thanks(bot, event))
    bot.every_tick(lambda: pay_watch_time(bot))
