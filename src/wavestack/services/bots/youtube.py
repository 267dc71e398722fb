"""YouTube Live chat in the chat pipeline: a watcher that notices the channel going live (and
offline), polls the broadcast's chat into the bot, and the bot's chat port on YouTube (as the
connected channel: its own messages are not read back)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import structlog

from wavestack.providers.chat.outbox import Outbox
from wavestack.providers.chat.port import PlatformError
from wavestack.providers.youtube import YouTubeError, YouTubeLiveChat, poll_forever
from wavestack.services.social_ingest import (
    AuthorRef,
    ChannelRef,
    MessageEvent,
    PlatformEventIn,
)

if TYPE_CHECKING:
    from wavestack.services.bots.runtime import ChatBot

log = structlog.get_logger(__name__)


class YouTubeChat:
    """The chat port on YouTube. Channels are YouTube channel ids; each live broadcast has a
    chat of its own, which the watcher sets as it goes live."""

    platform = "youtube"

    def __init__(self, client: YouTubeLiveChat, channel_id: str) -> None:
        self.client = client
        self.channel_id = channel_id
        self.live_chat: str | None = None
        self.sent_ids: set[str] = set()
        self.outbox = Outbox("youtube", limit=20, window=30.0)

    def _chat(self) -> str:
        if self.live_chat is None:
            raise PlatformError("the channel is not live on YouTube")
        return self.live_chat

    def send(self, channel_id: str, text: str, *, reply_to: str | None = None) -> None:
        """Post in the live chat (YouTube chat has no replies; the @name says who)."""
        chat = self._chat()
        self.outbox.message(lambda: self.sent_ids.add(self.client.send(chat, text)))

    def delete_message(self, channel_id: str, message_id: str, *, reason: str = "") -> None:
        """Remove a chat message."""
        self.outbox.action(lambda: self.client.delete(message_id), "delete")

    def timeout(self, channel_id: str, user_id: str, seconds: int, reason: str) -> None:
        """A temporary ban."""
        chat = self._chat()
        self.outbox.action(lambda: self.client.ban(chat, user_id, seconds), "timeout")

    def ban(self, channel_id: str, user_id: str, reason: str) -> None:
        """A permanent ban."""
        chat = self._chat()
        self.outbox.action(lambda: self.client.ban(chat, user_id, None), "ban")

    def assign_role(self, channel_id: str, user_id: str, role: str) -> None:
        """YouTube has no roles a bot can give."""
        raise PlatformError("YouTube has no roles to give")


class YouTubeWatcher:
    """Looks for the channel's live broadcast every `watch_seconds`; while live, polls its
    chat at the interval YouTube asks for."""

    def __init__(self, bot: ChatBot, chat: YouTubeChat, *, watch_seconds: float) -> None:
        self.bot = bot
        self.chat = chat
        self.watch_seconds = watch_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="youtube-watch", daemon=True)

    def start(self) -> None:
        """Watch in a thread of its own."""
        self._thread.start()

    def stop(self) -> None:
        """Stop watching and polling; send what is queued."""
        self._stop.set()
        self._thread.join(timeout=10)
        self.chat.outbox.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                found = self.chat.client.active_chat()
            except YouTubeError as exc:
                log.warning("youtube broadcast lookup failed", error=str(exc))
                found = None
            if found is not None:
                self._live(found[0], found[1])
            if self._stop.wait(self.watch_seconds):
                return

    def _live(self, chat_id: str, title: str) -> None:
        self.chat.live_chat = chat_id
        self.bot.handle_event(self._stream_event("stream_start", chat_id, {"title": title}))
        try:
            poll_forever(self.chat.client, chat_id, self.items, self._stop)
        finally:
            self.chat.live_chat = None
            if not self._stop.is_set():
                self.bot.handle_event(self._stream_event("stream_end", chat_id, {}))

    def _stream_event(self, kind: str, chat_id: str, data: dict[str, Any]) -> PlatformEventIn:
        return PlatformEventIn(
            id=f"{kind}:{chat_id}",
            platform="youtube",
            event_type=kind,
            channel_id=self.chat.channel_id,
            data={"live_chat_id": chat_id, **data},
            ts=datetime.now(UTC),
        )

    def items(self, items: list[dict[str, Any]]) -> None:
        """A page of chat into the pipeline."""
        for item in items:
            try:
                self._item(item)
            except Exception:
                log.exception("a youtube chat item failed", item_id=item.get("id"))

    def _item(self, item: dict[str, Any]) -> None:
        if item.get("id") in self.chat.sent_ids:
            return  # the bot's own words, read back
        snippet = item.get("snippet") or {}
        kind = snippet.get("type")
        at = datetime.fromisoformat(str(snippet.get("publishedAt", "")).replace("Z", "+00:00"))
        if kind == "textMessageEvent":
            self.bot.handle(chat_message(item, self.chat.channel_id, at))
        elif kind == "messageDeletedEvent":
            deleted = (snippet.get("messageDeletedDetails") or {}).get("deletedMessageId")
            if deleted:
                self.bot.message_deleted("youtube", str(deleted))
        else:
            event = support_event(item, self.chat.channel_id, at)
            if event is not None:
                self.bot.handle_event(event)


def _role(author: dict[str, Any]) -> str | None:
    if author.get("isChatOwner"):
        return "broadcaster"
    if author.get("isChatModerator"):
        return "moderator"
    return "subscriber" if author.get("isChatSponsor") else None


def chat_message(item: dict[str, Any], channel_id: str, at: datetime) -> MessageEvent:
    """A `textMessageEvent` as a `MessageEvent`."""
    snippet, author = item.get("snippet") or {}, item.get("authorDetails") or {}
    role = _role(author)
    text = (snippet.get("textMessageDetails") or {}).get("messageText") or snippet.get(
        "displayMessage", ""
    )
    return MessageEvent(
        id=str(item["id"]),
        platform="youtube",
        channel=ChannelRef(id=channel_id),
        author=AuthorRef(
            id=str(author.get("channelId") or snippet.get("authorChannelId")),
            name=str(author.get("displayName") or "someone"),
            role=role,
            is_mod=role in ("broadcaster", "moderator"),
        ),
        text=str(text),
        ts=at,
        meta={"live_chat_id": snippet.get("liveChatId")},
    )


def support_event(item: dict[str, Any], channel_id: str, at: datetime) -> PlatformEventIn | None:
    """Super Chats, new members and member milestones as platform events."""
    snippet, author = item.get("snippet") or {}, item.get("authorDetails") or {}
    kind = snippet.get("type")
    data: dict[str, Any] = {}
    if kind in ("superChatEvent", "superStickerEvent"):
        details = snippet.get("superChatDetails") or snippet.get("superStickerDetails") or {}
        event_type, amount = "donation", int(details.get("amountMicros") or 0) / 1_000_000
        data = {"currency": details.get("currency"), "display": details.get("amountDisplayString")}
    elif kind == "newSponsorEvent":
        event_type, amount = "subscription", 1.0
    elif kind == "memberMilestoneChatEvent":
        months = (snippet.get("memberMilestoneChatDetails") or {}).get("memberMonth") or 1
        event_type, amount = "subscription", float(months)
    else:
        return None
    return PlatformEventIn(
        id=str(item["id"]),
        platform="youtube",
        event_type=event_type,
        channel_id=channel_id,
        user_id=author.get("channelId"),
        user_name=author.get("displayName"),
        amount=amount,
        data=data or None,
        ts=at,
    )
