"""Games: trivia, scramble, math; polls, giveaways, reminders and timers, across restarts."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from chat_harness import ChatHarness
from support import Tenant
from wavestack.bootstrap import Container
from wavestack.services.bots.games import (
    CATEGORIES,
    normalize,
    scramble_reward,
    scramble_words,
    trivia_bank,
)

MOD = {"user": "mod", "role": "moderator"}


@pytest.fixture
def chat(container: Container, tenant: Tenant) -> ChatHarness:
    return ChatHarness(container, tenant.org_id)


def test_the_question_bank_and_word_list_are_big_enough() -> None:
    bank = trivia_bank()
    assert len(bank) >= 200
    per_category = Counter(q.category for q in bank)
    assert len(per_category) >= 6
    assert min(per_category.values()) >= 20
    assert {q.difficulty for q in bank} == {"easy", "medium", "hard"}
    assert len({q.question for q in bank}) == len(bank)
    words = scramble_words()
    assert len(set(words)) >= 300
    assert all(re.fullmatch(r"[a-z]{4,10}", w) for w in words)
    assert set(CATEGORIES) == set(per_category)


def test_answers_compare_loosely() -> None:
    assert normalize("The Beatles!") == normalize("beatles")
    assert normalize("Brasília") == normalize("brasilia")
    assert normalize("  Mount   Everest ") == "mount everest"
    assert [scramble_reward(w) for w in ("lamp", "planet", "keyboards")] == [10, 15, 20]


def _running(chat: ChatHarness) -> object:
    rounds: dict[tuple[str, str], object] = chat.bot.state["rounds"]
    return rounds[("twitch", "chan")]


def test_trivia_first_right_answer_wins(chat: ChatHarness) -> None:
    prompt = chat.one("!trivia science")
    assert prompt.startswith("Trivia (science, ")
    running = _running(chat)
    assert "a trivia round is on" in chat.one("!scramble", user="bob")
    assert chat.say("no idea", user="bob") == []
    answer = running.shown_answer  # type: ignore[attr-defined]
    reward = running.reward  # type: ignore[attr-defined]
    assert chat.one(answer.upper(), user="carol") == f"@carol got it: {answer}! +{reward} points"
    assert reward == {"easy": 10, "medium": 15, "hard": 20}[prompt.split(", ")[1]]
    assert chat.points("carol") == 1 + reward
    assert chat.say(answer, user="dave") == []  # the round is over
    assert "Usage" in chat.one("!trivia astrology", user="erin")


def test_trivia_times_out_with_the_answer(chat: ChatHarness) -> None:
    chat.one("!trivia")
    answer = _running(chat).shown_answer  # type: ignore[attr-defined]
    assert chat.tick(29) == []
    assert chat.tick(2) == [f"Time's up! The answer was {answer}"]
    assert chat.say(answer, user="late") == []


def test_scramble_and_math(chat: ChatHarness) -> None:
    prompt = chat.one("!scramble")
    word = _running(chat).shown_answer  # type: ignore[attr-defined]
    shuffled = prompt.rsplit(": ", 1)[1].lower()
    assert sorted(shuffled) == sorted(word)
    assert shuffled != word
    assert chat.one(f"!answer {word}", user="bob").endswith(f"+{scramble_reward(word)} points")
    chat.clocks.advance(10)
    problem = chat.one("!math hard", user="bob")
    expression = problem.split(": ")[1].removesuffix(" = ?")
    a, b, c = (int(n) for n in re.findall(r"\d+", expression))
    assert chat.one("!answer 0", user="carol") == "@carol not quite"
    assert chat.one(str(a * b - c), user="dave") == f"@dave got it: {a * b - c}! +30 points"
    assert "Usage" in chat.one("!math impossible", user="erin")


def test_polls_count_votes_and_close_after_a_restart(chat: ChatHarness) -> None:
    assert "moderators only" in chat.one("!poll Best? | A | B")
    assert "2 to 10 options" in chat.one("!poll Best? | A", **MOD)
    opened = chat.one("!poll 2 Best snack? | chips | fruit | cake", **MOD)
    assert opened.startswith("POLL (2 min): Best snack? [1] chips [2] fruit [3] cake")
    assert "already running" in chat.one("!poll Another? | x | y", user="mod2", role="moderator")
    assert chat.one("!vote 1", user="a") == "@a voted for chips"
    assert chat.one("!vote 3", user="b") == "@b voted for cake"
    assert chat.one("!vote 3", user="c") == "@c voted for cake"
    chat.clocks.advance(2)
    assert chat.one("!vote 1", user="c") == "@c voted for chips"  # changed their mind
    assert "from 1 to 3" in chat.one("!vote 4", user="d")
    # The bot restarts; the poll still closes, with the stored votes.
    chat = chat.restart()
    assert chat.tick(60) == []
    assert chat.tick(61) == ["Poll closed: Best snack? → chips (chips: 2, fruit: 0, cake: 1)"]
    assert chat.tick(60) == []  # once
    assert "no poll is running" in chat.one("!vote 1", user="e")


def test_poll_ended_early_and_a_tie(chat: ChatHarness) -> None:
    chat.one("!poll Pick | x | y", **MOD)
    chat.one("!vote 1", user="a")
    chat.one("!vote 2", user="b")
    chat.clocks.advance(5)
    assert chat.one("!endpoll", **MOD) == "Poll closed: Pick → a tie between x and y (x: 1, y: 1)"


def test_giveaway_entry_rules_and_a_restart_safe_draw(chat: ChatHarness) -> None:
    chat.one("!daily", user="rich")
    chat.say("hi", user="poor")
    opened = chat.one("!giveaway Steam key 10 min_points=50", **MOD)
    assert (
        opened
        == "GIVEAWAY: Steam key! Type !join in the next 10 min (at least 50 points). 1 winner."
    )
    assert chat.one("!join", user="rich") == "@rich you're in! Good luck"
    chat.clocks.advance(2)
    assert chat.one("!join", user="rich") == "@rich you're already in"
    assert "you need 50 points" in chat.one("!join", user="poor")
    assert "already running" in chat.one("!giveaway Other 5", user="mod2", role="moderator")
    chat = chat.restart()  # entries live in the database
    assert chat.tick(9 * 60) == []
    assert chat.tick(61) == ["The giveaway for Steam key is over! Winner: rich"]
    assert chat.tick(61) == []
    assert "no giveaway is running" in chat.one("!join", user="late")
    assert chat.one("!reroll", **MOD) == "@mod nobody is left to draw"


def test_giveaway_role_rule_luck_weighting_and_reroll(chat: ChatHarness) -> None:
    chat.one("!giveaway Merch 5 winners=2 role=subscriber luck=3", **MOD)
    assert "for subscribers" in chat.one("!join", user="pleb")
    for name in ("s1", "s2", "s3"):
        chat.one("!join", user=name, role="subscriber")
    chat.one("!join", user="v1", role="vip")
    from sqlalchemy import text

    with chat.container.uow(write=False) as uow:
        weights = dict(
            uow.session.execute(text("SELECT name, weight FROM bots_giveaway_entries")).all()
        )
    assert weights == {"s1": 3, "s2": 3, "s3": 3, "v1": 3}
    winners_line = chat.one("!endgiveaway", user="mod2", role="moderator")
    winners = winners_line.split("Winners: ")[1].split(", ")
    assert len(winners) == 2
    assert len(set(winners)) == 2
    rerolled = chat.one("!reroll", **MOD)
    extra = rerolled.split("congratulations ")[1].rstrip("!")
    assert extra not in winners
    assert extra in weights


def test_subscribers_win_more_often_with_luck(container: Container, tenant: Tenant) -> None:
    wins: Counter[str] = Counter()
    for seed in range(40):
        chat = ChatHarness(container, tenant.org_id, seed=seed)
        chat.one(f"!giveaway Prize{seed} 5 luck=4", **MOD)
        chat.say("!join", user="sub", role="subscriber")
        chat.say("!join", user="viewer")
        chat.clocks.advance(6 * 60)
        line = chat.tick(1)[0]
        wins[line.split("Winner: ")[1]] += 1
    assert wins["sub"] > wins["viewer"]  # 4:1 odds: 32 of 40 expected


def test_reminders_fire_once_even_after_a_restart(chat: ChatHarness) -> None:
    assert chat.one("!reminder stretch your legs 15") == "@alice I'll remind you in 15 min"
    assert "Usage" in chat.one("!reminder forever 2000", user="bob")
    chat = chat.restart()
    assert chat.tick(14 * 60) == []
    assert chat.tick(61) == ["@alice reminder: stretch your legs"]
    assert chat.tick(600) == []
    second = chat.restart()
    assert second.tick(600) == []


def test_timers_wait_for_chat_activity(chat: ChatHarness) -> None:
    assert chat.one("!addtimer socials 5 3 Follow on socials!", **MOD) == (
        "timer socials: every 5 min after 3 lines"
    )
    assert "exists" in chat.one("!addtimer socials 5 3 again", user="mod2", role="moderator")
    assert chat.tick(1) == []
    assert chat.tick(301) == []  # five minutes passed, but chat was quiet
    for i in range(3):
        chat.say(f"line {i}", user=f"u{i}")
    assert chat.tick(1) == ["Follow on socials!"]
    chat.say("one more")
    chat.say("and more")
    chat.say("and more still")
    assert chat.tick(60) == []  # active, but the interval has not passed
    assert chat.tick(240) == ["Follow on socials!"]
    assert chat.one("!timers", user="mod3", role="moderator") == (
        "Timers: socials (5 min, 3 lines)"
    )
    assert chat.one("!deltimer socials", user="mod4", role="moderator") == "timer socials deleted"
    for i in range(5):
        chat.say(f"more {i}")
    assert chat.tick(600) == []
