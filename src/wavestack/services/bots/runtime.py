"""The chat pipeline: message -> store (batched) -> moderation -> commands -> economy -> replies.

The hot path stays in memory: messages and earnings are buffered and written in one
transaction per flush; only commands that read or move points touch the database at once.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from wavestack.kernel.clock import utcnow
from wavestack.kernel.errors import AppError
from wavestack.kernel.logging import get_logger
from wavestack.kernel.uow import UnitOfWork
from wavestack.providers.chat import ChatPort, PlatformError, StreamControl
from wavestack.providers.obs import Obs, ObsError
from wavestack.services import social_ingest
from wavestack.services.bots import economy
from wavestack.services.bots.economy import AccountRef, Accrual
from wavestack.services.bots.engine import (
    Command,
    CommandSet,
    Cooldowns,
    Invocation,
    Level,
    Refusal,
    UsageError,
    parse,
    split_named,
)
from wavestack.services.bots.settings import BotSettings
from wavestack.services.bots.toggles import disabled_commands
from wavestack.services.social_ingest import Ingested, MessageEvent, PlatformEventIn

log = get_logger(__name__)

ROLE_LEVELS = {
    "broadcaster": Level.broadcaster,
    "owner": Level.broadcaster,
    "moderator": Level.moderator,
    "mod": Level.moderator,
    "admin": Level.moderator,
    "vip": Level.vip,
    "subscriber": Level.subscriber,
    "sub": Level.subscriber,
    "member": Level.subscriber,
}


def level_of(role: str | None, is_mod: bool) -> Level:
    """The permission level a platform role maps to."""
    level = ROLE_LEVELS.get((role or "").lower(), Level.everyone)
    return max(level, Level.moderator) if is_mod else level


@dataclass(frozen=True)
class Verdict:
    """What moderation decided about a message."""

    allow: bool = True
    delete: bool = False
    timeout_seconds: int = 0
    ban: bool = False
    warning: str = ""  # said in the channel
    reason: str = ""


class ModerationHook(Protocol):
    """Judges each message before commands see it (auto-mod plugs in here)."""

    def check(self, event: MessageEvent, level: Level) -> Verdict:
        """Return the verdict on a message."""


class AllowAll:
    """No moderation: every message passes."""

    def check(self, event: MessageEvent, level: Level) -> Verdict:
        """Allow."""
        return Verdict()


ClipStarter = Callable[[str, float, float, str | None], str]
# The creator's AI voice: (user id, message, platform, channel) -> what to answer, if anything
AIAnswer = Callable[[str, str, str, str], str | None]


@dataclass
class Ports:
    """The platforms the bot talks through, by platform name."""

    chat: dict[str, ChatPort]
    stream: dict[str, StreamControl] = field(default_factory=dict)
    obs: Obs | None = None
    moderation: ModerationHook = field(default_factory=AllowAll)
    clip: ClipStarter | None = None
    answer: AIAnswer | None = None


@dataclass
class Context:
    """One command call: who, where, and the bot to act through."""

    bot: ChatBot
    event: MessageEvent
    level: Level
    invocation: Invocation

    @property
    def platform(self) -> str:
        """The platform the message came from."""
        return self.event.platform

    @property
    def channel_id(self) -> str:
        """The channel the message came from."""
        return self.event.channel.id

    @property
    def user(self) -> str:
        """The caller's display name."""
        return self.event.author.name

    @property
    def account(self) -> AccountRef:
        """The caller's platform account."""
        return AccountRef(self.platform, self.event.author.id, self.event.author.name)

    def viewer_id(self) -> str:
        """The caller's viewer id (one per person across linked platforms)."""
        return self.bot.viewer_id(self.account)

    def uow(self) -> UnitOfWork:
        """A unit of work of the bot's database."""
        return self.bot.uow()

    def read(self) -> UnitOfWork:
        """A read-only unit of work (on SQLite it leaves the one writer alone)."""
        return self.bot.uow(write=False)

    def pay(self, amount: int, reason: str) -> None:
        """Pay the caller a prize; it is written with the next batch (credits cannot fail)."""
        self.bot.earn(self.account, Accrual(points=amount), reason)

    def require(self, level: Level) -> None:
        """Stop with a message unless the caller has at least this level."""
        if self.level < level:
            raise Refusal(f"only a {level.name} can do that")

    def stream(self) -> StreamControl:
        """This platform's stream controls, or a clear error when it has none."""
        control = self.bot.ports.stream.get(self.platform)
        if control is None:
            raise Refusal(f"{self.platform} stream controls are not connected")
        return control

    def obs(self) -> Obs:
        """OBS, or a clear error when it is not connected."""
        if self.bot.ports.obs is None:
            raise Refusal("OBS is not connected")
        return self.bot.ports.obs


def _asks_again(reply: str | None, cmd: Command) -> bool:
    """Whether the reply only offers buttons that run the same command (`/rps` asking
    rock, paper or scissors): the press is the real call, so the cooldown waits for it."""
    buttons = getattr(reply, "buttons", ())
    return bool(buttons) and all(b.command.split()[0] in cmd.names for b in buttons)


class UowFactory(Protocol):
    """Opens units of work, for writing or only reading."""

    def __call__(self, *, write: bool = True) -> UnitOfWork:
        """A new unit of work."""


Listener = Callable[[Context], str | None]
Ticker = Callable[[], object]


class ChatBot:
    """The pipeline of one organization's chat; adapters call `handle`, a loop calls `tick`."""

    def __init__(
        self,
        *,
        org_id: str,
        uow: UowFactory,
        ports: Ports,
        commands: list[Command],
        settings: BotSettings | None = None,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        on_stored: Callable[[Ingested], None] | None = None,
    ) -> None:
        self.org_id = org_id
        self.uow = uow
        self.ports = ports
        self.settings = settings or BotSettings()
        self.commands = CommandSet(commands)
        self.clock = clock
        self.monotonic = monotonic
        self.rng = rng or random.SystemRandom()
        self.state: dict[str, Any] = {}  # per-feature memory (games, timers), keyed by feature
        self._on_stored = on_stored
        self._cooldowns = Cooldowns()
        self._lock = threading.RLock()
        self._buffer: list[MessageEvent] = []
        # What accounts earned since the last flush: (platform, user id) -> account, by reason.
        self._accrued: dict[tuple[str, str], tuple[AccountRef, dict[str, Accrual]]] = {}
        self._last_award: dict[tuple[str, str], float] = {}
        self._viewers: dict[tuple[str, str], str] = {}
        self._names: dict[tuple[str, str], str] = {}  # (platform, name) -> user id
        self._listeners: list[Listener] = []
        self._tickers: list[Ticker] = []
        self._disabled: dict[tuple[str, str], set[str]] = {}
        self._last_flush = monotonic()
        self.lines: dict[tuple[str, str], int] = {}  # messages per channel, for timers
        # Who chatted lately per channel: (when, name, level) by user id, for watch time.
        self.present: dict[tuple[str, str], dict[str, tuple[float, str, Level]]] = {}
        self.custom: Callable[[Context, str], str | None] | None = None
        self._live: dict[tuple[str, str], datetime] = {}
        self._alerts: list[Callable[[PlatformEventIn], str | None]] = []

    # -- wiring -------------------------------------------------------------------------

    def listen(self, listener: Listener) -> None:
        """Be shown every allowed message (games waiting for an answer)."""
        self._listeners.append(listener)

    def on_platform_event(self, alert: Callable[[PlatformEventIn], str | None]) -> None:
        """React to platform events (thanks for subs, shoutouts, welcomes)."""
        self._alerts.append(alert)

    def every_tick(self, ticker: Ticker) -> None:
        """Run on every tick (due giveaways, polls, reminders, timers)."""
        self._tickers.append(ticker)

    # -- the pipeline -------------------------------------------------------------------

    def handle(self, event: MessageEvent) -> None:
        """Take one chat message through the whole pipeline."""
        with self._lock:
            self._buffer.append(event)
            now = self.monotonic()
            platform, author = event.platform, event.author
            key = (platform, event.channel.id)
            self.lines[key] = self.lines.get(key, 0) + 1
            level = level_of(author.role, author.is_mod)
            self._names[(platform, author.name.casefold())] = author.id
            present = self.present.get(key)
            if present is None:
                present = self.present[key] = {}
            present[author.id] = (now, author.name, level)
            verdict = self._judged(event, level)
            if not verdict.allow:
                self._enforce(event, verdict)
            else:
                self._accrue(event, now)
                self._respond(event, level)
            if len(self._buffer) >= self.settings.flush_max_messages:
                self._flush_or_keep()

    def _judged(self, event: MessageEvent, level: Level) -> Verdict:
        # Moderation that fails (a database hiccup, a bug) must not stop the chat: the
        # message passes, as it would with no moderation, and the failure is logged.
        try:
            return self.ports.moderation.check(event, level)
        except Exception:
            log.exception("moderation failed; the message passes", message_id=event.id)
            return Verdict()

    def _flush_or_keep(self) -> None:
        # A database hiccup must not stop the chat: what was not written waits for the next
        # flush (flush keeps it), and the next tick tries again.
        try:
            self.flush()
        except Exception:
            log.exception("writing chat failed; kept for the next try", buffered=len(self._buffer))

    def _enforce(self, event: MessageEvent, verdict: Verdict) -> None:
        chat = self.ports.chat.get(event.platform)
        if chat is None:
            return
        # A platform may lack an action (WhatsApp deletes nothing): the rest still happen.
        actions: list[tuple[str, Callable[[], None]]] = []
        if verdict.delete:
            actions.append(
                (
                    "delete",
                    lambda: chat.delete_message(event.channel.id, event.id, reason=verdict.reason),
                )
            )
        if verdict.ban:
            actions.append(
                ("ban", lambda: chat.ban(event.channel.id, event.author.id, verdict.reason))
            )
        elif verdict.timeout_seconds:
            actions.append(
                (
                    "timeout",
                    lambda: chat.timeout(
                        event.channel.id, event.author.id, verdict.timeout_seconds, verdict.reason
                    ),
                )
            )
        for name, act in actions:
            try:
                act()
            except PlatformError as exc:
                log.warning("moderation action not possible", action=name, error=str(exc))
        if verdict.warning:
            self.say(event.platform, event.channel.id, verdict.warning)

    def _accrue(self, event: MessageEvent, now: float) -> None:
        key = (event.platform, event.author.id)
        last = self._last_award.get(key)
        if last is not None and now - last < self.settings.chat_points_interval_seconds:
            return
        self._last_award[key] = now
        xp = self.rng.randint(self.settings.xp_min, max(self.settings.xp_min, self.settings.xp_max))
        self.earn(
            AccountRef(event.platform, event.author.id, event.author.name),
            Accrual(points=self.settings.chat_points, xp=xp),
        )

    def earn(self, account: AccountRef, accrual: Accrual, reason: str = "chat") -> None:
        """Add to what an account earned since the last flush."""
        key = (account.platform, account.user_id)
        with self._lock:
            _, reasons = self._accrued.setdefault(key, (account, {}))
            before = reasons.get(reason)
            reasons[reason] = (
                accrual
                if before is None
                else Accrual(
                    points=before.points + accrual.points,
                    xp=before.xp + accrual.xp,
                    watch_seconds=before.watch_seconds + accrual.watch_seconds,
                )
            )

    def pending_points(self, account: AccountRef) -> int:
        """Points earned but not yet written."""
        with self._lock:
            pending = self._accrued.get((account.platform, account.user_id))
            return 0 if pending is None else sum(a.points for a in pending[1].values())

    def _respond(self, event: MessageEvent, level: Level) -> None:
        invocation = parse(event.text, prefix=self.settings.prefix, meta=event.meta)
        if invocation is not None:
            reply = self._run(event, level, invocation)
        else:
            reply = None
            ctx = Context(self, event, level, Invocation(name="", tokens=[]))
            for listener in self._listeners:
                reply = listener(ctx)
                if reply:
                    break
        if reply:
            self.say(event.platform, event.channel.id, reply, reply_to=event.id)

    def _run(self, event: MessageEvent, level: Level, invocation: Invocation) -> str | None:
        cmd = self.commands.get(invocation.name)
        ctx = Context(self, event, level, invocation)
        if cmd is None:
            return self.custom(ctx, invocation.name) if self.custom else None
        if cmd.name in self.disabled(event.platform, event.channel.id):
            return None
        who, called = event.author.name, f"{self.settings.prefix}{cmd.name}"
        if level < cmd.permission:
            return f"@{who} {called} is for {cmd.permission.name}s only"
        now = self.monotonic()
        wait = self._cooldowns.remaining(cmd, event.channel.id, event.author.id, now)
        if wait > 0 and level < Level.moderator:
            return f"@{who} {called} is on cooldown for {wait:.0f}s"
        try:
            tokens, named = split_named(cmd, invocation.tokens)
            args = cmd.bind(tokens, {**named, **invocation.named})
            reply = cmd.handler(ctx, **args)
        except UsageError as exc:
            return f"@{who} {exc}. Usage: {cmd.usage(self.settings.prefix)}"
        except Refusal as exc:
            return f"@{who} {exc}"
        except (AppError, PlatformError, ObsError) as exc:
            return f"@{who} {getattr(exc, 'message', None) or exc}"
        except Exception:
            # One broken command must not take the chat pipeline down with it.
            log.exception("command failed", command=cmd.name)
            return f"@{who} {called} failed; the error is in the log"
        if not _asks_again(reply, cmd):
            self._cooldowns.start(cmd, event.channel.id, event.author.id, now)
        return reply

    def say(
        self, platform: str, channel_id: str, text: str, *, reply_to: str | None = None
    ) -> None:
        """Post in a channel through its platform's chat port."""
        chat = self.ports.chat.get(platform)
        if chat is None:
            log.warning("no chat port for platform", platform=platform)
            return
        try:
            chat.send(channel_id, text, reply_to=reply_to)
        except PlatformError as exc:
            log.warning("reply failed", platform=platform, error=str(exc))

    def handle_event(self, event: PlatformEventIn) -> None:
        """Record a platform event, follow the stream's state, and answer it in chat."""
        social_ingest.record_events(self.uow(), org_id=self.org_id, events=[event])
        key = (event.platform, event.channel_id)
        if event.event_type == "stream_start":
            self._live[key] = event.ts
        elif event.event_type == "stream_end":
            self._live.pop(key, None)
        for alert in self._alerts:
            text = alert(event)
            if text:
                self.say(event.platform, event.channel_id, text)

    def message_deleted(self, platform: str, message_id: str) -> None:
        """A moderator removed a message on the platform: it leaves search and analytics."""
        self.flush()  # it may still be waiting in the buffer
        social_ingest.delete_messages(
            self.uow(), org_id=self.org_id, platform=platform, message_ids=[message_id]
        )

    def live_since(self, platform: str, channel_id: str) -> datetime | None:
        """When the channel went live, if it is live (as its events said)."""
        return self._live.get((platform, channel_id))

    def stream_started(self, platform: str, channel_id: str) -> datetime | None:
        """When the channel's stream started, from its events or else from the platform."""
        since = self.live_since(platform, channel_id)
        control = self.ports.stream.get(platform)
        if since is None and control is not None:
            info = control.stream_info(channel_id)
            since = info.started_at if info.live else None
        return since

    def live_channels(self) -> list[tuple[str, str]]:
        """The (platform, channel) pairs live now."""
        return list(self._live)

    # -- identity -----------------------------------------------------------------------

    def viewer_id(self, account: AccountRef) -> str:
        """The viewer behind an account, created on first sight."""
        key = (account.platform, account.user_id)
        cached = self._viewers.get(key)
        if cached is not None:
            return cached
        with self.uow() as uow:
            viewer_id = economy.viewer_for(uow, org_id=self.org_id, account=account)
            uow.commit()
        self._viewers[key] = viewer_id
        return viewer_id

    def chatter_named(self, platform: str, name: str) -> AccountRef | None:
        """The account of someone who chatted under this name since the bot started."""
        user_id = self._names.get((platform, name.lstrip("@").casefold()))
        return None if user_id is None else AccountRef(platform, user_id, name.lstrip("@"))

    def forget_viewers(self) -> None:
        """Drop cached account -> viewer mappings (after accounts were linked)."""
        self._viewers.clear()

    # -- per-channel switches ------------------------------------------------------------

    def disabled(self, platform: str, channel_id: str) -> set[str]:
        """Commands switched off in a channel."""
        key = (platform, channel_id)
        if key not in self._disabled:
            self._disabled[key] = disabled_commands(
                self.uow(write=False), org_id=self.org_id, platform=platform, channel_id=channel_id
            )
        return self._disabled[key]

    # -- background work -----------------------------------------------------------------

    def tick(self) -> None:
        """Flush when due and run periodic work; call every second or so."""
        with self._lock:
            if self.monotonic() - self._last_flush >= self.settings.flush_interval_seconds:
                self._flush_or_keep()
            for ticker in self._tickers:
                try:
                    ticker()
                except Exception:
                    log.exception("bot tick failed")

    def flush(self) -> None:
        """Write buffered messages and earnings in one transaction."""
        with self._lock:
            events, self._buffer = self._buffer, []
            accrued, self._accrued = self._accrued, {}
            self._last_flush = self.monotonic()
        if not events and not accrued:
            return
        try:
            with self.uow() as uow:
                stored = (
                    social_ingest.ingest(uow, org_id=self.org_id, events=events) if events else None
                )
                viewers = self._write_accruals(uow, accrued) if accrued else {}
                uow.commit()
        except Exception:
            # Keep what was not written for the next flush rather than lose it.
            with self._lock:
                self._buffer[:0] = events
                for account, reasons in accrued.values():
                    for reason, accrual in reasons.items():
                        self.earn(account, accrual, reason)
            raise
        # The flush just resolved these accounts: commands need not look them up again.
        self._viewers.update(viewers)
        if stored and self._on_stored is not None:
            self._on_stored(stored)

    def _write_accruals(
        self,
        uow: UnitOfWork,
        accrued: dict[tuple[str, str], tuple[AccountRef, dict[str, Accrual]]],
    ) -> dict[tuple[str, str], str]:
        """Write earnings; returns the viewer of each account."""
        viewers = economy.resolve_accounts(
            uow, org_id=self.org_id, accounts=[account for account, _ in accrued.values()]
        )
        by_reason: dict[str, dict[str, Accrual]] = {}
        for key, (_, reasons) in accrued.items():
            viewer = viewers[key]
            for reason, accrual in reasons.items():
                sums = by_reason.setdefault(reason, {})
                before = sums.get(viewer, Accrual())
                sums[viewer] = Accrual(
                    before.points + accrual.points,
                    before.xp + accrual.xp,
                    before.watch_seconds + accrual.watch_seconds,
                )
        for reason, sums in by_reason.items():
            economy.apply_accruals(uow, org_id=self.org_id, accruals=sums, reason=reason)
        return viewers
