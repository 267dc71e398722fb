"""Twitch in the chat pipeline: EventSub notifications into the bot, its answers and actions out
through Helix, against the protocol-level fake of Twitch."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from chat_harness import ChatHarness
from fakes.twitch import CLIENT_ID, FakeEventSub, FakeHelix
from support import Tenant
from wavestack.bootstrap import Container
from wavestack.providers.chat.outbox import Outbox
from wavestack.providers.twitch import Helix, Notification, TwitchUser
from wavestack.services import auto_mod, bots, social_ingest
from wavestack.services.bots.twitch import TwitchChat, TwitchListener

BROADCASTER = TwitchUser("100", "streamerone", "StreamerOne")
BOT = TwitchUser("200", "wavebot", "WaveBot")


def chat_event(
    text: str, *, user: str = "viewer1", badges: list[str] | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "broadcaster_user_id": "100",
        "broadcaster_user_login": "streamerone",
        "chatter_user_id": extra.pop("user_id", f"u-{user}"),
        "chatter_user_login": user.lower(),
        "chatter_user_name": user,
        "message_id": extra.pop("message_id", f"msg-{user}-{abs(hash(text))}"),
        "message": {
            "text": text,
            "fragments": [{"type": "text", "text": text}]
            + [{"type": "emote", "text": "Kappa", "emote": {"id": "25"}}] * ("Kappa" in text),
        },
        "badges": [{"set_id": b, "id": "1", "info": ""} for b in badges or []],
        "message_type": "text",
        **extra,
    }


class CountingListener(TwitchListener):
    """The listener, counting the notifications it finished handling."""

    def __init__(self, *args: Any) -> None:
        self.done = 0
        self.changed = threading.Condition()
        super().__init__(*args)

    def notified(self, note: Notification) -> None:
        try:
            super().notified(note)
        finally:
            with self.changed:
                self.done += 1
                self.changed.notify_all()

    def wait_for(self, count: int) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: self.done >= count, timeout=5)


class Twitch:
    """The fake Twitch wired to a bot of the organization."""

    def __init__(
        self, container: Container, org_id: str, eventsub: FakeEventSub, **fake: Any
    ) -> None:
        self.helix_fake = FakeHelix(eventsub=eventsub, **fake)
        self.eventsub = eventsub
        helix = Helix(
            httpx.Client(transport=self.helix_fake.transport()),
            client_id=CLIENT_ID,
            token=lambda force: "good-token",
            base_url="https://api.twitch.test/helix",
        )
        self.chat = TwitchChat(helix, BOT, Outbox("twitch", limit=100, window=30.0))
        self.harness = ChatHarness(
            container,
            org_id,
            ports=bots.Ports(chat={"twitch": self.chat}, stream={"twitch": self.chat}),
        )
        self.listener = CountingListener(self.harness.bot, self.chat, BROADCASTER, eventsub.url)
        self.listener.start()
        assert self.listener.socket.ready.wait(5)

    def say(self, text: str, **kwargs: Any) -> list[str]:
        """A chat message arrives; returns what the bot posted in answer."""
        return self.event("channel.chat.message", chat_event(text, **kwargs))

    def event(self, kind: str, event: dict[str, Any]) -> list[str]:
        """A notification arrives; returns what the bot posted in answer."""
        before = len(self.helix_fake.called("POST", "/chat/messages"))
        expected = self.listener.done + 1
        assert self.eventsub.notify(kind, {"broadcaster_user_id": "100", **event}) == 1
        self.listener.wait_for(expected)
        self.chat.outbox.flush()
        return [b["message"] for _, b in self.helix_fake.called("POST", "/chat/messages")[before:]]


@pytest.fixture
def twitch(container: Container, tenant: Tenant) -> Iterator[Twitch]:
    with FakeEventSub(keepalive=5) as eventsub:
        wired = Twitch(container, tenant.org_id, eventsub)
        yield wired
        wired.listener.stop()


def test_every_event_is_subscribed_for_the_channel(twitch: Twitch) -> None:
    subscribed = twitch.helix_fake.called("POST", "/eventsub/subscriptions")
    kinds = {body["type"]: body for _, body in subscribed}
    assert set(kinds) == set(twitch.listener.subscribed)
    assert kinds["channel.chat.message"]["condition"] == {
        "broadcaster_user_id": "100",
        "user_id": "200",
    }
    assert kinds["channel.raid"]["condition"] == {"to_broadcaster_user_id": "100"}
    assert kinds["channel.follow"]["version"] == "2"
    assert kinds["channel.follow"]["condition"]["moderator_user_id"] == "200"
    assert kinds["stream.online"]["transport"]["method"] == "websocket"


def test_chat_commands_answer_through_helix(twitch: Twitch) -> None:
    answer = twitch.say("!roll", user="Viewer1")
    assert len(answer) == 1
    assert "rolled" in answer[0]
    replied = twitch.helix_fake.called("POST", "/chat/messages")[-1][1]
    assert replied["sender_id"] == "200"
    assert replied["reply_parent_message_id"].startswith("msg-Viewer1")
    assert twitch.say("just chatting Kappa", user="Viewer2") == []
    twitch.harness.bot.flush()
    stored = social_ingest.chat_between(
        twitch.harness.container.uow(),
        org_id=twitch.harness.org_id,
        platform="twitch",
        channel_id="100",
        since=datetime(2026, 1, 1, tzinfo=UTC),
        until=datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert [(r.author, r.text) for r in stored][-1] == ("Viewer2", "just chatting Kappa")
    assert twitch.say("I am the bot", user="WaveBot", user_id="200") == []  # its own words


def test_roles_come_from_badges(twitch: Twitch) -> None:
    assert "only a moderator" in twitch.say("!settitle New title", user="Viewer3")[0]
    twitch.say("!settitle Speedruns tonight", user="ModPerson", badges=["moderator"])
    assert twitch.helix_fake.accounts["100"].title == "Speedruns tonight"
    answer = twitch.say(
        "!setgame super smash bros. ultimate", user="StreamerOne", badges=["broadcaster"]
    )
    assert "Super Smash Bros. Ultimate" in answer[0]
    assert twitch.helix_fake.accounts["100"].game == "Super Smash Bros. Ultimate"


def test_support_events_are_thanked(twitch: Twitch) -> None:
    assert twitch.event(
        "channel.subscription.message",
        {"user_id": "u9", "user_name": "Loyal", "tier": "1000", "cumulative_months": 12},
    ) == ["Thanks Loyal for resubscribing, 12 months!"]
    assert twitch.event(
        "channel.subscription.gift", {"is_anonymous": True, "total": 5, "tier": "1000"}
    ) == ["Thanks someone for gifting 5 subs!"]
    assert twitch.event("channel.cheer", {"user_id": "u8", "user_name": "Bitsy", "bits": 500}) == [
        "Thanks Bitsy for the 500 bits!"
    ]
    raid = {
        "to_broadcaster_user_id": "100",
        "from_broadcaster_user_id": "300",
        "from_broadcaster_user_name": "FriendlyRaider",
        "viewers": 42,
    }
    assert twitch.event("channel.raid", raid) == [
        "Welcome raiders from FriendlyRaider! (42 viewers)"
    ]
    twitch.event("stream.online", {"type": "live", "started_at": "2026-11-26T18:00:00Z"})
    assert twitch.harness.bot.live_since("twitch", "100") is not None
    twitch.event("stream.offline", {})
    assert twitch.harness.bot.live_since("twitch", "100") is None


def test_auto_mod_acts_through_helix(twitch: Twitch) -> None:
    auto_mod.attach(twitch.harness.bot)
    twitch.say("you are a fucking idiot", user="Troll", message_id="bad-1")
    deleted = twitch.helix_fake.called("DELETE", "/moderation/chat")
    assert deleted[0][0] == {"broadcaster_id": "100", "moderator_id": "200", "message_id": "bad-1"}


def test_a_refused_subscription_leaves_the_others(container: Container, tenant: Tenant) -> None:
    with FakeEventSub(keepalive=5) as eventsub:
        wired = Twitch(container, tenant.org_id, eventsub, refused_types={"channel.subscribe"})
        try:
            assert "channel.subscribe" not in wired.listener.subscribed
            assert "channel.chat.message" in wired.listener.subscribed
            assert "rolled" in wired.say("!roll")[0]
        finally:
            wired.listener.stop()
