"""The console chat adapter: you are a viewer in a terminal, the bot answers as on a platform.

Lines are chat messages. Lines starting with `::` steer the console itself:
`::as NAME`, `::role ROLE`, `::platform NAME`, `::live`, `::offline`, `::wait SECONDS`,
`::event TYPE [AMOUNT]` (subscription, gift_subscription, bits, donation, raid, follow),
`::help`, `::quit`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from wavestack.kernel.ids import new_id
from wavestack.services.bots.runtime import ChatBot
from wavestack.services.social_ingest import AuthorRef, ChannelRef, MessageEvent, PlatformEventIn

CHANNEL = ChannelRef(id="console", name="console")
EVENT_TYPES = ("subscription", "gift_subscription", "bits", "donation", "raid", "follow")
ROLES = ("viewer", "subscriber", "vip", "moderator", "broadcaster")
PLATFORMS = ("twitch", "discord", "youtube", "telegram", "whatsapp")


@dataclass
class Speaker:
    """Who the console user is speaking as."""

    name: str
    role: str
    platform: str


class Console:
    """Feeds typed lines to a bot as chat messages from one speaker on one platform."""

    def __init__(
        self,
        bot: ChatBot,
        speaker: Speaker,
        *,
        note: Callable[[str], None],
        tick_seconds: float = 0.2,
    ) -> None:
        self.bot = bot
        self.speaker = speaker
        self._note = note
        self._tick_seconds = tick_seconds

    def message(self, text: str) -> MessageEvent:
        """The chat message a line becomes."""
        s = self.speaker
        return MessageEvent(
            id=new_id(),
            platform=s.platform,
            channel=CHANNEL,
            author=AuthorRef(
                id=f"console:{s.name.casefold()}",
                name=s.name,
                role=None if s.role == "viewer" else s.role,
                is_mod=s.role in ("moderator", "broadcaster"),
            ),
            text=text,
            ts=self.bot.clock(),
        )

    def feed(self, line: str) -> bool:
        """Handle one line; returns False when the console should stop."""
        line = line.rstrip("\n")
        if not line.strip():
            return True
        if line.startswith("::"):
            return self._control(line[2:].split())
        self.bot.handle(self.message(line))
        return True

    def run(self, lines: Iterable[str]) -> None:
        """Feed lines until they end (or `::quit`), then write everything buffered."""
        try:
            for line in lines:
                self.bot.tick()
                if not self.feed(line):
                    break
            self.bot.tick()
        finally:
            self.bot.flush()

    def wait(self, seconds: float) -> None:
        """Let time pass with the bot ticking (giveaways end, timers fire, rounds expire)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            time.sleep(min(self._tick_seconds, left))
            self.bot.tick()

    def _control(self, words: list[str]) -> bool:
        if not words:
            return True
        verb, args = words[0].lower(), words[1:]
        if verb == "quit":
            return False
        if verb == "as" and args:
            self.speaker.name = args[0].lstrip("@")
        elif verb == "role" and args and args[0] in ROLES:
            self.speaker.role = args[0]
        elif verb == "platform" and args and args[0] in PLATFORMS:
            self.speaker.platform = args[0]
        elif verb == "wait" and args and _number(args[0]) is not None:
            self.wait(float(args[0]))
            return True
        elif verb in ("live", "offline"):
            self._event("stream_start" if verb == "live" else "stream_end", None)
            return True
        elif verb == "event" and args and args[0] in EVENT_TYPES:
            self._event(args[0], _number(args[1]) if len(args) > 1 else None)
            return True
        else:
            self._note(
                "console: ::as NAME | ::role "
                + "|".join(ROLES)
                + " | ::platform "
                + "|".join(PLATFORMS)
                + " | ::live | ::offline | ::wait SECONDS | ::event "
                + "|".join(EVENT_TYPES)
                + " [AMOUNT] | ::quit"
            )
            return True
        self._note(f"console: {self.speaker.name} ({self.speaker.role}) on {self.speaker.platform}")
        return True

    def _event(self, event_type: str, amount: float | None) -> None:
        s = self.speaker
        self.bot.handle_event(
            PlatformEventIn(
                id=new_id(),
                platform=s.platform,
                event_type=event_type,
                channel_id=CHANNEL.id,
                user_id=f"console:{s.name.casefold()}",
                user_name=s.name,
                amount=amount,
                ts=self.bot.clock(),
            )
        )


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
