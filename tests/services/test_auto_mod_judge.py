"""Judging messages: thresholds, exemptions, odd input; and the hook in the chat pipeline."""

from __future__ import annotations

import pytest

from chat_harness import ChatHarness
from support import Tenant
from wavestack.bootstrap import Container
from wavestack.services import auto_mod
from wavestack.services.auto_mod import Judge, ModerationSettings, SpamRules, TermFilter


@pytest.fixture(scope="module")
def judge() -> Judge:
    return Judge(terms=TermFilter(["noob"]), toxicity=auto_mod.bundled_model())


def verdict(judge: Judge, text: str, user: str = "u", **kwargs: object) -> list[str]:
    return judge.judge(text, channel="c", user=user, now=0, **kwargs).violations  # type: ignore[arg-type]


def test_each_kind_of_violation(judge: Judge) -> None:
    assert verdict(judge, "gg that was a great play") == []
    assert verdict(judge, "you are a fucking idiot") == ["toxicity"]
    assert verdict(judge, "what a n00b") == ["filter"]
    assert verdict(judge, "free nitro at nitro-gift dot xyz", user="s") == ["spam"]
    judged = judge.judge("you are a fucking idiot", channel="c", user="x", now=0)
    assert judged.scores["toxicity"] > 0.9
    assert judged.reason.startswith("toxicity ")


def test_thresholds_come_from_the_settings() -> None:
    lenient = Judge(
        settings=ModerationSettings(toxicity_threshold=1, spam_threshold=1),
        toxicity=auto_mod.bundled_model(),
    )
    assert lenient.judge("you are a fucking idiot", channel="c", user="u", now=0).violations == []
    assert lenient.judge("BUY FOLLOWERS NOW OK", channel="c", user="u", now=0).violations == []
    strict_links = Judge(rules=SpamRules(links_allowed=True))
    assert strict_links.judge("see twitch.tv/me", channel="c", user="u", now=0).violations == []


@pytest.mark.parametrize("roles", [["Moderator"], ["VIP"], ["BROADCASTER"], ["subscriber", "mod"]])
def test_exempt_roles_whatever_their_case(judge: Judge, roles: list[str]) -> None:
    judged = judge.judge("you are a fucking idiot", channel="c", user="m", roles=roles, now=0)
    assert judged.exempt
    assert judged.violations == []


def test_odd_input_gets_an_answer(judge: Judge) -> None:
    # One chatter each: the same chatter this fast would be a flood.
    assert verdict(judge, "", user="o1") == []
    assert verdict(judge, "   ", user="o2") == []
    assert verdict(judge, "\ud800 broken surrogate \udfff", user="o3") == []
    assert verdict(judge, "\x00\x01 control characters", user="o4") == []
    huge = "long message " * 8000  # about 100 KB
    judged = judge.judge(huge, channel="c", user="big", now=0)
    assert judged.violations == ["spam"]
    assert "repeated_words" in judged.reason or "length" in judged.reason


def test_the_pipeline_acts_and_audits(container: Container, tenant: Tenant) -> None:
    from wavestack.services.auto_mod import service

    chat = ChatHarness(container, tenant.org_id)
    auto_mod.attach(chat.bot)
    assert chat.say("!roll you fucking idiot") == []  # judged first: no command runs
    assert chat.chats["twitch"].deleted
    assert "rolled" in chat.one("!roll", user="friend")
    assert "🎱" in chat.one("!8ball is this fucking idiot right?", user="mod", role="moderator")
    service.save_settings(
        container.uow(),
        org_id=tenant.org_id,
        channel="twitch:strict",
        overrides={"auto_timeout": True, "auto_ban": True, "violations_for_ban": 3},
    )
    service.process_judges().forget(tenant.org_id)
    said = [
        chat.say(f"buy followers at bigfollows dot com {i}", user="spammer", channel="strict")
        for i in range(3)
    ]
    assert said[0][0].startswith("@spammer please keep it friendly")
    assert chat.chats["twitch"].timeouts[0][1:3] == ("twitch-spammer", 5)
    assert chat.chats["twitch"].bans[0][:2] == ("strict", "twitch-spammer")
    page = service.audit_page(
        container.uow(write=False),
        org_id=tenant.org_id,
        channel_id="strict",
        user_id=None,
        action=None,
        since=None,
        until=None,
        limit=10,
        offset=0,
    )
    assert [entry.action for entry in page.entries] == ["ban", "timeout", "warn"]


def test_chat_insults_and_words_of_play(judge: Judge) -> None:
    assert verdict(judge, "k y s", user="i1") == ["toxicity"]  # the model alone misses it
    assert verdict(judge, "you're tr4sh at this game", user="i2") == ["toxicity"]
    assert verdict(judge, "kill him", user="g1") == []  # the model alone flags it
    assert verdict(judge, "you're dead", user="g2") == []
    assert verdict(judge, "kill yourself", user="g3") == ["toxicity"]


def test_a_wall_of_one_word_is_spam(judge: Judge) -> None:
    assert verdict(judge, "catJAM " * 12, user="w1") == ["spam"]
    assert verdict(judge, "catJAM " * 9, user="w2") == []


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("i'm gonna find you and hurt you", "threat"),
        ("I'll s.m.a.s.h your face in", "threat"),
        ("hope u trip and die", "wish of harm"),
        ("I know where you live", "wish of harm"),
        ("nobody asked, go back to your cave", "put-down"),
        ("you're such a disappointment", "put-down"),
        ("ur a total g0blin", "insult aimed at someone"),
        ("streamer is a clown", "insult aimed at someone"),
        ("absolute numpty", "insult aimed at someone"),
        ("eres un pendejo", "insult in another language"),
        ("", ""),
        ("this boss is trash tier loot", ""),
        ("gonna kill the boss then see you all tomorrow", ""),
    ],
)
def test_abuse_rules(text: str, why: str) -> None:
    from wavestack.services.auto_mod.abuse import abuse
    from wavestack.services.auto_mod.normalize import readable

    assert abuse(readable(text)) == why


def test_mild_swearing_at_nobody_is_not_toxic(judge: Judge) -> None:
    assert verdict(judge, "holy shit what a clutch", user="s1") == []
    assert verdict(judge, "this level is hard as hell", user="s2") == []
    assert verdict(judge, "you are a piece of shit", user="s3") == ["toxicity"]
    assert verdict(judge, "shit streamer, shit stream", user="s4") == ["toxicity"]


def test_odd_messages_through_the_moderated_pipeline(container: Container, tenant: Tenant) -> None:
    chat = ChatHarness(container, tenant.org_id)
    auto_mod.attach(chat.bot)
    chat.say("lol " * 1000, user="wall")  # as long as a chat message may be
    assert len(chat.chats["twitch"].deleted) == 1
    chat.say("", user="empty")
    chat.say("\x00\x01 \u202e odd bytes", user="odd")
    assert len(chat.chats["twitch"].deleted) == 1
    chat.bot.flush()
    assert "rolled" in chat.one("!roll", user="after")
