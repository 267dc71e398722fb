"""The bot on Discord, end to end against a protocol-level fake of Discord (gateway and REST):
connecting the bot, slash commands from the engine's definitions, buttons for rock-paper-
scissors and trivia, welcomes with the auto role, points kept on rejoin, moderation and
go-live alerts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from fakes.discord import (
    APP_ID,
    FAN_ROLE,
    GENERAL,
    GUILD_ID,
    LIVE,
    TOKEN,
    WELCOME,
    FakeDiscord,
)
from support import Tenant, wait_until
from wavestack.adapters import ChatAdapters
from wavestack.bootstrap import Container
from wavestack.connect import ConnectFailed, connect_discord
from wavestack.providers.discord import DiscordSettings
from wavestack.providers.twitch import TwitchSettings
from wavestack.services import bots
from wavestack.services.bots import games
from wavestack.services.social_ingest import PlatformEventIn

VIEWER, MOD, NEWBIE = "1003", "1002", "1010"


@pytest.fixture
def fake() -> Iterator[FakeDiscord]:
    with FakeDiscord() as server:
        yield server


@pytest.fixture
def discord_settings(fake: FakeDiscord) -> DiscordSettings:
    return DiscordSettings(
        api_url=fake.api_url,
        gateway_url=fake.gateway_url,
        guild_id=GUILD_ID,
        live_channel_id=LIVE,
        guild_ready_seconds=0.1,
    )


@pytest.fixture
def running(
    container: Container,
    tenant: Tenant,
    discord_settings: DiscordSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[ChatAdapters]:
    settings = discord_settings
    monkeypatch.setenv("WAVESTACK_BOTS_AUTO_ROLE", "Fan")
    opened: list[str] = []
    connect_discord(container, settings, org_id=tenant.org_id, token=TOKEN, open_url=opened.append)
    assert opened[0].startswith(f"https://discord.com/oauth2/authorize?client_id={APP_ID}&")
    adapters = ChatAdapters(container, twitch=TwitchSettings(client_id=""), discord=settings)
    try:
        assert adapters.start() == ["discord: wavebot"]
        yield adapters
    finally:
        adapters.stop()


def answered(fake: FakeDiscord, interaction: str, count: int = 2) -> list[dict[str, Any]]:
    wait_until(lambda: len(fake.replies_to(interaction)) >= count)
    return fake.replies_to(interaction)


def test_a_bad_token_is_not_stored(
    container: Container, tenant: Tenant, discord_settings: DiscordSettings
) -> None:
    settings = discord_settings
    with pytest.raises(ConnectFailed, match="refused the bot token"):
        connect_discord(container, settings, org_id=tenant.org_id, token="nope", open_url=print)
    with pytest.raises(ConnectFailed, match="Developer Portal"):
        connect_discord(container, settings, org_id=tenant.org_id, token=" ", open_url=print)


def test_slash_commands_come_from_the_engine(fake: FakeDiscord, running: ChatAdapters) -> None:
    wait_until(lambda: GUILD_ID in fake.commands)
    registered = {c["name"]: c for c in fake.commands[GUILD_ID]}
    engine = running.running[0].bot.commands.commands
    assert set(registered) == {c.name for c in engine}
    assert len(registered) <= 100
    assert "permit" in registered  # auto-mod's commands are there too
    assert registered["permit"]["default_member_permissions"] == str(1 << 40)
    roll = registered["roll"]
    assert roll["description"] == "Roll dice."
    assert [(o["name"], o["type"], o["min_value"], o["max_value"]) for o in roll["options"]] == [
        ("dice", 4, 1, 10),
        ("sides", 4, 2, 100),
    ]
    assert registered["give"]["options"][0]["type"] == 6  # a member picker

    # A typed command is answered in the channel, as a reply.
    asked = fake.say(VIEWER, "!roll")
    wait_until(lambda: fake.posted(GENERAL))
    reply = fake.posted(GENERAL)[0]
    assert "rolled" in reply["content"]
    assert str(reply["message_reference"]["message_id"]) == asked

    # A slash command is deferred at once, then answered in its interaction.
    call = fake.slash(MOD, "roll", [{"name": "dice", "type": 4, "value": 2}])
    deferred, answer = answered(fake, call)
    assert deferred == {"type": 5}
    assert "rolled" in answer["content"]
    assert "(2d6)" in answer["content"]

    # One that answers nothing itself loses its "thinking..." message (ending a giveaway
    # announces the draw in the channel).
    fake.say(MOD, "!giveaway Steam key 10")
    wait_until(lambda: len(fake.posted(GENERAL)) == 3)
    quiet = fake.slash(MOD, "endgiveaway")
    assert answered(fake, quiet) == [{"type": 5}, {"method": "DELETE", "original": True}]
    wait_until(lambda: len(fake.posted(GENERAL)) == 4)
    assert "giveaway" in fake.posted(GENERAL)[3]["content"].lower()


def test_rock_paper_scissors_with_buttons(fake: FakeDiscord, running: ChatAdapters) -> None:
    call = fake.slash(VIEWER, "rps")
    _, question = answered(fake, call)
    buttons = question["components"][0]["components"]
    assert [(b["label"], b["custom_id"]) for b in buttons] == [
        ("Rock", "ws:rps rock"),
        ("Paper", "ws:rps paper"),
        ("Scissors", "ws:rps scissors"),
    ]
    shown = next(m for m in fake.posted() if m["content"] == question["content"])
    press = fake.press(VIEWER, str(shown["id"]), "ws:rps paper")
    deferred, result = answered(fake, press)
    assert deferred == {"type": 6}
    assert result["content"].startswith("@viewerval ")
    assert any(word in result["content"] for word in ("tie", "you win", "I win"))


def test_trivia_with_buttons(fake: FakeDiscord, running: ChatAdapters) -> None:
    call = fake.slash(VIEWER, "trivia")
    _, question = answered(fake, call)
    labels = [b["label"] for b in question["components"][0]["components"]]
    assert 2 <= len(labels) <= 4
    bot = running.running[0].bot
    round_ = games._rounds(bot)[("discord", GENERAL)]
    right = next(label for label in labels if games.normalize(label) in round_.answers)
    wrong = next(label for label in labels if label != right)
    shown = str(next(m for m in fake.posted() if m["content"] == question["content"])["id"])

    # (A moderator, who has no cooldown between presses.)
    first = fake.press(MOD, shown, f"ws:answer {wrong}")
    assert "not quite" in answered(fake, first)[1]["content"]
    again = fake.press(MOD, shown, f"ws:answer {right}")
    assert "one guess per question" in answered(fake, again)[1]["content"]
    winner = fake.press(VIEWER, shown, f"ws:answer {right}")
    assert answered(fake, winner)[1]["content"].startswith("@viewerval got it")


def test_welcome_auto_role_and_points_kept_on_rejoin(
    fake: FakeDiscord, running: ChatAdapters
) -> None:
    fake.join(NEWBIE, "newbie")
    wait_until(lambda: fake.posted(WELCOME) and FAN_ROLE in fake.users[NEWBIE].roles)
    assert fake.posted(WELCOME)[0]["content"] == "Welcome, newbie!"
    fake.say(NEWBIE, "hi all")  # chatting earns a point
    fake.say(NEWBIE, "!points")
    wait_until(lambda: len(fake.posted(GENERAL)) == 1)
    # (XP shows once written, which may be after the reply: the points are what counts.)
    assert fake.posted(GENERAL)[0]["content"].startswith("newbie has 1 points")

    fake.leave(NEWBIE)
    fake.join(NEWBIE, "newbie")
    wait_until(lambda: len(fake.posted(WELCOME)) == 2)
    assert fake.posted(WELCOME)[1]["content"] == "Welcome, newbie!"
    fake.say(NEWBIE, "!points", channel_id=WELCOME)  # (another channel: no cooldown there)
    wait_until(lambda: len(fake.posted(WELCOME)) == 3)
    assert fake.posted(WELCOME)[2]["content"].startswith("newbie has 1 points")


def test_toxic_messages_are_removed(fake: FakeDiscord, running: ChatAdapters) -> None:
    said = fake.say(VIEWER, "you are a fucking idiot")
    wait_until(lambda: fake.calls_to("DELETE", rf"/channels/{GENERAL}/messages/{said}"))


def test_go_live_alerts(fake: FakeDiscord, running: ChatAdapters) -> None:
    bot: bots.ChatBot = running.running[0].bot
    bot.handle_event(
        PlatformEventIn(
            id="live-1",
            platform="twitch",
            event_type="stream_start",
            channel_id="100",
            user_name="streamerone",
            data={"title": "Speedruns all day"},
            ts=datetime.now(UTC),
        )
    )
    wait_until(lambda: fake.posted(LIVE))
    alert = fake.posted(LIVE)[0]
    assert alert["content"] == "streamerone is live on Twitch!"
    assert alert["embeds"][0]["title"] == "Speedruns all day"
    assert alert["embeds"][0]["url"] == "https://www.twitch.tv/streamerone"
