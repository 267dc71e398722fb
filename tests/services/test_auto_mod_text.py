"""Auto-mod's text rules on their own: obfuscation, banned terms, spam heuristics, history."""

from __future__ import annotations

import pytest

from wavestack.services.auto_mod.filters import TermFilter
from wavestack.services.auto_mod.normalize import collapse, fold, tokens
from wavestack.services.auto_mod.spam import (
    ChatMemory,
    SpamRules,
    links_in,
    message_signals,
    registered_domain,
)

BANNED = TermFilter(["fuck", "ass", "idiot", "kys"], ["buy followers", "go die"])


def terms(text: str) -> list[str]:
    return [hit.term for hit in BANNED.check(text)]


def test_folding_undoes_each_obfuscation_family() -> None:
    assert fold("ＦＵＣＫ") == "fuck"  # fullwidth
    assert fold("Ｆ̸̢̛u̵̡c̷k̶") == "fuck"  # zalgo marks
    assert fold("fսсk") == "fuck"  # Armenian and Cyrillic look-alikes
    assert fold("f00l 1d10t @ss $h!t") == "fool idiot ass shit"  # leetspeak
    assert collapse("fuuuuuck") == "fuck"
    assert tokens("f.u.c.k  t h i s, i-d-i-o-t!") == ["fuck", "this", "idiot"]


@pytest.mark.parametrize(
    "text",
    [
        "fuck",
        "FUCK",
        "fuuuuuck",
        "f.u.c.k",
        "f-u-c-k",
        "f u c k you",
        "ｆｕｃｋ",
        "fսсk",
        "f̸̢u̵c̷k̶",
        "f**k",
        "f#ck",
        "fucking hell",
        "fuckface",
        "fuck!!!",
    ],
)
def test_a_banned_word_survives_obfuscation(text: str) -> None:
    assert terms(text) == ["fuck"]


@pytest.mark.parametrize(
    "text",
    ["classic", "assassin", "Scunthorpe", "passing the bass", "idiom", "skyscraper"],
)
def test_words_inside_other_words_are_not_banned(text: str) -> None:
    assert terms(text) == []


def test_phrases_and_spread_out_words() -> None:
    assert terms("B U Y  f0ll0wers now") == ["buy followers"]
    assert terms("just go  die") == ["go die"]
    assert terms("go and die") == []
    assert terms("k y s") == ["kys"]
    assert terms("you are such an 1d10t, @$$") == ["idiot", "ass"]
    assert TermFilter().check("anything at all") == []


def test_links_and_registered_domains() -> None:
    assert registered_domain("clips.twitch.tv") == "twitch.tv"
    assert registered_domain("news.bbc.co.uk") == "bbc.co.uk"
    assert links_in("see https://Clips.Twitch.tv/abc and www.example.com/x") == [
        "twitch.tv",
        "example.com",
    ]
    assert links_in("visit spam-site dot com now, or evil(dot)org") == ["spam-site.com", "evil.org"]
    assert links_in("mail me at a@b.com, version 1.2.3, e.g. this") == []


def rules(**changes: object) -> SpamRules:
    return SpamRules(**changes)  # type: ignore[arg-type]


def signals(text: str, **changes: object) -> list[str]:
    emotes = int(changes.pop("emotes", 0))  # type: ignore[call-overload]
    return [s.rule for s in message_signals(text, rules(**changes), emotes=emotes)]


def test_each_spam_heuristic_and_its_threshold() -> None:
    assert signals("THIS IS SO COOL WOW") == ["caps"]
    assert signals("THIS IS COOL") == []  # under 15 letters
    assert signals("This Is So Cool Wow yes") == []
    assert signals("lol" + "!" * 10) == ["repeated_characters"]
    assert signals("lol" + "!" * 9) == []
    assert signals("hi", emotes=11) == ["emotes"]
    assert signals("hi", emotes=10) == []
    assert signals(" ".join(f"@u{i}" for i in range(6))) == ["mentions"]
    assert signals(" ".join(f"w{i}" for i in range(170))) == ["length"]
    assert signals("go to twitch.tv/me") == ["link"]
    assert signals("go to twitch.tv/me", allowed_domains=frozenset({"twitch.tv"})) == []
    assert signals("go to bad.gg", links_allowed=True, blocked_domains=frozenset({"bad.gg"})) == [
        "link"
    ]
    assert signals("go to good.gg", links_allowed=True) == []
    assert signals("wanna become famous? buy viewers at the best price") == ["spam_phrase"]
    assert signals("gg that was a great play") == []


def test_repeats_copypasta_and_floods_need_history() -> None:
    memory = ChatMemory(SpamRules())
    assert memory.observe("c", "ann", "hello chat", now=0) == []
    assert [s.rule for s in memory.observe("c", "ann", "HELLO   chat!", now=10)] == ["repeat"]
    assert memory.observe("c", "ann", "hello chat", now=45) == []  # the window passed
    pasta = "this is a very long copypasta that people paste"
    assert memory.observe("c", "u1", pasta, now=100) == []
    assert memory.observe("c", "u2", pasta, now=101) == []
    assert [s.rule for s in memory.observe("c", "u3", pasta, now=102)] == ["copypasta"]
    assert memory.observe("other", "u4", pasta, now=103) == []  # per channel
    flood = [memory.observe("c", "bob", f"message {i}", now=200 + i * 0.5) for i in range(6)]
    assert [s.rule for s in flood[-1]] == ["flood"]
    assert all(f == [] for f in flood[:-1])


def test_readable_text_for_the_language_model() -> None:
    from wavestack.services.auto_mod.normalize import readable

    assert readable("you're an ｉｄｉｏｔ") == "you're an idiot"
    assert readable("what an i d i o t, seriously") == "what an idiot seriously"
    assert readable("l0$3r, get a real job") == "loser get a real job"
    assert readable("good gaaaame") == "good game"  # double letters stay, stretches go
