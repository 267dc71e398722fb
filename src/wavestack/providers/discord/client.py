"""A Discord bot through discord.py, on an event loop in a thread of its own.

discord.py keeps the gateway connection (heartbeats, RESUME after a drop, reconnecting with
backoff) and the REST rate limits (buckets, 429 `retry_after`). This module turns what
arrives into plain events handed on in order from a thread of their own, answers every
interaction within Discord's 3 seconds (a deferral, before the bots think), and lets the
bots' sync code speak and moderate without waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import structlog
import yarl
from discord.gateway import DiscordWebSocket

from wavestack.providers.chat.port import PlatformError
from wavestack.providers.discord.commands import USER, SlashCommand

log = structlog.get_logger(__name__)
MAX_TEXT = 2000
MAX_TIMEOUT = timedelta(days=28)  # the longest timeout Discord allows
INTERACTION_LIFETIME = timedelta(minutes=15)  # how long an interaction token answers


class DiscordFailed(PlatformError):
    """Discord refused a call; the message is safe to show in chat."""


@dataclass(frozen=True)
class Member:
    """Who wrote, pressed or joined; `role` as the bots' levels name it."""

    id: str
    name: str
    role: str | None = None
    bot: bool = False


@dataclass(frozen=True)
class Posted:
    """A message in a channel the bot can read."""

    id: str
    channel_id: str
    channel_name: str | None
    guild_id: str | None
    author: Member
    text: str
    at: datetime
    reply_to: str | None = None


@dataclass(frozen=True)
class SlashCall:
    """A slash command, already deferred; answer it with `respond`, then `finish` it."""

    interaction_id: str
    channel_id: str
    guild_id: str | None
    author: Member
    name: str
    options: dict[str, str]
    at: datetime


@dataclass(frozen=True)
class ButtonPress:
    """A press on one of the bot's buttons, already acknowledged."""

    interaction_id: str
    channel_id: str
    guild_id: str | None
    author: Member
    custom_id: str
    at: datetime


@dataclass(frozen=True)
class MemberChange:
    """Someone joined or left a server; `channel_id` is its system channel, if any."""

    guild_id: str
    member: Member
    joined: bool
    channel_id: str | None
    at: datetime


DiscordEvent = Posted | SlashCall | ButtonPress | MemberChange


@dataclass(frozen=True)
class Embed:
    """A rich card: title (linked when `url` is set), text and a few named fields."""

    title: str
    description: str = ""
    url: str = ""
    fields: tuple[tuple[str, str], ...] = ()

    def build(self) -> discord.Embed:
        embed = discord.Embed(
            title=self.title[:256],
            description=self.description[:4096] or None,
            url=self.url or None,
        )
        for name, value in self.fields[:25]:
            embed.add_field(name=name[:256], value=value[:1024], inline=True)
        return embed


def role_of(user: discord.Member | discord.User) -> str | None:
    """The server owner is the broadcaster; members who may moderate are moderators;
    server boosters count as subscribers."""
    if not isinstance(user, discord.Member):
        return None
    if user.guild.owner_id == user.id:
        return "broadcaster"
    rights = user.guild_permissions
    if (
        rights.administrator
        or rights.moderate_members
        or rights.manage_messages
        or rights.ban_members
    ):
        return "moderator"
    return "subscriber" if user.premium_since is not None else None


def member_of(user: discord.Member | discord.User) -> Member:
    """A discord.py user as a `Member`."""
    return Member(id=str(user.id), name=user.name, role=role_of(user), bot=user.bot)


class _Gateway(discord.Client):
    """The discord.py client; it hands what happens to its `DiscordClient`."""

    def __init__(self, owner: DiscordClient, guild_ready_timeout: float) -> None:
        intents = discord.Intents.default()
        intents.message_content = True  # commands typed as `!points`
        intents.members = True  # joins and leaves, for welcomes and the auto role
        super().__init__(
            intents=intents,
            chunk_guilds_at_startup=False,
            max_messages=None,
            guild_ready_timeout=guild_ready_timeout,
        )
        self.owner = owner

    async def on_ready(self) -> None:
        self.owner._ready.set()

    async def on_message(self, message: discord.Message) -> None:
        if self.user is not None and message.author.id == self.user.id:
            return
        channel = message.channel
        reference = message.reference
        self.owner._deliver(
            Posted(
                id=str(message.id),
                channel_id=str(channel.id),
                channel_name=getattr(channel, "name", None),
                guild_id=str(message.guild.id) if message.guild else None,
                author=member_of(message.author),
                text=message.content,
                at=message.created_at,
                reply_to=str(reference.message_id) if reference and reference.message_id else None,
            )
        )

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        slash = interaction.type is discord.InteractionType.application_command
        if not slash and interaction.type is not discord.InteractionType.component:
            return
        try:
            # Discord drops an interaction not answered within 3 s: acknowledge first,
            # think after (a slash command shows "thinking..." until the reply).
            await interaction.response.defer(thinking=slash)
        except discord.HTTPException as exc:
            log.warning("discord interaction could not be deferred", error=str(exc))
            return
        self.owner._interactions[str(interaction.id)] = interaction
        data: dict[str, Any] = dict(interaction.data or {})
        interaction_id, channel_id = str(interaction.id), str(interaction.channel_id)
        guild_id = str(interaction.guild_id) if interaction.guild_id else None
        author, at = member_of(interaction.user), interaction.created_at
        if slash:
            name = str(data.get("name", ""))
            self.owner._deliver(
                SlashCall(interaction_id, channel_id, guild_id, author, name, _options(data), at)
            )
        else:
            custom_id = str(data.get("custom_id", ""))
            self.owner._deliver(
                ButtonPress(interaction_id, channel_id, guild_id, author, custom_id, at)
            )

    async def on_member_join(self, member: discord.Member) -> None:
        self.owner._deliver(_change(member, joined=True))

    async def on_member_remove(self, member: discord.Member) -> None:
        self.owner._deliver(_change(member, joined=False))


def _change(member: discord.Member, *, joined: bool) -> MemberChange:
    system = member.guild.system_channel
    return MemberChange(
        guild_id=str(member.guild.id),
        member=member_of(member),
        joined=joined,
        channel_id=str(system.id) if system is not None else None,
        at=datetime.now(UTC),
    )


def _options(data: dict[str, Any]) -> dict[str, str]:
    """A slash command's options by name; a user option as the user's name."""
    users = (data.get("resolved") or {}).get("users") or {}
    found: dict[str, str] = {}
    for option in data.get("options") or []:
        value = option.get("value")
        if option.get("type") == USER:
            value = (users.get(str(value)) or {}).get("username", value)
        found[str(option.get("name"))] = str(value)
    return found


def point_at(api_url: str, gateway_url: str) -> None:
    """Send discord.py to these URLs (settings; a fake Discord in tests). discord.py reads
    them from class attributes, so every client of the process shares them."""
    discord.http.Route.BASE = api_url.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


class DiscordClient:
    """One bot token: the gateway in the background, calls from any thread."""

    def __init__(
        self,
        token: str,
        *,
        api_url: str = "https://discord.com/api/v10",
        gateway_url: str = "wss://gateway.discord.gg/",
        on_event: Callable[[DiscordEvent], None] | None = None,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        self._token = token.strip()
        self._guild_ready_timeout = guild_ready_timeout
        self._api_url = api_url
        self._gateway_url = gateway_url
        self.on_event = on_event
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="discord", daemon=True)
        self._gateway: _Gateway | None = None
        self._running: Future[None] | None = None
        self._ready = threading.Event()
        self._interactions: dict[str, discord.Interaction] = {}
        self._answered: set[str] = set()
        self._pending: set[Future[Any]] = set()
        self._pending_lock = threading.Lock()
        # Events are handled in a thread of their own, in order: handlers call back into
        # the client, which would wait forever on the loop's own thread.
        self._events: queue.Queue[DiscordEvent | None] = queue.Queue()
        self._handler = threading.Thread(
            target=self._handle_events, name="discord-events", daemon=True
        )
        self.user_id = ""
        self.username = ""
        self.application_id = ""

    # -- lifecycle ----------------------------------------------------------------------

    def start(self, timeout: float = 30.0) -> None:
        """Log in and connect; returns once the gateway said READY."""
        point_at(self._api_url, self._gateway_url)
        self._thread.start()
        self._handler.start()
        running = self._running = asyncio.run_coroutine_threadsafe(self._run(), self._loop)
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.05):
            failure: DiscordFailed | None = None
            if running.done():
                exc = running.exception()
                failure = DiscordFailed(_failure(exc))
            elif time.monotonic() > deadline:
                failure = DiscordFailed("Discord's gateway did not say READY in time")
            if failure is not None:
                self.stop()  # discord.py would go on retrying in the background
                raise failure
        running.add_done_callback(_gateway_ended)
        self._know(self._connected())

    async def _run(self) -> None:
        self._gateway = _Gateway(self, self._guild_ready_timeout)
        async with self._gateway:
            await self._gateway.start(self._token, reconnect=True)

    def check(self, timeout: float = 30.0) -> None:
        """Check the token (who the bot is, its application) without connecting; a checked
        client is done (start a new one to connect)."""
        point_at(self._api_url, self._gateway_url)

        async def login() -> None:
            client = discord.Client(intents=discord.Intents.default())
            try:
                await client.login(self._token)
                self._know(client)
            finally:
                await client.close()

        try:
            self._loop.run_until_complete(asyncio.wait_for(login(), timeout))
        except discord.LoginFailure as exc:
            raise DiscordFailed("Discord refused the bot token") from exc
        except (discord.HTTPException, OSError, TimeoutError) as exc:
            raise DiscordFailed(f"Discord could not be reached: {exc}") from exc
        finally:
            self._loop.close()

    def _know(self, client: discord.Client) -> None:
        if client.user is None:
            raise DiscordFailed("Discord did not say who the bot is")
        self.user_id, self.username = str(client.user.id), client.user.name
        self.application_id = str(client.application_id or "")

    def _connected(self) -> _Gateway:
        if self._gateway is None:
            raise DiscordFailed("the Discord bot is not started")
        return self._gateway

    def stop(self) -> None:
        """Send what is on its way, disconnect and stop the threads."""
        if self._handler.is_alive():
            self._events.put(None)
            self._handler.join(timeout=10)
        self.flush()
        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._shut_down(), self._loop).result(15)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        if not self._loop.is_closed() and not self._loop.is_running():
            self._loop.close()

    async def _shut_down(self) -> None:
        if self._gateway is not None:
            await self._gateway.close()
        # What is left (the gateway waiting out a reconnect backoff) ends here, not
        # with the loop.
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    # -- events -------------------------------------------------------------------------

    def _deliver(self, event: DiscordEvent) -> None:
        self._events.put(event)

    def _handle_events(self) -> None:
        while (event := self._events.get()) is not None:
            if self.on_event is None:
                continue
            try:
                self.on_event(event)
            except Exception:
                log.exception("handling a discord event failed", kind=type(event).__name__)

    # -- calls from other threads -------------------------------------------------------

    def _schedule(self, work: Coroutine[Any, Any, Any], what: str) -> Future[Any]:
        """Run on the loop without waiting; a failure is logged."""
        future = asyncio.run_coroutine_threadsafe(work, self._loop)
        with self._pending_lock:
            self._pending.add(future)

        def done(finished: Future[Any]) -> None:
            with self._pending_lock:
                self._pending.discard(finished)
            if not finished.cancelled() and finished.exception() is not None:
                log.warning("discord call failed", call=what, error=str(finished.exception()))

        future.add_done_callback(done)
        return future

    def _wait(self, work: Coroutine[Any, Any, Any], timeout: float = 30.0) -> Any:
        try:
            return asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout)
        except discord.HTTPException as exc:
            raise DiscordFailed(f"Discord refused: {exc.text or exc.status}") from exc

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until the calls made so far are done (tests, shutdown)."""
        with self._pending_lock:
            pending = list(self._pending)
        for future in pending:
            with contextlib.suppress(Exception):  # a failure was logged when it happened
                future.result(timeout)

    @property
    def http(self) -> discord.http.HTTPClient:
        return self._connected().http

    def register_commands(self, commands: Sequence[SlashCommand], guild_id: str = "") -> int:
        """Replace the bot's slash commands in one server (or globally); returns how many."""
        payload = [command.payload() for command in commands]
        app = self.application_id
        if guild_id:
            saved = self._wait(self.http.bulk_upsert_guild_commands(app, guild_id, payload))
        else:
            saved = self._wait(self.http.bulk_upsert_global_commands(app, payload))
        return len(saved)

    def send(
        self,
        channel_id: str,
        text: str,
        *,
        embed: Embed | None = None,
        buttons: Sequence[tuple[str, str]] = (),
        reply_to: str | None = None,
    ) -> Future[Any]:
        """Post in a channel (as a reply to a message when `reply_to` is set)."""

        async def post() -> None:
            channel = self._connected().get_partial_messageable(int(channel_id))
            reference = (
                discord.MessageReference(
                    message_id=int(reply_to), channel_id=int(channel_id), fail_if_not_exists=False
                )
                if reply_to
                else None
            )
            extras = _extras(embed, buttons)
            if reference is not None:
                extras["reference"] = reference
            await channel.send(text[:MAX_TEXT] or None, **extras)

        return self._schedule(post(), "send")

    def is_interaction(self, interaction_id: str) -> bool:
        """Whether this id is an interaction still waiting for its answer."""
        return interaction_id in self._interactions

    def respond(
        self,
        interaction_id: str,
        text: str,
        *,
        embed: Embed | None = None,
        buttons: Sequence[tuple[str, str]] = (),
    ) -> Future[Any]:
        """Answer a deferred interaction (the first answer replaces "thinking...")."""
        self._answered.add(interaction_id)

        async def answer() -> None:
            interaction = self._interactions[interaction_id]
            await interaction.followup.send(text[:MAX_TEXT], **_extras(embed, buttons))

        return self._schedule(answer(), "respond")

    def finish(self, interaction_id: str) -> None:
        """The bots are done with an interaction: a slash command that got no answer loses
        its "thinking..." message; the interaction is forgotten."""
        answered = interaction_id in self._answered
        self._answered.discard(interaction_id)

        async def close() -> None:
            interaction = self._interactions.pop(interaction_id, None)
            if interaction is None:
                return
            slash = interaction.type is discord.InteractionType.application_command
            if slash and not answered:
                await interaction.delete_original_response()
            self._forget_old_interactions()

        self._schedule(close(), "finish")

    def _forget_old_interactions(self) -> None:
        cutoff = datetime.now(UTC) - INTERACTION_LIFETIME
        for key, interaction in list(self._interactions.items()):
            if interaction.created_at < cutoff:
                del self._interactions[key]

    def delete_message(self, channel_id: str, message_id: str, reason: str = "") -> None:
        """Remove a message (the reason goes to the audit log)."""
        self._schedule(
            self.http.delete_message(channel_id, message_id, reason=reason or None), "delete"
        )

    def timeout(self, guild_id: str, user_id: str, seconds: int, reason: str = "") -> None:
        """Keep a member from talking for a while (at most 28 days)."""
        until = datetime.now(UTC) + min(timedelta(seconds=seconds), MAX_TIMEOUT)
        self._schedule(
            self.http.edit_member(
                guild_id,
                user_id,
                reason=reason or None,
                communication_disabled_until=until.isoformat(),
            ),
            "timeout",
        )

    def ban(self, guild_id: str, user_id: str, reason: str = "") -> None:
        """Ban a member (their messages stay; moderation already deleted the bad one)."""
        self._schedule(
            self.http.ban(user_id, guild_id, delete_message_seconds=0, reason=reason or None),
            "ban",
        )

    def add_role(self, guild_id: str, user_id: str, role: str, reason: str = "") -> None:
        """Give a member a role named or numbered `role`."""
        role_id = self.role_id(guild_id, role)
        self._schedule(
            self.http.add_role(guild_id, user_id, role_id, reason=reason or None), "add role"
        )

    def role_id(self, guild_id: str, role: str) -> str:
        """The id of a server's role, by id or by name (any case)."""
        guild = self._gateway.get_guild(int(guild_id)) if self._gateway else None
        if guild is None:
            raise DiscordFailed(f"the bot is not in server {guild_id}")
        for found in guild.roles:
            if str(found.id) == role or found.name.casefold() == role.casefold():
                return str(found.id)
        raise DiscordFailed(f"server {guild.name} has no role {role!r}")

    def guild_of(self, channel_id: str) -> str:
        """The server a channel is in (a server id is its own answer)."""
        gateway = self._gateway
        if gateway is not None:
            if gateway.get_guild(int(channel_id)) is not None:
                return channel_id
            channel = gateway.get_channel(int(channel_id))
            guild = getattr(channel, "guild", None)
            if guild is not None:
                return str(guild.id)
        raise DiscordFailed(f"channel {channel_id} is not in a server the bot is in")


def _failure(exc: BaseException | None) -> str:
    """Why a start failed, in words. (discord.py gives up when its very first gateway
    connection fails, with an internal error that says nothing useful.)"""
    if isinstance(exc, discord.LoginFailure):
        return "Discord refused the bot token"
    if isinstance(exc, discord.HTTPException):
        return f"Discord could not be reached: {exc}"
    return "Discord's gateway could not be reached"


def _gateway_ended(running: Future[None]) -> None:
    if not running.cancelled() and running.exception() is not None:
        log.error("the discord gateway stopped", error=repr(running.exception()))


def _extras(embed: Embed | None, buttons: Sequence[tuple[str, str]]) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    if embed is not None:
        extras["embed"] = embed.build()
    if buttons:
        view = discord.ui.View(timeout=None)
        for label, custom_id in buttons[:25]:
            view.add_item(discord.ui.Button(label=label[:80], custom_id=custom_id[:100]))
        # Presses come back as interactions by custom id (after a restart too); the view
        # itself is not kept waiting for them.
        view.stop()
        extras["view"] = view
    return extras
