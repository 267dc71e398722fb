"""Helix and EventSub against a protocol-level fake of Twitch."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from fakes.twitch import CLIENT_ID, FakeEventSub, FakeHelix
from support import wait_until
from wavestack.providers.chat.outbox import Outbox
from wavestack.providers.twitch import EventSubSocket, Helix, Notification, TwitchError
from wavestack.providers.twitch.eventsub import parse_time


class Tokens:
    """A token source whose stored token went stale; a forced refresh brings a good one."""

    def __init__(self, current: str = "stale-token") -> None:
        self.current = current
        self.refreshes = 0

    def __call__(self, force: bool) -> str:
        if force:
            self.refreshes += 1
            self.current = "good-token"
        return self.current


def helix_for(fake: FakeHelix, tokens: Tokens | None = None, **kwargs: object) -> Helix:
    return Helix(
        httpx.Client(transport=fake.transport()),
        client_id=CLIENT_ID,
        token=tokens or Tokens("good-token"),
        base_url="https://api.twitch.test/helix",
        **kwargs,  # type: ignore[arg-type]
    )


def test_401_refreshes_the_token_and_retries() -> None:
    fake, tokens = FakeHelix(), Tokens()
    helix = helix_for(fake, tokens)
    assert helix.user("@StreamerOne").id == "100"
    assert tokens.refreshes == 1
    assert helix.user("wavebot").id == "200"
    assert tokens.refreshes == 1  # the fresh token is kept
    fake.tokens = set()  # revoked on Twitch's side: the refresh does not help
    with pytest.raises(TwitchError, match="connect Twitch again") as refused:
        helix.user("wavebot")
    assert refused.value.status == 401


def test_429_waits_until_the_reset_and_retries() -> None:
    fake = FakeHelix(throttle=2, reset_in=3)
    slept: list[float] = []
    helix = helix_for(fake, sleep=slept.append)
    helix.send_chat("100", "200", "hello chat")
    assert len(slept) == 2
    assert all(2.0 <= wait <= 3.0 for wait in slept)
    assert [b["message"] for _, b in fake.called("POST", "/chat/messages")] == ["hello chat"]
    fake.throttle, fake.reset_in = 1, 600
    with pytest.raises(TwitchError, match="rate limiting"):
        helix.send_chat("100", "200", "again")


def test_chat_moderation_and_channel_calls() -> None:
    fake = FakeHelix()
    helix = helix_for(fake)
    helix.send_chat("100", "200", "answer", reply_to="m-1")
    assert fake.called("POST", "/chat/messages")[0][1] == {
        "broadcaster_id": "100",
        "sender_id": "200",
        "message": "answer",
        "reply_parent_message_id": "m-1",
    }
    with pytest.raises(TwitchError, match="AutoMod held it"):
        helix.send_chat("100", "200", "bad words")
    helix.delete_message("100", "200", "m-2")
    assert fake.called("DELETE", "/moderation/chat")[0][0] == {
        "broadcaster_id": "100",
        "moderator_id": "200",
        "message_id": "m-2",
    }
    helix.ban("100", "200", "666", seconds=600, reason="spam")
    helix.ban("100", "200", "667", seconds=None, reason="hate")
    bans = [b["data"] for _, b in fake.called("POST", "/moderation/bans")]
    assert bans == [
        {"user_id": "666", "reason": "spam", "duration": 600},
        {"user_id": "667", "reason": "hate"},
    ]
    game_id, name = helix.game("super smash bros. ultimate")
    helix.modify_channel("100", title="new title", game_id=game_id)
    assert (fake.accounts["100"].title, fake.accounts["100"].game) == ("new title", name)
    with pytest.raises(TwitchError, match="no category"):
        helix.game("Not A Game")
    with pytest.raises(TwitchError, match="not live"):
        helix.start_raid("100", "300")
    assert helix.create_clip("100") == "ClipId123"
    assert helix.create_poll("100", "Next game?", ["A", "B"], 60) == "poll-1"


def test_the_outbox_keeps_chat_under_the_rate() -> None:
    clock = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    sent: list[int] = []
    outbox = Outbox("test", limit=3, window=30.0, clock=lambda: clock[0], sleep=sleep)
    for n in range(7):
        outbox.message(lambda n=n: sent.append(n))  # type: ignore[misc]
    outbox.action(lambda: 1 / 0, "a failing call")  # logged, the rest goes on
    outbox.flush()
    assert sent == list(range(7))
    assert waits == [30.0, 30.0]  # messages 4 and 7 waited for room
    assert outbox.failures == 1
    outbox.close()


# -- EventSub -------------------------------------------------------------------------------


class Received:
    def __init__(self) -> None:
        self.items: list[Notification] = []
        self.changed = threading.Condition()

    def __call__(self, note: Notification) -> None:
        with self.changed:
            self.items.append(note)
            self.changed.notify_all()

    def wait(self, count: int) -> list[Notification]:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.items) >= count, timeout=5), self.items
            return list(self.items)


@pytest.fixture
def eventsub() -> Iterator[FakeEventSub]:
    with FakeEventSub(keepalive=1) as server:
        yield server


def listening(server: FakeEventSub, received: Received, sessions: list[str]) -> EventSubSocket:
    def on_session(session_id: str) -> None:
        sessions.append(session_id)
        server.subscribe(session_id, "channel.chat.message")

    socket = EventSubSocket(
        server.url, on_session=on_session, on_notification=received, grace=0.5, backoff=(0.05, 0.2)
    )
    socket.start()
    assert socket.ready.wait(5)
    return socket


def test_notifications_are_delivered_once(eventsub: FakeEventSub) -> None:
    received, sessions = Received(), []
    socket = listening(eventsub, received, sessions)
    try:
        assert eventsub.notify("channel.chat.message", {"message_id": "a"}, message_id="n1") == 1
        assert eventsub.notify("channel.chat.message", {"message_id": "a"}, message_id="n1") == 1
        assert eventsub.notify("channel.cheer", {"bits": 5}) == 0  # not subscribed
        eventsub.notify("channel.chat.message", {"message_id": "b"}, message_id="n2")
        notes = received.wait(2)
        time.sleep(0.1)
        assert [n.event["message_id"] for n in received.items] == ["a", "b"]
        assert notes[0].kind == "channel.chat.message"
        assert notes[0].at == datetime(2026, 11, 26, 18, 30, 0, 123456, tzinfo=UTC)
    finally:
        socket.stop()


def test_session_reconnect_keeps_the_subscriptions(eventsub: FakeEventSub) -> None:
    received, sessions = Received(), []
    socket = listening(eventsub, received, sessions)
    try:
        eventsub.reconnect()
        wait_until(lambda: eventsub.welcomed == 2)
        time.sleep(0.2)
        assert len(sessions) == 1  # carried over: not subscribed again
        assert eventsub.notify("channel.chat.message", {"message_id": "after"}) == 1
        assert received.wait(1)[0].event["message_id"] == "after"
    finally:
        socket.stop()


def test_a_dropped_or_silent_session_is_replaced_and_subscribed_again(
    eventsub: FakeEventSub,
) -> None:
    received, sessions = Received(), []
    socket = listening(eventsub, received, sessions)
    try:
        eventsub.drop(4000)
        wait_until(lambda: len(sessions) == 2)
        eventsub.silent = True  # no keepalives: the client must notice within keepalive+grace
        wait_until(lambda: len(sessions) == 3, timeout=8)
        eventsub.silent = False
        assert sessions[0] != sessions[1] != sessions[2]
        assert eventsub.notify("channel.chat.message", {"message_id": "x"}) >= 1
        assert received.wait(1)[0].event["message_id"] == "x"
    finally:
        socket.stop()


def test_twitch_times_parse() -> None:
    assert parse_time("2023-07-19T14:56:51.634234626Z") == datetime(
        2023, 7, 19, 14, 56, 51, 634234, tzinfo=UTC
    )
    assert parse_time("2023-07-19T14:56:51Z").tzinfo is not None
    assert parse_time("garbage").tzinfo is not None
