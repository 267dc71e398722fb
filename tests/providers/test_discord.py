"""The Discord client (discord.py) against a protocol-level fake of Discord's gateway and REST
API: events in, messages and moderation out, 429s waited out, a dropped gateway resumed."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from fakes.discord import (
    APP_ID,
    BOT_ID,
    FAN_ROLE,
    GENERAL,
    GUILD_ID,
    OWNER_ID,
    TOKEN,
    FakeDiscord,
)
from support import wait_until
from wavestack.providers.discord import (
    ButtonPress,
    DiscordClient,
    DiscordEvent,
    DiscordFailed,
    Embed,
    MemberChange,
    Posted,
    SlashCall,
    SlashCommand,
    SlashOption,
)

VIEWER, MOD = "1003", "1002"


@pytest.fixture
def fake() -> Iterator[FakeDiscord]:
    with FakeDiscord() as server:
        yield server


@pytest.fixture
def connected(fake: FakeDiscord) -> Iterator[tuple[DiscordClient, list[DiscordEvent]]]:
    events: list[DiscordEvent] = []
    client = DiscordClient(
        TOKEN,
        api_url=fake.api_url,
        gateway_url=fake.gateway_url,
        on_event=events.append,
        guild_ready_timeout=0.1,
    )
    client.start(timeout=10)
    try:
        yield client, events
    finally:
        client.stop()


def test_events_arrive_as_plain_shapes(
    fake: FakeDiscord, connected: tuple[DiscordClient, list[DiscordEvent]]
) -> None:
    client, events = connected
    assert (client.user_id, client.username, client.application_id) == (BOT_ID, "wavebot", APP_ID)
    said = fake.say(VIEWER, "hello there")
    fake.say(OWNER_ID, "welcome all")
    fake.slash(
        MOD,
        "give",
        [{"name": "user", "type": 6, "value": VIEWER}, {"name": "amount", "type": 4, "value": 50}],
        resolved={"users": {VIEWER: fake.users[VIEWER].payload()}},
    )
    fake.join("1010", "newbie")
    fake.leave("1010")
    wait_until(lambda: len(events) == 5)
    # discord.py runs each event's handler as a task of its own: the slash command, which
    # waits for its deferral, may come after the events that followed it.
    hello, owner = (e for e in events if isinstance(e, Posted))
    (call,) = (e for e in events if isinstance(e, SlashCall))
    joined, left = (e for e in events if isinstance(e, MemberChange))
    assert (hello.id, hello.channel_id, hello.guild_id, hello.text) == (
        said,
        GENERAL,
        GUILD_ID,
        "hello there",
    )
    assert (hello.author.name, hello.author.role, hello.channel_name) == (
        "viewerval",
        None,
        "general",
    )
    assert owner.author.role == "broadcaster"
    assert (call.name, call.options, call.author.role) == (
        "give",
        {"user": "viewerval", "amount": "50"},
        "moderator",
    )
    # Answered within Discord's 3 s before anyone handled it: a "thinking..." deferral.
    assert fake.replies_to(call.interaction_id) == [{"type": 5}]
    assert (joined.joined, joined.member.name, joined.channel_id) == (True, "newbie", "2001")
    assert left.joined is False


def test_sending_answering_and_moderating(
    fake: FakeDiscord, connected: tuple[DiscordClient, list[DiscordEvent]]
) -> None:
    client, events = connected
    asked = fake.say(VIEWER, "!roll")
    client.send(GENERAL, "rolled 4", reply_to=asked)
    client.send(
        GENERAL,
        "Pick one",
        embed=Embed("A card", url="https://example.com/", fields=(("Game", "Celeste"),)),
        buttons=[("Rock", "ws:rps rock"), ("Paper", "ws:rps paper")],
    )
    client.flush()
    reply, card = fake.posted(GENERAL)
    assert reply["content"] == "rolled 4"
    assert str(reply["message_reference"]["message_id"]) == asked
    assert card["embeds"][0]["title"] == "A card"
    assert card["embeds"][0]["fields"] == [{"name": "Game", "value": "Celeste", "inline": True}]
    buttons = card["components"][0]["components"]
    assert [(b["label"], b["custom_id"]) for b in buttons] == [
        ("Rock", "ws:rps rock"),
        ("Paper", "ws:rps paper"),
    ]

    fake.press(VIEWER, str(card["id"]), "ws:rps paper")
    wait_until(lambda: any(isinstance(e, ButtonPress) for e in events))
    press = next(e for e in events if isinstance(e, ButtonPress))
    assert (press.custom_id, press.author.id) == ("ws:rps paper", VIEWER)
    assert client.is_interaction(press.interaction_id)
    client.respond(press.interaction_id, "paper covers rock")
    client.finish(press.interaction_id)
    client.flush()
    wait_until(lambda: not client.is_interaction(press.interaction_id))
    deferred, answer = fake.replies_to(press.interaction_id)
    assert deferred == {"type": 6}  # a press is acknowledged without "thinking..."
    assert answer["content"] == "paper covers rock"

    unanswered = fake.slash(VIEWER, "lurk")
    wait_until(lambda: any(isinstance(e, SlashCall) for e in events))
    client.finish(unanswered)
    client.flush()
    wait_until(lambda: len(fake.replies_to(unanswered)) == 2)
    assert fake.replies_to(unanswered)[1] == {"method": "DELETE", "original": True}

    client.delete_message(GENERAL, asked, "spam")
    client.timeout(GUILD_ID, VIEWER, 600, "toxic")
    client.ban(GUILD_ID, VIEWER, "bot account")
    client.add_role(GUILD_ID, VIEWER, "fan")
    client.flush()
    deleted = fake.calls_to("DELETE", rf"/channels/{GENERAL}/messages/{asked}")
    assert deleted[0].reason == "spam"
    timed_out = fake.calls_to("PATCH", rf"/guilds/{GUILD_ID}/members/{VIEWER}")[0]
    assert timed_out.reason == "toxic"
    assert timed_out.body["communication_disabled_until"] > "2026"
    assert fake.calls_to("PUT", rf"/guilds/{GUILD_ID}/bans/{VIEWER}")[0].reason == "bot account"
    assert FAN_ROLE in fake.users[VIEWER].roles
    with pytest.raises(DiscordFailed, match="no role 'superstar'"):
        client.add_role(GUILD_ID, VIEWER, "superstar")
    assert client.guild_of(GENERAL) == GUILD_ID
    with pytest.raises(DiscordFailed, match="not in a server"):
        client.guild_of("424242")


def test_a_429_is_waited_out(
    fake: FakeDiscord, connected: tuple[DiscordClient, list[DiscordEvent]]
) -> None:
    client, _ = connected
    fake.throttle, fake.retry_after = 1, 0.5
    began = time.monotonic()
    client.send(GENERAL, "after the wait").result(10)
    assert time.monotonic() - began >= 0.5
    assert len(fake.calls_to("POST", rf"/channels/{GENERAL}/messages")) == 2
    assert [m["content"] for m in fake.posted(GENERAL)] == ["after the wait"]


def test_a_dropped_gateway_is_resumed_with_what_was_missed(
    fake: FakeDiscord, connected: tuple[DiscordClient, list[DiscordEvent]]
) -> None:
    client, events = connected
    fake.refuse_connections = 1  # the first try after the drop fails: backoff, then again
    fake.drop()
    fake.say(VIEWER, "said while the bot was away")
    wait_until(lambda: fake.resumed == 1, timeout=15)
    assert fake.identified == 1  # resumed, not a new session
    fake.say(VIEWER, "said after")
    wait_until(lambda: len(events) == 2)
    assert [e.text for e in events if isinstance(e, Posted)] == [
        "said while the bot was away",
        "said after",
    ]
    client.send(GENERAL, "still here").result(10)


def test_slash_commands_are_registered(
    fake: FakeDiscord, connected: tuple[DiscordClient, list[DiscordEvent]]
) -> None:
    client, _ = connected
    commands = [
        SlashCommand(
            "poll",
            "Start a poll",
            (
                SlashOption("seconds", "how long", "integer", min_value=10, max_value=600),
                SlashOption("question", "what to ask", required=True, max_length=200),
            ),
            permission="moderator",
        ),
        SlashCommand("rps", "", (SlashOption("choice", "pick", choices=("rock", "paper")),)),
    ]
    assert client.register_commands(commands, GUILD_ID) == 2
    poll, rps = fake.commands[GUILD_ID]
    assert [o["name"] for o in poll["options"]] == ["question", "seconds"]  # required first
    assert poll["default_member_permissions"] == str(1 << 40)
    assert poll["options"][1] | {} == {
        "type": 4,
        "name": "seconds",
        "description": "how long",
        "required": False,
        "min_value": 10,
        "max_value": 600,
    }
    assert rps["description"] == "rps"
    assert rps["options"][0]["choices"] == [
        {"name": "rock", "value": "rock"},
        {"name": "paper", "value": "paper"},
    ]
    assert client.register_commands(commands[:1]) == 1
    assert [c["name"] for c in fake.commands["global"]] == ["poll"]
    with pytest.raises(ValueError, match="not a valid slash command name"):
        SlashCommand("Has Space", "no").payload()


def test_a_bad_token_is_refused(fake: FakeDiscord) -> None:
    client = DiscordClient("wrong", api_url=fake.api_url, gateway_url=fake.gateway_url)
    with pytest.raises(DiscordFailed, match="refused the bot token"):
        client.check()
    client = DiscordClient("wrong", api_url=fake.api_url, gateway_url=fake.gateway_url)
    try:
        with pytest.raises(DiscordFailed, match="refused the bot token"):
            client.start(timeout=10)
    finally:
        client.stop()


def test_an_unreachable_gateway_gives_up_cleanly(fake: FakeDiscord) -> None:
    fake.refuse_connections = 1000
    client = DiscordClient(TOKEN, api_url=fake.api_url, gateway_url=fake.gateway_url)
    # (discord.py gives up by itself after its first backoff, or the wait runs out first.)
    with pytest.raises(DiscordFailed, match=r"gateway could not be reached|did not say READY"):
        client.start(timeout=1)
    refused = fake.refuse_connections
    time.sleep(0.5)
    assert fake.refuse_connections == refused  # stopped trying
