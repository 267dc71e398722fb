"""Spam heuristics: what one message looks like, and what a chatter or a channel keeps doing.

`message_signals` judges a message alone (shouting, character runs, emote and mention walls,
length, links, known spam phrases); `ChatMemory` remembers recent chat to catch the same
message repeated, copypasta posted by several chatters, and floods. Each signal carries a
score in [0, 1]; the message's spam score is the highest.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from dataclasses import dataclass, field

from wavestack.services.auto_mod.filters import TermFilter
from wavestack.services.auto_mod.normalize import tokens

# fmt: off
DEFAULT_SPAM_PHRASES = (
    "buy followers", "cheap followers", "free followers", "buy viewers", "cheap viewers",
    "free viewers", "best viewers", "become famous", "want to become famous",
    "get followers", "followers primes and viewers", "increase your viewers",
    "promote your stream", "dogehype", "bigfollows", "streamboo", "free nitro", "nitro giveaway",
    "claim your nitro", "steam gift", "free skins", "free vbucks", "free robux",
    "crypto giveaway", "double your crypto", "send me btc",
)
# Second-level labels under which the registered domain is one label longer (`bbc.co.uk`).
MULTI_PART_SUFFIXES = frozenset({
    "co.uk", "org.uk", "ac.uk", "gov.uk", "co.jp", "ne.jp", "or.jp", "com.au", "net.au", "org.au",
    "co.nz", "com.br", "com.ar", "com.mx", "co.za", "co.in", "com.tr", "com.cn", "com.tw", "co.kr",
})
# fmt: on
_OBFUSCATED_DOT = re.compile(r"\s*(?:\(dot\)|\[dot\]|\{dot\}|\[\.\]|\(\.\)|\sdot\s)\s*", re.I)
_LINK = re.compile(
    r"(?<![\w@.-])(?:https?://)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})"
    r"(?::\d{1,5})?(?:/[^\s]*)?",
    re.I,
)
_MENTION = re.compile(r"(?<!\w)@\w+")
_RUN = re.compile(r"(.)\1{2,}", re.S)


@dataclass(frozen=True)
class SpamRules:
    """Thresholds of the heuristics (the seed's defaults; a channel may override them)."""

    caps_ratio: float = 0.7
    caps_min_length: int = 15
    max_repeated_chars: int = 10
    max_repeated_words: int = 10
    max_emotes: int = 10
    max_mentions: int = 5
    max_length: int = 500
    links_allowed: bool = False
    allowed_domains: frozenset[str] = frozenset()
    blocked_domains: frozenset[str] = frozenset()
    spam_phrases: tuple[str, ...] = DEFAULT_SPAM_PHRASES
    repeat_window_seconds: float = 30.0
    copypasta_chatters: int = 3
    copypasta_window_seconds: float = 60.0
    copypasta_min_length: int = 20
    flood_messages: int = 5
    flood_window_seconds: float = 5.0


@dataclass(frozen=True)
class Signal:
    """One reason a message looks like spam."""

    rule: str
    score: float
    detail: str


def registered_domain(host: str) -> str:
    """The domain a host belongs to: `clips.twitch.tv` is `twitch.tv`, `a.bbc.co.uk` `bbc.co.uk`."""
    labels = host.lower().rstrip(".").split(".")
    keep = 3 if ".".join(labels[-2:]) in MULTI_PART_SUFFIXES else 2
    return ".".join(labels[-keep:])


def links_in(text: str) -> list[str]:
    """The registered domains of the links in a message, also of `example dot com`."""
    plain = _OBFUSCATED_DOT.sub(".", text)
    return [registered_domain(match.group(1)) for match in _LINK.finditer(plain)]


def _caps(text: str, rules: SpamRules) -> Signal | None:
    letters = [c for c in text if c.isalpha()]
    if len(letters) < rules.caps_min_length:
        return None
    ratio = sum(c.isupper() for c in letters) / len(letters)
    if ratio < rules.caps_ratio:
        return None
    return Signal("caps", min(1.0, ratio), f"{ratio:.0%} capitals")


def _links(text: str, rules: SpamRules) -> Signal | None:
    domains = links_in(text)
    blocked = [d for d in domains if d in rules.blocked_domains]
    if blocked:
        return Signal("link", 1.0, f"blocked domain {blocked[0]}")
    if rules.links_allowed:
        return None
    unknown = [d for d in domains if d not in rules.allowed_domains]
    if unknown:
        return Signal("link", 1.0, f"link to {unknown[0]}")
    return None


def message_signals(
    text: str,
    rules: SpamRules,
    *,
    emotes: int = 0,
    phrases: TermFilter | None = None,
    words: list[str] | None = None,
) -> list[Signal]:
    """What is spammy about one message on its own (`words`: its `tokens`, when known)."""
    found: list[Signal] = []
    caps = _caps(text, rules)
    if caps is not None:
        found.append(caps)
    longest = max((len(m.group(0)) for m in _RUN.finditer(text)), default=0)
    if longest >= rules.max_repeated_chars:
        found.append(Signal("repeated_characters", 1.0, f"a run of {longest} characters"))
    most = max(Counter(text.casefold().split()).values(), default=0)
    if most >= rules.max_repeated_words:
        found.append(Signal("repeated_words", 1.0, f"one word {most} times"))
    if emotes > rules.max_emotes:
        found.append(Signal("emotes", 1.0, f"{emotes} emotes"))
    mentions = len(_MENTION.findall(text))
    if mentions > rules.max_mentions:
        found.append(Signal("mentions", 1.0, f"{mentions} mentions"))
    if len(text) > rules.max_length:
        found.append(Signal("length", 1.0, f"{len(text)} characters"))
    link = _links(text, rules)
    if link is not None:
        found.append(link)
    known = (phrases or TermFilter(phrases=rules.spam_phrases)).check_words(
        tokens(text) if words is None else words
    )
    if known:
        found.append(Signal("spam_phrase", 1.0, known[0].term))
    return found


@dataclass
class _Channel:
    said: dict[str, deque[tuple[float, str]]] = field(default_factory=dict)  # by chatter
    texts: deque[tuple[float, str]] = field(default_factory=deque)  # (when, text) in order
    # Who posted each recent long text (its latest time per chatter), to count copypasta
    # without reading the whole window on every message.
    posters: dict[str, dict[str, float]] = field(default_factory=dict)


class ChatMemory:
    """Recent chat per channel, for the rules that need history."""

    SWEEP_EVERY = 10_000  # messages between forgetting chatters who went quiet

    def __init__(self, rules: SpamRules) -> None:
        self.rules = rules
        self._channels: dict[str, _Channel] = {}
        self._seen = 0

    def observe(
        self,
        channel: str,
        user: str,
        text: str,
        now: float,
        *,
        words: list[str] | None = None,
        rules: SpamRules | None = None,
    ) -> list[Signal]:
        """Remember a message; returns the repeat, copypasta and flood signals it raises
        (by `rules` when given: a protected channel's are tighter)."""
        rules = rules or self.rules
        state = self._channels.setdefault(channel, _Channel())
        key = " ".join(tokens(text) if words is None else words)
        found: list[Signal] = []
        mine = state.said.setdefault(user, deque())
        horizon = max(rules.repeat_window_seconds, rules.flood_window_seconds)
        while mine and now - mine[0][0] > horizon:
            mine.popleft()
        # Asking for `!points` twice is not spam (command cooldowns deal with repeats).
        command = text.lstrip()[:1] in ("!", "/")
        if (
            key
            and not command
            and any(
                said == key and now - when <= rules.repeat_window_seconds for when, said in mine
            )
        ):
            found.append(Signal("repeat", 1.0, "the same message again"))
        recent = sum(1 for when, _ in mine if now - when <= rules.flood_window_seconds) + 1
        if recent > rules.flood_messages:
            found.append(
                Signal("flood", 1.0, f"{recent} messages in {rules.flood_window_seconds:g}s")
            )
        mine.append((now, key))
        self._seen += 1
        if self._seen % self.SWEEP_EVERY == 0:
            self._forget_quiet(now, horizon)
        if len(text) >= rules.copypasta_min_length and key:
            chatters = self._posted(state, key, user, now)
            if chatters >= rules.copypasta_chatters:
                found.append(Signal("copypasta", 1.0, f"posted by {chatters} chatters"))
        return found

    def _posted(self, state: _Channel, key: str, user: str, now: float) -> int:
        """Record that `user` posted the text `key`; how many chatters did in the window."""
        window = self.rules.copypasta_window_seconds
        texts, posters = state.texts, state.posters
        while texts and now - texts[0][0] > window:
            _, old = texts.popleft()
            by = posters.get(old)
            if by is not None:
                for who in [who for who, last in by.items() if now - last > window]:
                    del by[who]
                if not by:
                    del posters[old]
        by = posters.setdefault(key, {})
        by[user] = now
        texts.append((now, key))
        return len(by)

    def _forget_quiet(self, now: float, horizon: float) -> None:
        for state in self._channels.values():
            quiet = [who for who, said in state.said.items() if now - said[-1][0] > horizon]
            for who in quiet:
                del state.said[who]
