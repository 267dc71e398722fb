"""Built-in and custom commands through the whole pipeline, on both databases."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import text

from chat_harness import ChatHarness
from support import SyncASGIClient, Tenant, make_tenant
from wavestack.bootstrap import Container
from wavestack.services.bots import BotSettings, Verdict
from wavestack.services.bots.engine import Level
from wavestack.services.social_ingest import MessageEvent


@pytest.fixture
def chat(container: Container, tenant: Tenant) -> ChatHarness:
    return ChatHarness(container, tenant.org_id)


def test_help_lists_what_the_caller_may_run(chat: ChatHarness) -> None:
    listed = chat.one("!commands")
    assert "!roll" in listed
    assert "!trivia" in listed
    assert "!raid" not in listed  # broadcaster only
    assert "!raid" in chat.one("!commands", user="streamer", role="broadcaster")
    assert chat.one("!help roll") == "!roll [dice 1-10] [sides 2-100]: Roll dice."
    assert "there is no command" in chat.one("!help nope", user="bob")


def test_bad_arguments_get_the_usage_line(chat: ChatHarness) -> None:
    reply = chat.one("!roll 11")
    assert reply == "@alice dice must be between 1 and 10. Usage: !roll [dice 1-10] [sides 2-100]"
    assert "Usage: !rps [rock|paper|scissors]" in chat.one("!rps lizard", user="bob")
    assert chat.say("!nosuchcommand") == []  # unknown commands stay silent


def test_permissions_are_enforced(chat: ChatHarness) -> None:
    assert chat.one("!so bob") == "@alice !so is for moderators only"
    assert chat.one("!so bob", user="mod", role="moderator").startswith("Go follow bob!")
    refused = chat.one("!raid bob", user="mod", role="moderator")
    assert refused == "@mod !raid is for broadcasters only"
    assert chat.streams["twitch"].channel("chan").shoutouts == ["bob"]


def test_cooldowns_per_user_and_moderators_skip_them(chat: ChatHarness) -> None:
    assert "rolled" in chat.one("!roll")
    assert chat.one("!roll") == "@alice !roll is on cooldown for 3s"
    assert "rolled" in chat.one("!roll", user="bob")  # per user
    assert "rolled" in chat.one("!roll", user="mod", role="moderator")
    assert "rolled" in chat.one("!roll", user="mod", role="moderator")
    chat.clocks.advance(3)
    assert "rolled" in chat.one("!roll")


def test_roll_8ball_coinflip_and_rps(chat: ChatHarness) -> None:
    rolled = chat.one("!roll 3 20")
    values = [int(v) for v in re.findall(r"\d+", rolled.split("rolled")[1].split("=")[0])]
    assert len(values) == 3
    assert all(1 <= v <= 20 for v in values)
    assert "🎱" in chat.one("!8ball will it rain?")
    assert "Usage" in chat.one("!8ball", user="bob")
    before = chat.points("alice")
    flips = [chat.one("!coinflip heads", user=f"flipper{i}") for i in range(6)]
    wins = sum("You called it" in f for f in flips)
    assert 0 < wins < 6
    assert sum(chat.points(f"flipper{i}") for i in range(6)) == 6 + 10 * wins
    outcomes = [chat.one("!rps rock", user=f"player{i}") for i in range(9)]
    paid = sum(15 if "you win" in o else 5 if "tie" in o else 0 for o in outcomes)
    assert sum(chat.points(f"player{i}") for i in range(9)) == 9 + paid
    assert chat.points("alice") == before


def test_slash_commands_and_discord_interactions(chat: ChatHarness) -> None:
    assert "d8" in chat.one("/roll 1 8", platform="discord")
    reply = chat.one(
        "",
        platform="discord",
        user="carol",
        meta={"command": {"name": "roll", "options": {"dice": 2, "sides": 4}}},
    )
    assert "(2d4)" in reply


def test_disable_and_enable_per_channel(chat: ChatHarness) -> None:
    assert chat.one("!disable roll", user="mod", role="moderator") == "!roll is now off here"
    assert chat.say("!roll") == []
    assert "rolled" in chat.one("!roll", channel="other")
    assert "cannot be switched off" in chat.one("!disable enable", user="mod", role="moderator")
    # A restarted bot remembers.
    chat = chat.restart()
    assert chat.say("!roll", user="bob") == []
    chat.one("!enable roll", user="mod", role="moderator")
    assert "rolled" in chat.one("!roll", user="bob")


def test_custom_commands_with_variables(chat: ChatHarness) -> None:
    mod = {"user": "mod", "role": "moderator"}
    assert "moderators only" in chat.one("!addcom hi Hello")
    assert chat.one("!addcom hug $(user) hugs $(touser)! hug #$(count)", **mod) == "added !hug"
    assert chat.one("!hug bob") == "alice hugs bob! hug #1"
    assert chat.say("!hug", user="carol") == []  # the 5 s default cooldown, silently
    chat.clocks.advance(5)
    assert chat.one("!hug", user="carol") == "carol hugs carol! hug #2"
    assert "exists" in chat.one("!addcom hug again", **mod)
    assert "built-in" in chat.one("!addcom roll nope", **mod)
    chat.one("!addcom lucky $(random 1-6) | $(query) | $(uptime) | $(points)", **mod)
    chat.clocks.advance(10)
    number, query, uptime, points = chat.one("!lucky a b c", user="dave").split(" | ")
    assert 1 <= int(number) <= 6
    assert query == "a b c"
    assert uptime == "offline"
    assert points == "1"  # dave's first message just earned a point (not written yet)
    chat.one("!editcom hug $(user) waves cooldown=0 permission=subscriber", **mod)
    assert chat.one("!hug", user="sub", role="subscriber") == "sub waves"
    assert chat.one("!hug", user="erin") == "@erin !hug is for subscribers only"
    assert chat.one("!delcom hug", **mod) == "deleted !hug"
    assert chat.say("!hug", user="sub", role="subscriber") == []
    assert "no command !hug" in chat.one("!delcom hug", **mod)


def test_custom_command_cooldown_is_silent(chat: ChatHarness) -> None:
    chat.one("!addcom discord Join us at example.org cooldown=30", user="mod", role="moderator")
    assert chat.one("!discord") == "Join us at example.org"
    assert chat.say("!discord", user="bob") == []
    chat.clocks.advance(31)
    assert chat.one("!discord", user="bob") == "Join us at example.org"


def test_stream_commands_call_the_platform_and_obs(chat: ChatHarness) -> None:
    mod = {"user": "mod", "role": "moderator"}
    boss = {"user": "streamer", "role": "broadcaster"}
    assert chat.one("!title") == "Title: Untitled stream"
    assert chat.one("!title Speedrun day", user="bob") == "@bob only a moderator can do that"
    assert chat.one("!settitle Speedrun day", **mod) == "title set to: Speedrun day"
    assert chat.streams["twitch"].channel("chan").title == "Speedrun day"
    assert chat.one("!game elden", **mod) == "game set to Elden Ring"
    assert "no category matches" in chat.one("!setgame zzzz", user="mod2", role="moderator")
    assert chat.one("!scene gameplay", **mod) == "switched to scene gameplay"
    assert chat.obs.current == "Gameplay"
    assert chat.one("!source webcam", user="mod2", role="moderator") == "webcam is now hidden"
    assert chat.one("!startstream", **boss) == "stream starting!"
    assert chat.obs.streaming
    assert "only" in chat.one("!stopstream", **mod)
    assert "can only raid while live" in chat.one("!raid friend", **boss)
    chat.streams["twitch"].channel("chan").live = True
    assert chat.one("!raid friend", user="streamer2", role="broadcaster").startswith("raiding")


def test_obs_and_stream_ports_missing_are_reported(container: Container, tenant: Tenant) -> None:
    chat = ChatHarness(container, tenant.org_id, ports=None)
    chat.bot.ports.obs = None
    chat.bot.ports.stream.clear()
    assert chat.one("!scene x", user="mod", role="moderator") == "@mod OBS is not connected"
    assert "stream controls are not connected" in chat.one("!title")


def test_clip_without_a_source_says_so(chat: ChatHarness) -> None:
    assert "the replay buffer is off" in chat.one("!clip")  # OBS is there, its buffer is not
    chat.bot.ports.obs = None
    assert "no stream source is set" in chat.one("!clip", user="other")


def test_clip_starts_a_clipper_job_from_the_live_stream(
    container: Container, tenant: Tenant
) -> None:
    started: list[tuple[str, float, float, str | None]] = []

    def starter(source: str, start: float, duration: float, title: str | None) -> str:
        started.append((source, start, duration, title))
        return "job-1234567890"

    harness = ChatHarness(container, tenant.org_id)
    harness.bot.ports.clip = starter
    harness.bot.settings = BotSettings(clip_source="stream.mkv")
    assert "not live" in harness.one("!clip")
    harness.event("stream_start", user=None)
    harness.clocks.advance(600)
    reply = harness.one("!clip 20 45 Big play", user="bob")
    assert reply == "@bob clipping 20s (job job-1234), +5 points"
    assert started == [("stream.mkv", 555.0, 20.0, "Big play")]
    assert harness.points("bob") == 1 + 5
    assert "cooldown" in harness.one("!clip", user="carol")
    assert "clips" in harness.one("!leaderboard clips", user="dan")


def test_clip_goes_through_the_clipper_service(container: Container, tenant: Tenant) -> None:
    chat = ChatHarness(container, tenant.org_id)
    chat.bot.settings = BotSettings(clip_source="/nowhere/stream.mkv")
    chat.event("stream_start", user=None)
    chat.clocks.advance(120)
    # The clipper's own checks answer: the source is outside the media roots.
    assert "couldn't clip" in chat.one("!clip")


def test_moderation_hook_blocks_commands_and_enforces(container: Container, tenant: Tenant) -> None:
    class BlockLinks:
        def check(self, event: MessageEvent, level: Level) -> Verdict:
            if "http" in event.text and level < Level.moderator:
                return Verdict(allow=False, delete=True, timeout_seconds=60, reason="links")
            return Verdict()

    chat = ChatHarness(container, tenant.org_id)
    chat.bot.ports.moderation = BlockLinks()
    assert chat.say("!roll http://spam") == []
    assert chat.chats["twitch"].deleted
    assert chat.chats["twitch"].timeouts[0][2:] == (60, "links")
    assert "rolled" in chat.one("!roll", user="mod", role="moderator")


def test_failing_moderation_lets_chat_go_on(container: Container, tenant: Tenant) -> None:
    class Broken:
        def check(self, event: MessageEvent, level: Level) -> Verdict:
            raise RuntimeError("database is locked")

    chat = ChatHarness(container, tenant.org_id)
    chat.bot.ports.moderation = Broken()
    assert "rolled" in chat.one("!roll")
    chat.bot.flush()
    assert chat.chats["twitch"].deleted == []


def test_thanks_for_support_and_welcome(chat: ChatHarness) -> None:
    assert chat.event("subscription", amount=1) == ["Thanks bob for subscribing!"]
    assert chat.event("subscription", amount=7) == ["Thanks bob for resubscribing, 7 months!"]
    assert chat.event("gift_subscription", amount=5) == ["Thanks bob for gifting 5 subs!"]
    assert chat.event("bits", amount=500) == ["Thanks bob for the 500 bits!"]
    assert chat.event("raid", amount=42) == ["Welcome raiders from bob! (42 viewers)"]
    assert chat.event("member_join", user="newbie", platform="discord") == ["Welcome, newbie!"]
    assert chat.event("follow") == []
    chat.bot.settings = BotSettings(auto_shoutout=True)
    assert "Go follow bob!" in chat.event("raid", amount=3)[0]


def test_messages_are_stored_in_batches_and_announced(
    container: Container, tenant: Tenant, api: object
) -> None:
    from wavestack.kernel.messages import Envelope
    from wavestack.services import social_ingest

    seen: list[Envelope] = []
    remove = container.bus.listen(seen.append)
    chat = ChatHarness(container, tenant.org_id)
    chat.say("hello there")
    chat.say("!roll")
    found = social_ingest.chat_between(
        container.uow(write=False),
        org_id=tenant.org_id,
        platform="twitch",
        channel_id="chan",
        since=chat.clocks.now.replace(hour=0),
        until=chat.clocks.now.replace(hour=23),
    )
    assert found == []  # buffered, not written yet
    chat.tick(1)
    found = social_ingest.chat_between(
        container.uow(write=False),
        org_id=tenant.org_id,
        platform="twitch",
        channel_id="chan",
        since=chat.clocks.now.replace(hour=0),
        until=chat.clocks.now.replace(hour=23),
    )
    assert [r.text for r in found] == ["hello there", "!roll"]
    import time

    deadline = time.monotonic() + 5
    while not seen and time.monotonic() < deadline:
        time.sleep(0.02)
    remove()
    assert seen
    assert seen[0].type == social_ingest.MESSAGES_STORED
    assert len(seen[0].data["messages"]) == 2


def test_auto_role_on_join(container: Container, tenant: Tenant) -> None:
    chat = ChatHarness(container, tenant.org_id, settings=BotSettings(auto_role="Community"))
    assert chat.event("member_join", user="newbie", platform="discord") == ["Welcome, newbie!"]
    assert chat.chats["discord"].roles == [("chan", "discord-newbie", "Community")]


def test_auto_clip_when_chat_erupts(container: Container, tenant: Tenant) -> None:
    started: list[float] = []

    def starter(source: str, start: float, duration: float, title: str | None) -> str:
        started.append(start)
        return f"auto-{len(started)}-0000"

    chat = ChatHarness(container, tenant.org_id, settings=BotSettings(clip_source="live.m3u8"))
    chat.bot.ports.clip = starter
    channel = chat.streams["twitch"].channel("chan")
    chat.event("stream_start", user=None)
    chat.clocks.advance(300)
    channel.viewers = 5
    for user in ("a", "b", "c"):
        assert chat.say("POG that was insane", user=user) == []  # too few viewers
    channel.viewers = 50
    chat.clocks.advance(31)  # the earlier shouts left the window
    assert chat.say("pog", user="a") == []
    assert chat.say("pog pog", user="a") == []  # one chatter counts once
    assert chat.say("clip it", user="b") == []
    assert chat.say("clipboard is not a keyword", user="d") == []
    reply = chat.one("that needs a highlight", user="c")
    assert reply == "Chat went wild: auto-clipping the last 30s (job auto-1-0)"
    assert started == [331 - 30]
    for user in ("e", "f", "g"):
        assert chat.say("POG", user=user) == []  # 60 s cooldown
    chat.clocks.advance(61)
    for user in ("h", "i"):
        chat.say("pog", user=user)
    assert chat.one("pog", user="j").startswith("Chat went wild")


def test_clip_runs_a_clipper_job_end_to_end(settings: Any, namespace: str) -> None:
    from wavestack.bootstrap import bootstrap
    from wavestack.providers.transcode.fake import FakeTranscoder
    from wavestack.services import clipper

    fake = FakeTranscoder()
    container = bootstrap(settings, namespace=namespace, immediate_jobs=True, transcoder=fake)
    try:
        tenant = make_tenant(container, "Clips")
        root = container.settings.resolved_media_roots[0]
        root.mkdir(parents=True)
        (root / "live.mkv").write_bytes(b"a recording the fake knows")
        fake.add(root / "live.mkv", duration=3600)
        chat = ChatHarness(container, tenant.org_id, settings=BotSettings(clip_source="live.mkv"))
        chat.event("stream_start", user=None)
        chat.clocks.advance(1200)
        reply = chat.one("!clip 20 60", user="bob")
        assert reply.startswith("@bob clipping 20s (job ")
        job_prefix = reply.split("job ")[1].split(")")[0]
        (cut,) = fake.cuts
        assert (cut.start, cut.duration) == (1140.0, 20.0)  # 20 min live, 60 s back
        with container.uow(write=False) as uow:
            (job_id,) = uow.session.scalars(text("SELECT id FROM clipper_jobs")).all()
        assert job_id.startswith(job_prefix)
        status = clipper.get_status(container.uow(write=False), org_id=tenant.org_id, job_id=job_id)
        assert status.status == "complete"
        assert chat.points("bob") == 1 + 5
        assert "bob (1 clips)" in chat.one("!leaderboard clips", user="carol")
    finally:
        container.close()


def test_clip_cuts_the_end_of_obs_replay_buffer(settings: Any, namespace: str) -> None:
    from wavestack.bootstrap import bootstrap
    from wavestack.providers.transcode.fake import FakeTranscoder

    fake = FakeTranscoder()
    container = bootstrap(settings, namespace=namespace, immediate_jobs=True, transcoder=fake)
    try:
        tenant = make_tenant(container, "Replays")
        root = container.settings.resolved_media_roots[0]
        root.mkdir(parents=True)
        (root / "Replay 001.mkv").write_bytes(b"the last two minutes")
        fake.add(root / "Replay 001.mkv", duration=120)
        chat = ChatHarness(container, tenant.org_id)  # no clip source set: OBS it is
        chat.obs.replay_path = str(root / "Replay 001.mkv")
        assert chat.one("!clip 20 45", user="bob").startswith("@bob clipping 20s (job ")
        (cut,) = fake.cuts
        assert (cut.start, cut.duration) == (75.0, 20.0)  # 45 s before the end of the file
        chat.obs.replay_path = "/elsewhere/Replay 002.mkv"  # outside the media roots
        assert "outside the media roots" in chat.one("!clip", user="carol", role="moderator")
    finally:
        container.close()


def test_a_message_deleted_on_the_platform_leaves_the_store(
    api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    chat = ChatHarness(container, tenant.org_id)
    chat.say("buy followers at spam.example", user="spammer", message_id="spam-1")
    chat.say("hello", user="friend")
    chat.bot.message_deleted("twitch", "spam-1")  # still in the buffer: written, then removed
    listed = api.get("/api/v1/messages?platform=twitch", headers=tenant.headers).json()
    assert [m["text"] for m in listed["messages"]] == ["hello"]


def test_auto_clip_counts_each_chatter_once_within_the_window() -> None:
    from wavestack.services.bots.clips import _Shouts

    shouts = _Shouts()
    assert shouts.add(0, "a", window=30) == 1
    assert shouts.add(1, "a", window=30) == 1
    assert shouts.add(2, "b", window=30) == 2
    assert shouts.add(31.5, "c", window=30) == 2  # a's shouts left the window, b's did not
    assert len(shouts.times) == 2


def test_a_failed_write_keeps_chat_and_earnings_for_the_next(
    api: SyncASGIClient, container: Container, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wavestack.services import social_ingest

    chat = ChatHarness(container, tenant.org_id)
    real_ingest = social_ingest.ingest

    def database_down(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("database is down")

    monkeypatch.setattr(social_ingest, "ingest", database_down)
    chat.say("first words", user="ann")
    chat.tick(1)  # the write fails; the chat goes on
    assert "rolled" in chat.one("!roll", user="ann")
    monkeypatch.setattr(social_ingest, "ingest", real_ingest)
    chat.tick(1)
    listed = api.get("/api/v1/messages?platform=twitch", headers=tenant.headers).json()
    assert [m["text"] for m in listed["messages"]] == ["!roll", "first words"]
    assert chat.points("ann") == 1
