"""The command engine: one definition serves `!prefix` chat commands and `/slash` commands.

A command is a function whose signature is its interface: each parameter after the context
becomes an argument, typed by its annotation (`int` with a `Range`, a `Choice`, a `Word`, the
rest of the line as `Text`, a `User`), optional when it has a default. The docstring's first
line is the help text; the usage line is generated from the parameters.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Annotated, Any, get_args, get_origin, get_type_hints


class Level(IntEnum):
    """Who may run a command; each level includes those above it."""

    everyone = 0
    subscriber = 1
    vip = 2
    moderator = 3
    broadcaster = 4

    @classmethod
    def parse(cls, value: str) -> Level:
        """Return the level of a name, with a clear error for an unknown one."""
        try:
            return cls[value.strip().lower()]
        except KeyError:
            names = ", ".join(level.name for level in cls)
            raise UsageError(f"permission must be one of {names}") from None


class UsageError(Exception):
    """Bad arguments; the chatter sees the message and the usage line."""


class Refusal(Exception):
    """A well-formed call that cannot be done now; the chatter sees the message."""


@dataclass(frozen=True)
class Range:
    """An integer between `low` and `high`."""

    low: int
    high: int


@dataclass(frozen=True)
class Choice:
    """One of a few words."""

    options: tuple[str, ...]

    def __init__(self, *options: str) -> None:
        object.__setattr__(self, "options", options)


@dataclass(frozen=True)
class Word:
    """One word of at most `max_length` characters."""

    max_length: int = 64


@dataclass(frozen=True)
class Text:
    """The rest of the line, at most `max_length` characters.

    Later parameters take their values from the end of the line when required; optional
    ones only by name (`cooldown=10`), unless `tail` lets them take fitting words too.
    """

    max_length: int = 500
    tail: bool = False


@dataclass(frozen=True)
class User:
    """A chatter's name; a leading @ is dropped."""


ParamKind = Range | Choice | Word | Text | User


@dataclass(frozen=True)
class Param:
    """One argument of a command."""

    name: str
    kind: ParamKind
    default: Any = inspect.Parameter.empty

    @property
    def required(self) -> bool:
        """Whether the argument must be given."""
        return self.default is inspect.Parameter.empty

    def describe(self) -> str:
        """The argument as the usage line shows it."""
        kind = self.kind
        if isinstance(kind, Range):
            inner = f"{self.name} {kind.low}-{kind.high}"
        elif isinstance(kind, Choice):
            inner = "|".join(kind.options)
        else:
            inner = self.name
        return f"<{inner}>" if self.required else f"[{inner}]"

    def convert(self, raw: str) -> Any:
        """Turn the raw text into the argument's value, or raise UsageError."""
        kind = self.kind
        if isinstance(kind, Range):
            try:
                value = int(raw)
            except ValueError:
                raise UsageError(f"{self.name} must be a whole number") from None
            if not kind.low <= value <= kind.high:
                raise UsageError(f"{self.name} must be between {kind.low} and {kind.high}")
            return value
        if isinstance(kind, Choice):
            word = raw.lower()
            if word not in kind.options:
                raise UsageError(f"{self.name} must be one of {', '.join(kind.options)}")
            return word
        if isinstance(kind, User):
            name = raw.lstrip("@").strip()
            if not name:
                raise UsageError(f"{self.name} must name a chatter")
            return name
        limit = kind.max_length
        if len(raw) > limit:
            raise UsageError(f"{self.name} must be at most {limit} characters")
        return raw


@dataclass(frozen=True)
class Command:
    """A chat command: its names, arguments, who may run it and how often."""

    name: str
    handler: Callable[..., str | None]
    params: tuple[Param, ...]
    aliases: tuple[str, ...] = ()
    permission: Level = Level.everyone
    user_cooldown: float = 0
    global_cooldown: float = 0
    help: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """The name and every alias."""
        return (self.name, *self.aliases)

    def usage(self, prefix: str = "!") -> str:
        """The usage line, e.g. `!roll [dice 1-10] [sides 2-100]`."""
        return " ".join([f"{prefix}{self.name}", *(p.describe() for p in self.params)])

    def bind(self, tokens: list[str], named: Mapping[str, str]) -> dict[str, Any]:
        """Match positional tokens and name=value options to the parameters.

        The rest-of-line text leaves the tokens at the end of the line to the parameters
        after it when they fit (`!giveaway Steam key 10 2`); an optional argument before
        the text is taken only when it fits (`!poll 5 Question? | a | b`).
        """
        unknown = set(named) - {p.name for p in self.params}
        if unknown:
            raise UsageError(f"unknown option {sorted(unknown)[0]}")
        values = {p.name: p.convert(named[p.name]) for p in self.params if p.name in named}
        positional = [p for p in self.params if p.name not in named]
        remaining = list(tokens)
        for index, param in enumerate(positional):
            later = positional[index + 1 :]
            raw: str | None
            if isinstance(param.kind, Text):
                fits = later if param.kind.tail else [p for p in later if p.required]
                take = _tail_fit(fits, remaining, keep=1 if param.required else 0)
                cut = len(remaining) - take
                raw, remaining = " ".join(remaining[:cut]) or None, remaining[cut:]
            elif remaining and not param.required and any(isinstance(p.kind, Text) for p in later):
                try:
                    values[param.name] = param.convert(remaining[0])
                except UsageError:
                    values[param.name] = param.default
                else:
                    remaining.pop(0)
                continue
            else:
                raw = remaining.pop(0) if remaining else None
            if raw is None:
                if param.required:
                    raise UsageError(f"{param.name} is missing")
                values[param.name] = param.default
            else:
                values[param.name] = param.convert(raw)
        if remaining:
            raise UsageError(f"unexpected {' '.join(remaining)!r}")
        return values


def _tail_fit(later: list[Param], tokens: list[str], *, keep: int) -> int:
    """How many tokens at the end of the line the parameters after a text take."""
    required = sum(1 for p in later if p.required)
    for count in range(min(len(later), len(tokens) - keep), required - 1, -1):
        tail = tokens[len(tokens) - count :] if count else []
        try:
            for param, raw in zip(later[:count], tail, strict=True):
                param.convert(raw)
        except UsageError:
            continue
        return count
    return min(required, len(tokens))


def command(
    name: str,
    *,
    aliases: tuple[str, ...] = (),
    permission: Level = Level.everyone,
    user_cooldown: float = 0,
    global_cooldown: float = 0,
) -> Callable[[Callable[..., str | None]], Command]:
    """Declare a command from a function `(ctx, **arguments) -> reply or None`."""

    def declare(handler: Callable[..., str | None]) -> Command:
        hints = get_type_hints(handler, include_extras=True)
        params: list[Param] = []
        for index, parameter in enumerate(inspect.signature(handler).parameters.values()):
            if index == 0:
                continue  # the context
            params.append(Param(parameter.name, _kind_of(hints[parameter.name]), parameter.default))
        doc = inspect.getdoc(handler) or ""
        return Command(
            name=name,
            handler=handler,
            params=tuple(params),
            aliases=aliases,
            permission=permission,
            user_cooldown=user_cooldown,
            global_cooldown=global_cooldown,
            help=doc.splitlines()[0] if doc else "",
        )

    return declare


def _kind_of(hint: Any) -> ParamKind:
    if get_origin(hint) is Annotated:
        for extra in get_args(hint)[1:]:
            if isinstance(extra, Range | Choice | Word | Text | User):
                return extra
    raise TypeError(f"annotate command arguments with Range, Choice, Word, Text or User: {hint}")


@dataclass(frozen=True)
class Invocation:
    """A parsed command call: which name, positional tokens and named options."""

    name: str
    tokens: list[str]
    named: dict[str, str] = field(default_factory=dict)
    slash: bool = False


def parse(text: str, *, prefix: str, meta: Mapping[str, Any] | None) -> Invocation | None:
    """Find a command call in a message: `!name args`, `/name args`, or a slash interaction.

    A Discord-style interaction arrives as `meta["command"] = {"name": ..., "options": {...}}`.
    """
    interaction = (meta or {}).get("command")
    if isinstance(interaction, Mapping) and isinstance(interaction.get("name"), str):
        options = interaction.get("options") or {}
        named = {str(k): str(v) for k, v in options.items()} if isinstance(options, Mapping) else {}
        return Invocation(name=interaction["name"].lower(), tokens=[], named=named, slash=True)
    stripped = text.strip()
    for lead, slash in ((prefix, False), ("/", True)):
        if stripped.startswith(lead) and len(stripped) > len(lead):
            head, *tokens = stripped[len(lead) :].split()
            return Invocation(name=head.lower(), tokens=tokens, slash=slash)
    return None


def split_named(command: Command, tokens: list[str]) -> tuple[list[str], dict[str, str]]:
    """Pull `name=value` / `name:value` tokens for the command's parameters out of the tokens."""
    names = {p.name for p in command.params}
    positional: list[str] = []
    named: dict[str, str] = {}
    for token in tokens:
        key, sep, value = token.partition("=") if "=" in token else token.partition(":")
        if sep and key.lower() in names and value:
            named[key.lower()] = value
        else:
            positional.append(token)
    return positional, named


class Cooldowns:
    """When each command may next run, per user and per channel (in memory)."""

    def __init__(self) -> None:
        self._until: dict[tuple[str, ...], float] = {}

    def remaining(self, command: Command, channel: str, user: str, now: float) -> float:
        """Seconds until the command may run again for this user here (0: now)."""
        keys = (("g", command.name, channel), ("u", command.name, channel, user))
        return max(0.0, *(self._until.get(key, 0.0) - now for key in keys))

    def start(self, command: Command, channel: str, user: str, now: float) -> None:
        """Start the command's cooldowns after a successful run."""
        if command.global_cooldown:
            self._until[("g", command.name, channel)] = now + command.global_cooldown
        if command.user_cooldown:
            self._until[("u", command.name, channel, user)] = now + command.user_cooldown


class CommandSet:
    """Commands by every name they answer to."""

    def __init__(self, commands: list[Command]) -> None:
        self.commands: list[Command] = []
        self._by_name: dict[str, Command] = {}
        for cmd in commands:
            self.add(cmd)

    def add(self, cmd: Command) -> None:
        """Answer to one more command (a feature outside the bots, such as auto-mod's)."""
        taken = [alias for alias in cmd.names if alias in self._by_name]
        if taken:
            raise ValueError(f"two commands answer to {taken[0]!r}")
        for alias in cmd.names:
            self._by_name[alias] = cmd
        self.commands = sorted([*self.commands, cmd], key=lambda c: c.name)

    def get(self, name: str) -> Command | None:
        """The command answering to a name or alias."""
        return self._by_name.get(name.lower())
