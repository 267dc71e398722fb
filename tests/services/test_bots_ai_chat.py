"""The creator's AI voice in chat: off until a moderator switches it on for a channel, then
it answers questions and mentions in the creator's learned words, not the broadcaster's own
messages, at most once per interval per channel and per viewer."""

from __future__ import annotations

import time

from chat_harness import ChatHarness
from support import SyncASGIClient, Tenant, wait_until
from wavestack.bootstrap import Container
from wavestack.services.bots import BotSettings

CREATOR = [
    "stream starts at 8, bring snacks and good vibes 🔥",
    "ranked grind never stops! gg ez",
    "diamond by friday or I eat my headset 💎",
]


def quiet(chat: ChatHarness) -> list[str]:
    """What the bot said, after giving a background answer time to arrive."""
    time.sleep(0.5)
    return chat.replies()


def test_the_ai_voice_answers_where_it_was_switched_on(
    api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    conversation = [
        {"role": "viewer", "message": "what time does the stream start today?"},
        {"role": "creator", "message": CREATOR[0]},
        *({"role": "creator", "message": line} for line in CREATOR[1:]),
    ]
    api.post("/api/v1/learn", headers=tenant.headers, json={"content": conversation})
    chat = ChatHarness(container, tenant.org_id, settings=BotSettings(ai_chat_seconds=30))

    chat.say("when does the stream start?")
    assert quiet(chat) == []  # off until asked for
    assert chat.one("!ai on", role="moderator") == "the AI voice answers questions here now"
    assert chat.one("!ai on") == "@alice !ai is for moderators only"

    chat.say("when does the stream start?", user="bob")
    wait_until(lambda: len(chat.chats["twitch"].sent) > 2)
    assert chat.replies() == [f"@bob {CREATOR[0]}"]  # the creator's own answer
    chat.say("and what rank are you going for?", user="carol")
    assert quiet(chat) == []  # one answer per 30 s in a channel
    chat.clocks.advance(31)
    chat.say("no question here", user="dave")
    chat.say("is it ranked tonight?", role="broadcaster", user="chan")
    assert quiet(chat) == []  # neither a question to it nor the broadcaster
    chat.say("@chan are you streaming tonight?", user="erin")
    wait_until(lambda: len(chat.chats["twitch"].sent) > 3)
    (said,) = chat.replies()
    assert said.startswith("@erin ")
    chat.clocks.advance(31)
    chat.say("one more: when does the stream start?", user="bob")
    assert quiet(chat) == []  # bob was answered less than five minutes ago
    chat.clocks.advance(300)
    chat.say("one more: when does the stream start?", user="bob")
    wait_until(lambda: len(chat.chats["twitch"].sent) > 4)
    (said,) = chat.replies()
    assert said.startswith("@bob ")

    restarted = chat.restart(settings=BotSettings(ai_chat_seconds=30))
    assert restarted.one("!ai off", role="moderator") == "the AI voice is off here"
    restarted.clocks.advance(31)
    restarted.say("when does the stream start?", user="bob")
    assert quiet(restarted) == []
