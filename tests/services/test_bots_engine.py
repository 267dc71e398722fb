"""The command engine on its own: parsing, typed arguments, usage lines, cooldowns, levels."""

from __future__ import annotations

from typing import Annotated

import pytest

from wavestack.services.bots.economy import daily_amount, level_of, xp_to_next
from wavestack.services.bots.engine import (
    Choice,
    Command,
    Cooldowns,
    Level,
    Range,
    Text,
    UsageError,
    User,
    command,
    parse,
    split_named,
)
from wavestack.services.bots.runtime import level_of as level_of_role


@command("roll", aliases=("dice",), user_cooldown=5, global_cooldown=1)
def roll(
    ctx: object,
    dice: Annotated[int, Range(1, 10)] = 1,
    sides: Annotated[int, Range(2, 100)] = 6,
) -> str:
    """Roll dice."""
    return f"{dice}d{sides}"


@command("giveaway", permission=Level.moderator)
def giveaway(
    ctx: object,
    prize: Annotated[str, Text(200, tail=True)],
    minutes: Annotated[int, Range(1, 1440)],
    winners: Annotated[int, Range(1, 10)] = 1,
) -> str:
    """Start a giveaway."""
    return prize


@command("addcom")
def addcom(
    ctx: object,
    name: Annotated[str, User()],
    response: Annotated[str, Text(50)],
    cooldown: Annotated[int, Range(0, 3600)] = 5,
) -> str:
    """Add a command."""
    return response


@command("poll")
def poll(
    ctx: object,
    minutes: Annotated[int, Range(1, 60)] = 5,
    question: Annotated[str, Text(100)] = "",
) -> str:
    """Start a poll."""
    return question


@command("rps")
def rps(ctx: object, choice: Annotated[str, Choice("rock", "paper", "scissors")]) -> str:
    """Play."""
    return choice


def bind(cmd: Command, line: str) -> dict[str, object]:
    tokens, named = split_named(cmd, line.split())
    return cmd.bind(tokens, named)


def test_prefix_slash_and_interaction_calls_parse_alike() -> None:
    assert parse("!Roll 2 20", prefix="!", meta=None).name == "roll"  # type: ignore[union-attr]
    assert parse("!roll 2 20", prefix="!", meta=None).tokens == ["2", "20"]  # type: ignore[union-attr]
    slash = parse("/roll 3", prefix="!", meta=None)
    assert slash is not None
    assert slash.slash
    assert slash.tokens == ["3"]
    interaction = parse(
        "", prefix="!", meta={"command": {"name": "roll", "options": {"dice": 4, "sides": 8}}}
    )
    assert interaction is not None
    assert roll.bind(interaction.tokens, interaction.named) == {"dice": 4, "sides": 8}
    assert parse("hello !roll", prefix="!", meta=None) is None
    assert parse("!", prefix="!", meta=None) is None


def test_typed_arguments_defaults_and_limits() -> None:
    assert bind(roll, "") == {"dice": 1, "sides": 6}
    assert bind(roll, "3 20") == {"dice": 3, "sides": 20}
    assert bind(roll, "sides=12") == {"dice": 1, "sides": 12}
    with pytest.raises(UsageError, match="dice must be between 1 and 10"):
        bind(roll, "11")
    with pytest.raises(UsageError, match="whole number"):
        bind(roll, "lots")
    with pytest.raises(UsageError, match="unexpected"):
        bind(roll, "1 6 9")
    with pytest.raises(UsageError, match="choice must be one of rock, paper, scissors"):
        bind(rps, "lizard")
    with pytest.raises(UsageError, match="choice is missing"):
        bind(rps, "")
    assert bind(rps, "ROCK") == {"choice": "rock"}


def test_usage_lines_come_from_the_signature() -> None:
    assert roll.usage() == "!roll [dice 1-10] [sides 2-100]"
    assert giveaway.usage("?") == "?giveaway <prize> <minutes 1-1440> [winners 1-10]"
    assert rps.usage() == "!rps <rock|paper|scissors>"
    assert roll.help == "Roll dice."
    assert roll.names == ("roll", "dice")


def test_text_leaves_the_end_of_the_line_to_later_arguments() -> None:
    assert bind(giveaway, "Steam key 10 2") == {"prize": "Steam key", "minutes": 10, "winners": 2}
    assert bind(giveaway, "Steam key 10") == {"prize": "Steam key", "minutes": 10, "winners": 1}
    assert bind(giveaway, "PS5 2024 edition 30")["prize"] == "PS5 2024 edition"
    with pytest.raises(UsageError, match="minutes"):
        bind(giveaway, "Just a prize")
    # Without `tail`, an optional number at the end stays part of the text.
    expected = {"name": "hi", "response": "Count to 10", "cooldown": 5}
    assert bind(addcom, "hi Count to 10") == expected
    assert bind(addcom, "hi Count to 10 cooldown=30")["cooldown"] == 30
    with pytest.raises(UsageError, match="at most 50"):
        bind(addcom, "hi " + "x" * 60)


def test_an_optional_argument_before_text_is_taken_only_when_it_fits() -> None:
    assert bind(poll, "10 Best? | a | b") == {"minutes": 10, "question": "Best? | a | b"}
    assert bind(poll, "Best? | a | b") == {"minutes": 5, "question": "Best? | a | b"}


def test_cooldowns_per_user_and_per_channel() -> None:
    cooldowns = Cooldowns()
    cooldowns.start(roll, "chan", "alice", now=100)
    assert cooldowns.remaining(roll, "chan", "alice", now=102) == pytest.approx(3)
    assert cooldowns.remaining(roll, "chan", "bob", now=100.5) == pytest.approx(0.5)
    assert cooldowns.remaining(roll, "chan", "bob", now=101) == 0
    assert cooldowns.remaining(roll, "other", "alice", now=101) == 0


def test_platform_roles_map_to_levels() -> None:
    assert level_of_role(None, False) is Level.everyone
    assert level_of_role("subscriber", False) is Level.subscriber
    assert level_of_role("VIP", False) is Level.vip
    assert level_of_role(None, True) is Level.moderator
    assert level_of_role("broadcaster", True) is Level.broadcaster


def test_mee6_levels_and_daily_streak_bonus() -> None:
    assert [xp_to_next(level) for level in range(4)] == [100, 155, 220, 295]
    assert level_of(0) == (0, 0, 100)
    assert level_of(99) == (0, 99, 100)
    assert level_of(100) == (1, 0, 155)
    assert level_of(100 + 155 + 10) == (2, 10, 220)
    assert [daily_amount(s) for s in (1, 6, 7, 13, 14, 21)] == [100, 100, 150, 150, 200, 250]
