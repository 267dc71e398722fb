"""Auto-mod in the chat pipeline: `!permit`, join waves and raids switching protective mode."""

from __future__ import annotations

from typing import Any

import pytest

from chat_harness import ChatHarness
from support import Tenant
from wavestack.bootstrap import Container
from wavestack.services import auto_mod
from wavestack.services.auto_mod import service


def moderated(container: Container, tenant: Tenant, **overrides: Any) -> ChatHarness:
    if overrides:
        service.save_settings(
            container.uow(), org_id=tenant.org_id, channel="*", overrides=overrides
        )
    service.process_judges().forget(tenant.org_id)
    chat = ChatHarness(container, tenant.org_id)
    auto_mod.attach(chat.bot)
    return chat


def deleted(chat: ChatHarness) -> int:
    return len(chat.chats["twitch"].deleted)


def test_permit_lets_one_link_through_in_time(container: Container, tenant: Tenant) -> None:
    chat = moderated(container, tenant)
    chat.say("look at cool.example/clip", user="linker")
    assert deleted(chat) == 1
    assert chat.one("!permit @Linker", user="mod", role="moderator") == (
        "@Linker you may post one link in the next 60s"
    )
    chat.say("here: cool.example/clip", user="linker")
    assert deleted(chat) == 1  # let through
    chat.say("and again cool.example/other", user="linker")
    assert deleted(chat) == 2  # one link only
    chat.one("!permit linker", user="mod", role="moderator")
    chat.clocks.advance(61)
    chat.say("late: cool.example/clip", user="linker")
    assert deleted(chat) == 3  # the permit ran out
    assert "moderators only" in chat.one("!permit linker", user="linker")


def test_a_join_wave_protects_the_channel(container: Container, tenant: Tenant) -> None:
    chat = moderated(
        container, tenant, allowed_domains=["twitch.tv"], raid_new_chatters=5, protect_minutes=3
    )
    chat.say("hi all", user="regular")
    chat.clocks.advance(200)  # a newcomer no longer
    for n in range(4):
        assert chat.say(f"hello from raider {n}", user=f"raider{n}") == []
    said = chat.say("hello from raider 4", user="raider4")
    assert said == [
        "Protective mode on for 3 min: 5 new chatters at once. Links from newcomers are "
        "removed and spam rules are stricter."
    ]
    chat.say("my channel twitch.tv/raider4", user="raider4")
    assert deleted(chat) == 1  # a newcomer's link, allowed domain or not
    chat.say("the vod is on twitch.tv/vods", user="regular")
    assert deleted(chat) == 1  # someone known keeps the allowed domains
    chat.say("THIS IS SO LOUD RIGHT now", user="regular")
    assert deleted(chat) == 2  # stricter capitals rule while protected
    chat.clocks.advance(181)
    chat.say("my channel twitch.tv/raider4", user="raider4")
    assert deleted(chat) == 2  # protection over: the allowed domain is fine again


def test_chatters_from_before_a_restart_are_not_newcomers(
    container: Container, tenant: Tenant
) -> None:
    chat = moderated(container, tenant, raid_new_chatters=3)
    for n in range(2):
        assert chat.say(f"first visit {n}", user=f"viewer{n}") == []
    chat.clocks.advance(600)
    assert chat.say("first visit 2", user="viewer2") == []  # the first two left the window
    chat.bot.flush()
    chat = moderated(container, tenant)  # a new process: only the database remembers them
    for n in range(3):
        assert chat.say(f"back again {n}", user=f"viewer{n}") == []
    said = [chat.say(f"first visit {n}", user=f"stranger{n}") for n in range(3)]
    assert said[:2] == [[], []]
    assert said[2][0].startswith("Protective mode on for 10 min: 3 new chatters")


@pytest.mark.parametrize("on_raid", [True, False])
def test_a_raid_protects_when_set_to(container: Container, tenant: Tenant, on_raid: bool) -> None:
    chat = moderated(container, tenant, protect_on_raid=on_raid, allowed_domains=["twitch.tv"])
    thanks = chat.event("raid", user="friend", amount=40)
    protection = [line for line in thanks if line.startswith("Protective mode")]
    assert len(protection) == (1 if on_raid else 0)
    chat.say("follow me at twitch.tv/friend", user="newface")
    assert deleted(chat) == (1 if on_raid else 0)


def test_protect_command(container: Container, tenant: Tenant) -> None:
    chat = moderated(container, tenant, allowed_domains=["twitch.tv"])
    mod = {"user": "mod", "role": "moderator"}
    assert chat.one("!protect off", **mod) == "Protective mode was not on"
    assert chat.one("!protect 2", **mod).startswith("Protective mode on for 2 min")
    chat.say("twitch.tv/me", user="fresh")
    assert deleted(chat) == 1
    assert chat.one("!shield off", **mod) == "Protective mode off"
    chat.say("twitch.tv/me again", user="fresh")
    assert deleted(chat) == 1
    assert chat.one("!protect", **mod).startswith("Protective mode on for 10 min")
    assert "give minutes from 1 to 1440" in chat.one("!protect soon", **mod)
    assert "give minutes from 1 to 1440" in chat.one("!protect 0", **mod)
    assert "moderators only" in chat.one("!protect off", user="fresh")
