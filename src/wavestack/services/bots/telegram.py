"""Telegram in the chat pipeline: Bot API updates in WaveStack's shapes, and the bot's chat
port on Telegram (one message a second per chat, as Telegram asks; admins checked with
getChatMember, remembered for a few minutes)."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from wavestack.kernel.bus import LiveBus
from wavestack.kernel.messages import Envelope
from wavestack.providers.chat.outbox import Outbox
from wavestack.providers.chat.port import PlatformError
from wavestack.providers.telegram import TelegramClient, TelegramFailed
from wavestack.services.social_ingest import (
    AuthorRef,
    ChannelRef,
    MessageEvent,
    PlatformEventIn,
)

if TYPE_CHECKING:
    from wavestack.services.bots.runtime import ChatBot

ROLE_TTL_SECONDS = 300.0
ROLES = {"creator": "broadcaster", "administrator": "moderator"}
_ADDRESSED = re.compile(r"^(/\w+)@\w+")  # /roll@wavestack_bot -> /roll


def message_id(chat_id: object, message: object) -> str:
    """Telegram numbers messages per chat: the chat makes them unique."""
    return f"{chat_id}:{message}"


class TelegramChat:
    """The chat port on Telegram."""

    platform = "telegram"

    def __init__(self, client: TelegramClient) -> None:
        self.client = client
        self._per_chat: dict[str, Outbox] = {}
        self._actions = Outbox("telegram-actions", limit=30, window=1.0)
        self._roles: dict[tuple[str, int], tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def _outbox(self, chat_id: str) -> Outbox:
        with self._lock:
            outbox = self._per_chat.get(chat_id)
            if outbox is None:
                outbox = self._per_chat[chat_id] = Outbox(
                    f"telegram-{chat_id}", limit=1, window=1.0
                )
            return outbox

    def send(self, channel_id: str, text: str, *, reply_to: str | None = None) -> None:
        """Post, at most one message a second in a chat."""
        replied = int(reply_to.rpartition(":")[2]) if reply_to else None
        self._outbox(channel_id).message(
            lambda: self.client.send(channel_id, text, reply_to=replied)
        )

    def delete_message(self, channel_id: str, message_id: str, *, reason: str = "") -> None:
        """Remove a message (the bot must be an admin allowed to delete)."""
        number = int(message_id.rpartition(":")[2])
        self._actions.action(lambda: self.client.delete(channel_id, number), "delete")

    def timeout(self, channel_id: str, user_id: str, seconds: int, reason: str) -> None:
        """Keep a member from writing for a while."""
        self._actions.action(
            lambda: self.client.restrict(channel_id, int(user_id), seconds), "timeout"
        )

    def ban(self, channel_id: str, user_id: str, reason: str) -> None:
        """Ban a member."""
        self._actions.action(lambda: self.client.ban(channel_id, int(user_id)), "ban")

    def assign_role(self, channel_id: str, user_id: str, role: str) -> None:
        """Telegram has no roles to hand out."""
        raise PlatformError("Telegram has no roles to give")

    def role_of(self, chat_id: str, user_id: int, chat_type: str) -> str | None:
        """broadcaster (owner), moderator (admin) or None, from getChatMember (cached)."""
        if chat_type == "private":
            return None
        key, now = (chat_id, user_id), time.monotonic()
        cached = self._roles.get(key)
        if cached is not None and now - cached[0] < ROLE_TTL_SECONDS:
            return cached[1]
        try:
            role = ROLES.get(self.client.member_status(chat_id, user_id))
        except TelegramFailed:
            role = None
        self._roles[key] = (now, role)
        return role

    def flush(self) -> None:
        """Wait until what is queued went out (tests, shutdown)."""
        for outbox in [*self._per_chat.values(), self._actions]:
            outbox.flush()

    def close(self) -> None:
        """Send what is queued, then stop."""
        for outbox in [*self._per_chat.values(), self._actions]:
            outbox.close()


PUSHED = "telegram.update"  # the live-bus envelope a webhook push becomes


def pushed_envelope(org_id: str, update: dict[str, Any]) -> Envelope:
    """What the webhook route publishes for the bots process."""
    return Envelope(type=PUSHED, org_id=org_id, data=update)


class TelegramListener:
    """Feeds a bot from a Telegram client's updates: polled, or pushed to the webhook and
    carried over the live bus (`bus`)."""

    def __init__(self, bot: ChatBot, chat: TelegramChat, bus: LiveBus | None = None) -> None:
        self.bot = bot
        self.chat = chat
        self._unsubscribe = bus.listen(self.envelope) if bus is not None else None

    def envelope(self, envelope: Envelope) -> None:
        """This organization's pushed updates, into the client's update thread."""
        if envelope.type == PUSHED and envelope.org_id == self.bot.org_id:
            self.chat.client.deliver(dict(envelope.data))

    def stop(self) -> None:
        """Stop polling (or listening) and send what is queued."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.chat.client.stop()
        self.chat.close()

    def update(self, update: dict[str, Any]) -> None:
        """One Bot API update into the pipeline."""
        message = update.get("message")
        if not isinstance(message, dict):
            return
        chat = message.get("chat") or {}
        sender = message.get("from") or {}
        if sender.get("id") == self.chat.client.user_id:
            return
        at = datetime.fromtimestamp(int(message.get("date", 0)), UTC)
        this = message_id(chat.get("id"), message.get("message_id"))
        for joined in message.get("new_chat_members") or []:
            self.bot.handle_event(
                PlatformEventIn(
                    id=f"join:{this}:{joined['id']}",
                    platform="telegram",
                    event_type="member_join",
                    channel_id=str(chat.get("id")),
                    user_id=str(joined["id"]),
                    user_name=joined.get("username") or joined.get("first_name"),
                    ts=at,
                )
            )
        text = message.get("text")
        if not isinstance(text, str) or not sender:
            return
        event = chat_message(
            message,
            text,
            self.chat.role_of(str(chat.get("id")), int(sender["id"]), str(chat.get("type", ""))),
        )
        self.bot.handle(event)


def chat_message(message: dict[str, Any], text: str, role: str | None) -> MessageEvent:
    """A Bot API message as a `MessageEvent` (`/cmd@botname` read as `/cmd`)."""
    chat = message.get("chat") or {}
    sender = message.get("from") or {}
    meta: dict[str, Any] = {"chat_type": str(chat.get("type", ""))}
    reply = message.get("reply_to_message") or {}
    if reply.get("message_id"):
        meta["reply_to"] = message_id(chat.get("id"), reply["message_id"])
    return MessageEvent(
        id=message_id(chat.get("id"), message.get("message_id")),
        platform="telegram",
        channel=ChannelRef(id=str(chat.get("id")), name=chat.get("title") or chat.get("username")),
        author=AuthorRef(
            id=str(sender["id"]),
            name=str(sender.get("username") or sender.get("first_name") or sender["id"]),
            role=role,
            is_mod=role in ("broadcaster", "moderator"),
        ),
        text=_ADDRESSED.sub(r"\1", text),
        ts=datetime.fromtimestamp(int(message.get("date", 0)), UTC),
        meta=meta,
    )
