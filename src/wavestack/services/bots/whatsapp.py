"""WhatsApp in the chat pipeline: customers' messages (from the webhook, over the live bus)
into the bot, and its answers out through the Cloud API, as free-form text within 24 hours
of the customer's last message and as the approved template after that."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog

from wavestack.kernel.bus import LiveBus
from wavestack.kernel.clock import utcnow
from wavestack.kernel.messages import Envelope
from wavestack.providers.chat.outbox import Outbox
from wavestack.providers.chat.port import PlatformError
from wavestack.providers.whatsapp import Inbound, WhatsAppCloud
from wavestack.services.social_ingest import AuthorRef, ChannelRef, MessageEvent

if TYPE_CHECKING:
    from wavestack.services.bots.runtime import ChatBot

log = structlog.get_logger(__name__)
INBOUND = "whatsapp.message"  # the live-bus envelope a webhook delivery becomes
SERVICE_WINDOW = timedelta(hours=24)


def inbound_envelope(org_id: str, message: Inbound) -> Envelope:
    """What the webhook route publishes for the bots process."""
    data = asdict(message)
    data["at"] = message.at.isoformat()
    return Envelope(type=INBOUND, org_id=org_id, data=data)


class WhatsAppChat:
    """The chat port on WhatsApp: one conversation per customer (their number)."""

    platform = "whatsapp"

    def __init__(
        self,
        cloud: WhatsAppCloud,
        *,
        template: str = "",
        template_language: str = "en",
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.cloud = cloud
        self.template = template
        self.template_language = template_language
        self._clock = clock
        self.last_heard: dict[str, datetime] = {}  # customer -> their latest message
        self.outbox = Outbox("whatsapp", limit=80, window=1.0)

    def heard(self, wa_id: str, at: datetime) -> None:
        """A customer wrote: the 24-hour window opens again."""
        self.last_heard[wa_id] = max(at, self.last_heard.get(wa_id, at))

    def send(self, channel_id: str, text: str, *, reply_to: str | None = None) -> None:
        """Text inside the window; outside it the template, or nothing (logged)."""
        heard = self.last_heard.get(channel_id)
        if heard is not None and self._clock() - heard <= SERVICE_WINDOW:
            self.outbox.message(lambda: self.cloud.send_text(channel_id, text, reply_to=reply_to))
        elif self.template:
            self.outbox.message(
                lambda: self.cloud.send_template(
                    channel_id, self.template, self.template_language, [text]
                )
            )
        else:
            raise PlatformError(
                "more than 24 hours since this customer wrote; set WAVESTACK_WHATSAPP_TEMPLATE "
                "to answer with an approved template"
            )

    def delete_message(self, channel_id: str, message_id: str, *, reason: str = "") -> None:
        """A customer's message cannot be removed from their phone."""
        raise PlatformError("WhatsApp cannot delete a customer's message")

    def timeout(self, channel_id: str, user_id: str, seconds: int, reason: str) -> None:
        """There is no timeout on WhatsApp."""
        raise PlatformError("WhatsApp has no timeouts")

    def ban(self, channel_id: str, user_id: str, reason: str) -> None:
        """Blocking a customer is done in WhatsApp Manager."""
        raise PlatformError("block the number in WhatsApp Manager")

    def assign_role(self, channel_id: str, user_id: str, role: str) -> None:
        """WhatsApp has no roles."""
        raise PlatformError("WhatsApp has no roles to give")


class WhatsAppListener:
    """Feeds a bot from the webhook's deliveries on the live bus (any process may take the
    webhook), one message at a time in a thread of its own."""

    def __init__(self, bot: ChatBot, chat: WhatsAppChat, bus: LiveBus) -> None:
        self.bot = bot
        self.chat = chat
        self._work = Outbox("whatsapp-in", limit=1_000_000, window=1.0)
        self._lock = threading.Lock()
        self._unsubscribe = bus.listen(self.envelope)

    def envelope(self, envelope: Envelope) -> None:
        """Take this organization's WhatsApp messages off the bus."""
        if envelope.type == INBOUND and envelope.org_id == self.bot.org_id:
            self._work.action(lambda: self.handle(envelope.data), "whatsapp message")

    def handle(self, data: dict[str, Any]) -> None:
        """One customer message into the pipeline."""
        at = datetime.fromisoformat(str(data["at"]))
        self.chat.heard(str(data["wa_id"]), at)
        if data.get("kind") != "text":
            return
        customer, name = str(data["wa_id"]), str(data.get("name") or data["wa_id"])
        meta: dict[str, Any] = {"phone_number_id": data.get("phone_number_id")}
        if data.get("reply_to"):
            meta["reply_to"] = data["reply_to"]
        self.bot.handle(
            MessageEvent(
                id=str(data["message_id"]),
                platform="whatsapp",
                channel=ChannelRef(id=customer, name=name),
                author=AuthorRef(id=customer, name=name),
                text=str(data.get("text", "")),
                ts=at,
                meta=meta,
            )
        )

    def stop(self) -> None:
        """Stop listening; finish and send what is queued."""
        self._unsubscribe()
        self._work.close()
        self.chat.outbox.close()
