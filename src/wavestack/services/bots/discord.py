"""Discord in the chat pipeline: gateway events in WaveStack's shapes, the bot's chat port on
Discord (slash command answers, buttons and cards), the engine's commands as slash commands,
and go-live alerts for the Twitch and YouTube streams."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wavestack.kernel.logging import get_logger
from wavestack.providers.chat.port import PlatformError, Rich
from wavestack.providers.discord import (
    ButtonPress,
    DiscordClient,
    DiscordEvent,
    DiscordFailed,
    DiscordSettings,
    Embed,
    Member,
    MemberChange,
    Posted,
    SlashCall,
    SlashCommand,
    SlashOption,
)
from wavestack.services.bots.engine import Choice, Command, Level, Param, Range, Text, User, Word
from wavestack.services.social_ingest import (
    AuthorRef,
    ChannelRef,
    MessageEvent,
    PlatformEventIn,
)

if TYPE_CHECKING:
    from wavestack.services.bots.runtime import ChatBot

log = get_logger(__name__)
BUTTON = "ws:"  # custom ids of the bots' buttons: "ws:" and the command line a press runs
PLATFORM_NAMES = {"twitch": "Twitch", "youtube": "YouTube"}


class DiscordChat:
    """The chat port on Discord: an answer to a slash command or button press goes back
    to its interaction; the rest are channel messages."""

    platform = "discord"

    def __init__(self, client: DiscordClient) -> None:
        self.client = client

    def send(self, channel_id: str, text: str, *, reply_to: str | None = None) -> None:
        """Post (with buttons or a card when the text carries them)."""
        embed, buttons = _extras(text)
        if reply_to is not None and self.client.is_interaction(reply_to):
            self.client.respond(reply_to, str(text), embed=embed, buttons=buttons)
        else:
            self.client.send(channel_id, str(text), embed=embed, buttons=buttons, reply_to=reply_to)

    def delete_message(self, channel_id: str, message_id: str, *, reason: str = "") -> None:
        """Remove a message (the reason shows in the server's audit log)."""
        self.client.delete_message(channel_id, message_id, reason)

    def timeout(self, channel_id: str, user_id: str, seconds: int, reason: str) -> None:
        """Time a member out in the channel's server."""
        self.client.timeout(self.client.guild_of(channel_id), user_id, seconds, reason)

    def ban(self, channel_id: str, user_id: str, reason: str) -> None:
        """Ban a member from the channel's server."""
        self.client.ban(self.client.guild_of(channel_id), user_id, reason)

    def assign_role(self, channel_id: str, user_id: str, role: str) -> None:
        """Give a member a role of the channel's server, by name or id."""
        self.client.add_role(self.client.guild_of(channel_id), user_id, role, "auto role")

    def flush(self) -> None:
        """Wait until what was sent went out (tests, shutdown)."""
        self.client.flush()


def _extras(text: str) -> tuple[Embed | None, list[tuple[str, str]]]:
    if not isinstance(text, Rich):
        return None, []
    buttons = [(b.label, BUTTON + b.command) for b in text.buttons]
    embed = Embed(text.heading, url=text.link, fields=text.fields) if text.heading else None
    return embed, buttons


class DiscordListener:
    """Feeds a bot from a Discord client's events; posts go-live alerts for the other
    platforms' streams when a channel for them is set."""

    def __init__(self, bot: ChatBot, chat: DiscordChat, settings: DiscordSettings) -> None:
        self.bot = bot
        self.chat = chat
        self.settings = settings
        bot.on_platform_event(self.live_alert)

    def stop(self) -> None:
        """Disconnect, after sending what is on its way."""
        self.chat.client.stop()

    def event(self, event: DiscordEvent) -> None:
        """One gateway event into the pipeline."""
        if isinstance(event, Posted):
            if not event.author.bot and event.text:
                self.bot.handle(posted_message(event))
        elif isinstance(event, SlashCall):
            self._interaction(event.interaction_id, slash_message(event))
        elif isinstance(event, ButtonPress):
            if event.custom_id.startswith(BUTTON):
                self._interaction(
                    event.interaction_id, pressed_message(event, self.bot.settings.prefix)
                )
        elif not event.member.bot:
            self.bot.handle_event(self.member_event(event))

    def _interaction(self, interaction_id: str, message: MessageEvent) -> None:
        try:
            self.bot.handle(message)
        finally:
            self.chat.client.finish(interaction_id)

    def member_event(self, change: MemberChange) -> PlatformEventIn:
        """A join (welcomed, given the auto role) or a leave. Leaving takes nothing away:
        the member's points wait for them, keyed by their Discord id."""
        kind = "member_join" if change.joined else "member_leave"
        channel = self.settings.welcome_channel_id or change.channel_id or change.guild_id
        return PlatformEventIn(
            id=f"{kind}:{change.guild_id}:{change.member.id}:{change.at.timestamp():.0f}",
            platform="discord",
            event_type=kind,
            channel_id=channel,
            user_id=change.member.id,
            user_name=change.member.name,
            data={"guild_id": change.guild_id},
            ts=change.at,
        )

    def live_alert(self, event: PlatformEventIn) -> None:
        """Tell the Discord server that the Twitch or YouTube stream started."""
        channel = self.settings.live_channel_id
        if not channel or event.event_type != "stream_start" or event.platform == "discord":
            return
        self.chat.send(channel, live_card(self.bot, event, self.settings.live_message))


def live_card(bot: ChatBot, event: PlatformEventIn, template: str) -> Rich:
    """The go-live alert: the message, and a card with the stream's title, link and game."""
    platform = PLATFORM_NAMES.get(event.platform, event.platform.title())
    name = event.user_name or event.channel_id
    data = event.data or {}
    title, game = str(data.get("title") or ""), ""
    control = bot.ports.stream.get(event.platform)
    if control is not None:
        try:
            info = control.stream_info(event.channel_id)
            title, game = info.title or title, info.game or ""
        except PlatformError as exc:
            log.warning("stream info for the go-live alert failed", error=str(exc))
    if event.platform == "twitch":
        url = f"https://www.twitch.tv/{event.user_name or ''}"
    elif event.platform == "youtube":
        url = f"https://www.youtube.com/channel/{event.channel_id}/live"
    else:
        url = ""
    text = template.replace("$(user)", name).replace("$(platform)", platform)
    return Rich(
        text,
        heading=title or text,
        link=url,
        fields=(("Playing", game),) if game else (),
    )


def posted_message(posted: Posted) -> MessageEvent:
    """A channel message as a `MessageEvent`."""
    meta = {"guild_id": posted.guild_id} if posted.guild_id else {}
    if posted.reply_to:
        meta["reply_to"] = posted.reply_to
    return MessageEvent(
        id=posted.id,
        platform="discord",
        channel=ChannelRef(id=posted.channel_id, name=posted.channel_name),
        author=_author(posted.author),
        text=posted.text,
        ts=posted.at,
        meta=meta,
    )


def slash_message(call: SlashCall) -> MessageEvent:
    """A slash command as a `MessageEvent` the engine runs by name and options."""
    shown = " ".join([f"/{call.name}", *(f"{k}:{v}" for k, v in call.options.items())])
    return MessageEvent(
        id=call.interaction_id,
        platform="discord",
        channel=ChannelRef(id=call.channel_id),
        author=_author(call.author),
        text=shown,
        ts=call.at,
        meta={"command": {"name": call.name, "options": call.options}},
    )


def pressed_message(press: ButtonPress, prefix: str) -> MessageEvent:
    """A button press as the command line it runs, typed by whoever pressed."""
    return MessageEvent(
        id=press.interaction_id,
        platform="discord",
        channel=ChannelRef(id=press.channel_id),
        author=_author(press.author),
        text=f"{prefix}{press.custom_id.removeprefix(BUTTON)}",
        ts=press.at,
        meta={"button": True},
    )


def _author(member: Member) -> AuthorRef:
    return AuthorRef(
        id=member.id,
        name=member.name,
        role=member.role,
        is_mod=member.role in ("broadcaster", "moderator"),
    )


# -- the engine's commands as slash commands ----------------------------------------------

PERMISSIONS = {
    Level.moderator: "moderator",
    Level.broadcaster: "administrator",
}


def slash_commands(commands: list[Command]) -> list[SlashCommand]:
    """Every command as a slash command (aliases stay `!` commands: Discord allows 100)."""
    return [
        SlashCommand(
            name=command.name,
            description=command.help or command.usage(),
            options=tuple(_option(param) for param in command.params),
            permission=PERMISSIONS.get(command.permission, "everyone"),  # type: ignore[arg-type]
        )
        for command in sorted(commands, key=lambda c: c.name)
    ]


def _option(param: Param) -> SlashOption:
    kind = param.kind
    required = param.required
    if isinstance(kind, Range):
        return SlashOption(
            param.name,
            f"a whole number from {kind.low} to {kind.high}",
            "integer",
            required,
            min_value=kind.low,
            max_value=kind.high,
        )
    if isinstance(kind, Choice):
        return SlashOption(
            param.name,
            "one of: " + ", ".join(kind.options),
            "string",
            required,
            choices=kind.options,
        )
    if isinstance(kind, User):
        return SlashOption(param.name, "a member", "user", required)
    if not isinstance(kind, Word | Text):
        raise TypeError(f"no slash option for {kind!r}")
    return SlashOption(
        param.name, param.name.replace("_", " "), "string", required, max_length=kind.max_length
    )


def register_slash_commands(client: DiscordClient, commands: list[Command], guild_id: str) -> str:
    """Register the commands; returns a line saying where (or why not)."""
    try:
        count = client.register_commands(slash_commands(commands), guild_id)
    except DiscordFailed as exc:
        log.warning("slash commands not registered", error=str(exc))
        return f"slash commands not registered: {exc}"
    return f"{count} slash commands " + (f"in server {guild_id}" if guild_id else "globally")
