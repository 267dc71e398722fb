"""Twitch in the chat pipeline: EventSub notifications in WaveStack's shapes (chat messages as
`MessageEvent`, support and stream events as `PlatformEventIn`) handed to the bot, and the
bot's chat port and stream controls done through Helix as the connected account."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import structlog

from wavestack.providers.chat.outbox import Outbox
from wavestack.providers.chat.port import PlatformError, StreamInfo
from wavestack.providers.twitch import (
    SUBSCRIPTIONS,
    EventSubSocket,
    Helix,
    Notification,
    TwitchError,
    TwitchUser,
    condition,
    started_at,
)
from wavestack.services.social_ingest import (
    AuthorRef,
    ChannelRef,
    MessageEvent,
    PlatformEventIn,
)

if TYPE_CHECKING:
    from wavestack.services.bots.runtime import ChatBot

log = structlog.get_logger(__name__)
# Twitch's chat limits per 30 s: a regular account, and one that moderates the channel.
CHAT_LIMIT, CHAT_LIMIT_AS_MODERATOR, CHAT_WINDOW = 20, 100, 30.0

# Badges by rank: the highest a chatter wears is their role.
ROLE_BADGES = ("broadcaster", "moderator", "vip", "subscriber")


def chat_message(event: dict[str, Any], at: datetime) -> MessageEvent:
    """A `channel.chat.message` notification."""
    badges = {str(b.get("set_id")) for b in event.get("badges") or []}
    role = next((badge for badge in ROLE_BADGES if badge in badges), None)
    message = event.get("message") or {}
    fragments = message.get("fragments") or []
    meta: dict[str, Any] = {
        "emotes": [f["text"] for f in fragments if f.get("type") == "emote"],
        "badges": sorted(badges),
    }
    reply = event.get("reply") or {}
    if reply.get("parent_message_id"):
        meta["reply_to"] = reply["parent_message_id"]
    cheer = event.get("cheer") or {}
    if cheer.get("bits"):
        meta["bits"] = cheer["bits"]
    return MessageEvent(
        id=str(event["message_id"]),
        platform="twitch",
        channel=ChannelRef(
            id=str(event["broadcaster_user_id"]), name=event.get("broadcaster_user_login")
        ),
        author=AuthorRef(
            id=str(event["chatter_user_id"]),
            name=str(event.get("chatter_user_name") or event.get("chatter_user_login")),
            role=role,
            is_mod=role in ("broadcaster", "moderator"),
        ),
        text=str(message.get("text", "")),
        ts=at,
        meta=meta,
    )


def platform_event(
    kind: str, event: dict[str, Any], message_id: str, at: datetime
) -> PlatformEventIn | None:
    """A support or stream notification (None for kinds that are not platform events)."""
    channel = str(event.get("broadcaster_user_id") or event.get("to_broadcaster_user_id") or "")
    anonymous = bool(event.get("is_anonymous"))
    user_id = None if anonymous else event.get("user_id")
    user_name = None if anonymous else event.get("user_name")
    amount: float | None = None
    data: dict[str, Any] = {}
    if kind == "channel.subscribe":
        event_type, amount = "subscription", 1
        data = {"tier": event.get("tier"), "is_gift": bool(event.get("is_gift"))}
    elif kind == "channel.subscription.message":
        event_type, amount = "subscription", event.get("cumulative_months") or 1
        data = {"tier": event.get("tier"), "message": (event.get("message") or {}).get("text")}
    elif kind == "channel.subscription.gift":
        event_type, amount = "gift_subscription", event.get("total") or 1
        data = {"tier": event.get("tier")}
    elif kind == "channel.cheer":
        event_type, amount = "bits", event.get("bits")
        data = {"message": event.get("message")}
    elif kind == "channel.raid":
        event_type, amount = "raid", event.get("viewers")
        user_id = event.get("from_broadcaster_user_id")
        user_name = event.get("from_broadcaster_user_name")
    elif kind == "channel.follow":
        event_type = "follow"
    elif kind == "stream.online":
        event_type = "stream_start"
        data = {"type": event.get("type")}
    elif kind == "stream.offline":
        event_type = "stream_end"
    else:
        return None
    return PlatformEventIn(
        id=message_id,
        platform="twitch",
        event_type=event_type,
        channel_id=channel,
        user_id=str(user_id) if user_id else None,
        user_name=str(user_name) if user_name else None,
        amount=float(amount) if amount is not None else None,
        data=data or None,
        ts=at,
    )


def twitch_chat_limit(*, moderates: bool) -> tuple[int, float]:
    """Chat messages allowed per window (seconds) for an account that moderates or not."""
    return (CHAT_LIMIT_AS_MODERATOR if moderates else CHAT_LIMIT), CHAT_WINDOW


class TwitchChat:
    """The bot's chat port and stream controls on Twitch, as the connected account (`me`),
    which reads and moderates the channel (`me` is the broadcaster, or one of its mods)."""

    platform = "twitch"

    def __init__(self, helix: Helix, me: TwitchUser, outbox: Outbox) -> None:
        self.helix = helix
        self.me = me
        self.outbox = outbox

    # -- chat ---------------------------------------------------------------------------

    def send(self, channel_id: str, text: str, *, reply_to: str | None = None) -> None:
        """Post (from the outbox thread, under the chat rate)."""
        self.outbox.message(
            lambda: self.helix.send_chat(channel_id, self.me.id, text, reply_to=reply_to)
        )

    def delete_message(self, channel_id: str, message_id: str, *, reason: str = "") -> None:
        """Remove a message."""
        self.outbox.action(
            lambda: self.helix.delete_message(channel_id, self.me.id, message_id),
            f"delete {message_id}",
        )

    def timeout(self, channel_id: str, user_id: str, seconds: int, reason: str) -> None:
        """Time a chatter out."""
        self.outbox.action(
            lambda: self.helix.ban(channel_id, self.me.id, user_id, seconds=seconds, reason=reason),
            f"timeout {user_id}",
        )

    def ban(self, channel_id: str, user_id: str, reason: str) -> None:
        """Ban a chatter."""
        self.outbox.action(
            lambda: self.helix.ban(channel_id, self.me.id, user_id, seconds=None, reason=reason),
            f"ban {user_id}",
        )

    def assign_role(self, channel_id: str, user_id: str, role: str) -> None:
        """Twitch has no roles a bot can give."""
        raise PlatformError("Twitch has no roles to give")

    # -- the stream ---------------------------------------------------------------------

    def stream_info(self, channel_id: str) -> StreamInfo:
        """Live or not, since when, title, category, viewers."""
        live = self.helix.stream(channel_id)
        if live is not None:
            return StreamInfo(
                True,
                started_at(live),
                live.get("title"),
                live.get("game_name"),
                int(live.get("viewer_count") or 0),
            )
        channel = self.helix.channel(channel_id)
        return StreamInfo(False, None, channel.get("title"), channel.get("game_name"), 0)

    def set_title(self, channel_id: str, title: str) -> None:
        """Change the title (the connected account must be the broadcaster)."""
        self.helix.modify_channel(channel_id, title=title)

    def set_game(self, channel_id: str, game: str) -> str:
        """Change the category; returns its name as Twitch spells it."""
        game_id, name = self.helix.game(game)
        self.helix.modify_channel(channel_id, game_id=game_id)
        return name

    def shoutout(self, channel_id: str, user: str) -> str:
        """Twitch's own shoutout; returns what they last streamed."""
        target = self.helix.user(user)
        last = self.helix.channel(target.id).get("game_name") or "something"
        try:
            self.helix.shoutout(channel_id, self.me.id, target.id)
        except TwitchError as exc:
            # Twitch allows one shoutout every 2 minutes: the line in chat still goes out.
            log.info("twitch shoutout refused", error=str(exc))
        return f"they were last seen streaming {last}"

    def raid(self, channel_id: str, target: str) -> None:
        """Send the viewers to another channel."""
        self.helix.start_raid(channel_id, self.helix.user(target).id)


class TwitchListener:
    """Feeds a bot from EventSub: subscribes a new session to the channel's events and hands
    each notification to the pipeline."""

    def __init__(
        self, bot: ChatBot, chat: TwitchChat, broadcaster: TwitchUser, socket_url: str
    ) -> None:
        self.bot = bot
        self.chat = chat
        self.broadcaster = broadcaster
        self.socket = EventSubSocket(
            socket_url, on_session=self.subscribe, on_notification=self.notified
        )
        self.subscribed: list[str] = []

    def start(self) -> None:
        """Connect and listen (in the socket's thread)."""
        self.socket.start()

    def stop(self) -> None:
        """Stop listening and send what is queued."""
        self.socket.stop()
        self.chat.outbox.close()

    def subscribe(self, session_id: str) -> None:
        """Every event the bots use; one the account may not see (a scope it lacks) is
        skipped with a warning rather than stopping the rest."""
        self.subscribed = []
        for kind, (version, _) in SUBSCRIPTIONS.items():
            try:
                self.chat.helix.subscribe(
                    kind, version, condition(kind, self.broadcaster.id, self.chat.me.id), session_id
                )
            except TwitchError as exc:
                if exc.status in (401, 403):
                    log.warning("twitch subscription refused", type=kind, error=str(exc))
                    continue
                raise
            self.subscribed.append(kind)

    def notified(self, note: Notification) -> None:
        """One notification into the pipeline."""
        if note.kind == "channel.chat.message":
            if str(note.event.get("chatter_user_id")) == self.chat.me.id:
                return  # the bot's own words: nothing to moderate or answer
            self.bot.handle(chat_message(note.event, note.at))
        elif note.kind == "channel.chat.message_delete":
            self.bot.message_deleted("twitch", str(note.event.get("message_id")))
        else:
            event = platform_event(note.kind, note.event, note.message_id, note.at)
            if event is not None:
                self.bot.handle_event(event)
