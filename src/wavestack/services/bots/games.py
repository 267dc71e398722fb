"""Quiz games: trivia, word scramble and mental math. The first right answer in chat wins.

A round lives in memory for a few seconds; a restart simply ends it unanswered.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Annotated, Any

from wavestack.providers.chat import Button, Rich
from wavestack.services.bots.engine import Choice, Command, Text, command
from wavestack.services.bots.runtime import ChatBot, Context

TRIVIA_REWARD = {"easy": 10, "medium": 15, "hard": 20}
MATH_REWARD = {"easy": 10, "medium": 20, "hard": 30}
_ARTICLES = re.compile(r"^(the|a|an)\s+")
_NOT_WORD = re.compile(r"[^\w\s]")


@dataclass(frozen=True)
class Question:
    """A trivia question and the answers that count."""

    category: str
    difficulty: str
    question: str
    answer: str
    accept: tuple[str, ...]


@dataclass(frozen=True)
class Round:
    """A question waiting for its answer in one channel."""

    game: str
    prompt: str
    answers: frozenset[str]
    shown_answer: str
    reward: int
    ends_at: float
    pressed: set[str] = field(default_factory=set, compare=False)  # who used a button


def _data(name: str) -> str:
    return files("wavestack.services.bots").joinpath(f"data/{name}").read_text(encoding="utf-8")


@cache
def trivia_bank() -> tuple[Question, ...]:
    """Every trivia question shipped with WaveStack."""
    items: list[dict[str, Any]] = json.loads(_data("trivia.json"))
    return tuple(
        Question(
            category=i["category"],
            difficulty=i["difficulty"],
            question=i["question"],
            answer=i["answer"],
            accept=tuple(i.get("accept", ())),
        )
        for i in items
    )


@cache
def scramble_words() -> tuple[str, ...]:
    """Every word the scramble game may pick."""
    return tuple(w.strip() for w in _data("scramble.txt").splitlines() if w.strip())


CATEGORIES = tuple(sorted({q.category for q in trivia_bank()}))


def normalize(answer: str) -> str:
    """Compare answers without case, accents, punctuation or a leading article."""
    text = unicodedata.normalize("NFKD", answer.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _NOT_WORD.sub("", text)
    return _ARTICLES.sub("", " ".join(text.split()))


def _rounds(bot: ChatBot) -> dict[tuple[str, str], Round]:
    rounds: dict[tuple[str, str], Round] = bot.state.setdefault("rounds", {})
    return rounds


def _start(ctx: Context, round_: Round, choices: tuple[str, ...] = ()) -> str:
    rounds = _rounds(ctx.bot)
    key = (ctx.platform, ctx.channel_id)
    running = rounds.get(key)
    if running is not None and running.ends_at > ctx.bot.monotonic():
        return f"@{ctx.user} a {running.game} round is on: {running.prompt}"
    rounds[key] = round_
    return Rich(round_.prompt, buttons=tuple(Button(c, f"answer {c}") for c in choices))


CHOICES = 4


def trivia_choices(question: Question, rng: Any) -> tuple[str, ...]:
    """The answer and up to three other answers of the category, shuffled: buttons where
    the platform has them."""
    seen = {normalize(question.answer)}
    others = []
    pool = [q for q in trivia_bank() if q.category == question.category]
    for other in rng.sample(pool, len(pool)):
        key = normalize(other.answer)
        if key not in seen and len(other.answer) <= 80:
            seen.add(key)
            others.append(other.answer)
            if len(others) == CHOICES - 1:
                break
    choices = [question.answer, *others]
    rng.shuffle(choices)
    return tuple(choices)


@command("trivia", user_cooldown=10)
def trivia(ctx: Context, category: Annotated[str, Choice(*CATEGORIES)] = "") -> str:
    """Ask a trivia question; the first right answer wins points."""
    pool = [q for q in trivia_bank() if not category or q.category == category]
    q = ctx.bot.rng.choice(pool)
    reward = TRIVIA_REWARD.get(q.difficulty, 10)
    seconds = ctx.bot.settings.trivia_seconds
    return _start(
        ctx,
        Round(
            game="trivia",
            prompt=f"Trivia ({q.category}, {q.difficulty}, +{reward}): {q.question} "
            f"({seconds:.0f}s to answer)",
            answers=frozenset(normalize(a) for a in (q.answer, *q.accept)),
            shown_answer=q.answer,
            reward=reward,
            ends_at=ctx.bot.monotonic() + seconds,
        ),
        trivia_choices(q, ctx.bot.rng),
    )


def scramble_reward(word: str) -> int:
    """10 points for short words, 15 for 6-7 letters, 20 for 8 or more."""
    return 10 if len(word) <= 5 else 15 if len(word) <= 7 else 20


@command("scramble", user_cooldown=10)
def scramble(ctx: Context) -> str:
    """Unscramble a word first to win points."""
    word = ctx.bot.rng.choice(scramble_words())
    letters = list(word)
    while "".join(letters) == word:
        ctx.bot.rng.shuffle(letters)
    reward = scramble_reward(word)
    return _start(
        ctx,
        Round(
            game="scramble",
            prompt=f"Unscramble (+{reward}): {''.join(letters).upper()}",
            answers=frozenset({word}),
            shown_answer=word,
            reward=reward,
            ends_at=ctx.bot.monotonic() + ctx.bot.settings.scramble_seconds,
        ),
    )


def math_problem(difficulty: str, rng: Any) -> tuple[str, int]:
    """A problem and its answer: sums (easy), products (medium), mixed (hard)."""
    if difficulty == "easy":
        a, b = rng.randint(1, 50), rng.randint(1, 50)
        return f"{a} + {b}", a + b
    if difficulty == "medium":
        a, b = rng.randint(2, 12), rng.randint(2, 12)
        return f"{a} * {b}", a * b
    a, b, c = rng.randint(3, 20), rng.randint(3, 20), rng.randint(10, 99)
    return f"{a} * {b} - {c}", a * b - c


@command("math", user_cooldown=10)
def math(
    ctx: Context, difficulty: Annotated[str, Choice("easy", "medium", "hard")] = "easy"
) -> str:
    """Solve a math problem first to win points."""
    problem, answer = math_problem(difficulty, ctx.bot.rng)
    reward = MATH_REWARD[difficulty]
    return _start(
        ctx,
        Round(
            game="math",
            prompt=f"Math (+{reward}): {problem} = ?",
            answers=frozenset({str(answer)}),
            shown_answer=str(answer),
            reward=reward,
            ends_at=ctx.bot.monotonic() + ctx.bot.settings.math_seconds,
        ),
    )


def check_answer(ctx: Context) -> str | None:
    """See whether a chat message answers the channel's running round."""
    rounds = _rounds(ctx.bot)
    key = (ctx.platform, ctx.channel_id)
    running = rounds.get(key)
    if running is None or running.ends_at <= ctx.bot.monotonic():
        return None
    if normalize(ctx.event.text) not in running.answers:
        return None
    del rounds[key]
    ctx.pay(running.reward, running.game)
    return f"@{ctx.user} got it: {running.shown_answer}! +{running.reward} points"


def expire_rounds(bot: ChatBot) -> None:
    """Close rounds whose time ran out, telling the channel the answer."""
    rounds = _rounds(bot)
    now = bot.monotonic()
    for (platform, channel_id), running in list(rounds.items()):
        if running.ends_at <= now:
            del rounds[(platform, channel_id)]
            bot.say(platform, channel_id, f"Time's up! The answer was {running.shown_answer}")


@command("answer", user_cooldown=1)
def answer(ctx: Context, guess: Annotated[str, Text(100)]) -> str | None:
    """Answer the running trivia, scramble or math round (plain chat works too)."""
    running = _rounds(ctx.bot).get((ctx.platform, ctx.channel_id))
    if running is not None and (ctx.event.meta or {}).get("button"):
        # Buttons show the answer among a few: one press each, or pressing them all wins.
        if ctx.event.author.id in running.pressed:
            return f"@{ctx.user} one guess per question"
        running.pressed.add(ctx.event.author.id)
    return (
        check_answer(
            Context(
                ctx.bot, ctx.event.model_copy(update={"text": guess}), ctx.level, ctx.invocation
            )
        )
        or f"@{ctx.user} not quite"
    )


def install(bot: ChatBot) -> None:
    """Hook the games into a bot."""
    bot.listen(check_answer)
    bot.every_tick(lambda: expire_rounds(bot))


COMMANDS: list[Command] = [trivia, scramble, math, answer]
