"""One message's judgement: banned terms, toxicity and spam, against a channel's thresholds.

This is the contract's `/moderate/check` answer for a message on its own; counting a
chatter's violations toward a timeout or ban (the escalation ladder) builds on it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from wavestack.services.auto_mod.abuse import abuse, without_mild_swearing
from wavestack.services.auto_mod.filters import TermFilter
from wavestack.services.auto_mod.normalize import readable, tokens
from wavestack.services.auto_mod.settings import ModerationSettings
from wavestack.services.auto_mod.spam import (
    DEFAULT_SPAM_PHRASES,
    ChatMemory,
    SpamRules,
    message_signals,
)
from wavestack.services.auto_mod.toxicity import ToxicityModel
from wavestack.services.auto_mod.watch import ChannelWatch

# Insults chat uses that the bundled model, trained on other text, often misses. Matched
# like banned terms (through obfuscation); aimed-at-someone phrases where a word alone is
# everyday speech (`trash`, `ugly`).
# fmt: off
CHAT_INSULTS = (
    "idiot", "moron", "imbecile", "loser", "dumbass", "dipshit", "jackass", "scumbag", "kys",
    "stfu", "pathetic", "worthless", "braindead",
)
CHAT_INSULT_PHRASES = (
    "kill yourself", "go die", "nobody likes you", "no one likes you", "shut up", "you suck",
    "you're trash", "youre trash", "you are trash", "ur trash", "you're garbage",
    "you are garbage", "trash streamer", "garbage streamer", "streamer is trash",
    "you're ugly", "you are ugly", "ur ugly", "you're fat", "you are fat", "you're useless",
    "you are useless", "you're a clown", "you are a clown", "uninstall the game",
    "waste of space", "get a life", "piece of shit", "nobody cares about you",
    "waste of oxygen", "drink bleach", "hope you die", "hope you get hit", "hope you get cancer",
    "watch your back", "coming for you", "find you and", "sleep with one eye open",
    "should shoot you", "burns down with you", "lose some weight", "delete your channel",
    "disappear forever", "you're a joke", "you are a joke", "clown",
)
# Words of play that read as violence or abuse out of context: the model's verdict must hold
# without them for a message to count as toxic.
GAMING_WORDS = frozenset({
    "kill", "kills", "killed", "killing", "dead", "die", "died", "dying", "shoot", "shot",
    "shooting", "sick", "destroy", "destroyed", "murder", "murdered", "slay", "slayed",
    "rekt", "wrecked", "insane", "crazy", "nuts", "beast", "headshot", "snipe", "sniped",
})
# fmt: on

# Roles that moderation leaves alone (compared without regard to case: the seed did not).
EXEMPT_ROLES = frozenset({"moderator", "mod", "vip", "broadcaster", "owner", "admin"})
MAX_JUDGED_CHARACTERS = 5000  # beyond this a message is spam by length alone


@dataclass(frozen=True)
class Judgement:
    """What moderation makes of one message (the contract's check response, in Python)."""

    violations: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    reason: str = ""
    exempt: bool = False
    wave: int = 0  # first-time chatters whose join wave this message completed (protection on)
    protected: bool = False  # the channel was in protective mode

    @property
    def flagged(self) -> bool:
        """Whether any rule was broken."""
        return bool(self.violations)


class Judge:
    """Applies a channel's word lists, spam rules and the toxicity model to messages."""

    def __init__(
        self,
        *,
        settings: ModerationSettings | None = None,
        terms: TermFilter | None = None,
        rules: SpamRules | None = None,
        toxicity: ToxicityModel | None = None,
    ) -> None:
        self.settings = settings or ModerationSettings()
        self.terms = terms or TermFilter()
        self.rules = rules or SpamRules()
        self.toxicity = toxicity
        self.memory = ChatMemory(self.rules)
        self.watch = ChannelWatch()
        self._spam_phrases = TermFilter(phrases=self.rules.spam_phrases or DEFAULT_SPAM_PHRASES)
        self._insults = TermFilter(CHAT_INSULTS, CHAT_INSULT_PHRASES)

    def judge(
        self,
        text: str,
        *,
        channel: str,
        user: str,
        username: str = "",
        roles: Iterable[str] = (),
        now: float,
        emotes: int = 0,
        first_time: bool = False,
        settings: ModerationSettings | None = None,
    ) -> Judgement:
        """Judge a message (by the judge's settings unless a channel's are given); exempt
        roles pass without a look. `first_time`: the author never chatted in the channel."""
        settings = settings or self.settings
        if is_exempt(roles):
            return Judgement(exempt=True)
        protect_seconds = settings.protect_minutes * 60.0
        arrival = self.watch.arrive(
            channel,
            user,
            first_time=first_time,
            now=now,
            wave_size=settings.raid_new_chatters,
            window=settings.raid_window_seconds,
            protect_seconds=protect_seconds,
        )
        sample = text[:MAX_JUDGED_CHARACTERS]
        violations: list[str] = []
        reasons: list[str] = []
        words = tokens(sample)
        terms = self.terms.check_words(words)
        if terms:
            violations.append("filter")
            reasons.append(f"banned {terms[0].kind} {terms[0].term!r}")
        toxicity = self._toxicity(sample, words, settings.toxicity_threshold)
        if toxicity > settings.toxicity_threshold:
            violations.append("toxicity")
            reasons.append(f"toxicity {toxicity:.2f}")
        rules = _with_links(
            self.rules,
            settings.links_allowed,
            tuple(settings.allowed_domains),
            tuple(settings.blocked_domains),
        )
        if arrival.protected:
            rules = _protective(rules, newcomer=arrival.newcomer)
        signals = message_signals(
            text, rules, emotes=emotes, phrases=self._spam_phrases, words=words
        )
        signals += self.memory.observe(channel, user, sample, now, words=words, rules=rules)
        if any(s.rule == "link" for s in signals) and self.watch.take_permit(
            channel, username or user, now
        ):
            signals = [s for s in signals if s.rule != "link"]
        spam = max((s.score for s in signals), default=0.0)
        if spam > settings.spam_threshold:
            violations.append("spam")
            strongest = max(signals, key=lambda s: s.score)
            reasons.append(f"spam: {strongest.rule} ({strongest.detail})")
        return Judgement(
            violations=violations,
            scores={
                "filter": 1.0 if terms else 0.0,
                "toxicity": round(toxicity, 4),
                "spam": round(spam, 4),
            },
            reason="; ".join(reasons),
            wave=arrival.wave,
            protected=arrival.protected,
        )

    def _toxicity(self, sample: str, words: list[str], threshold: float) -> float:
        if self._insults.check_words(words):
            return 1.0
        # The model and the rules read the text with its disguises undone (`1d10t`).
        plain = readable(sample)
        if abuse(plain):
            return 1.0
        if self.toxicity is None:
            return 0.0
        score = self.toxicity.score(plain)
        if sample.casefold() != plain:  # disguised or punctuated: the text as typed as well
            score = max(score, self.toxicity.score(sample))
        if score <= threshold:
            return score
        kept = plain.split()
        calm = without_mild_swearing(kept)
        if calm is not None:
            kept = calm  # `holy shit that clutch`: about the moment, not a person
        kept = [w for w in kept if w not in GAMING_WORDS]
        if len(kept) == len(plain.split()):
            return score
        # "kill him", "you're dead": only what is left without those words counts.
        return self.toxicity.score(" ".join(kept))


def is_exempt(roles: Iterable[str]) -> bool:
    """Whether a chatter's roles put them above moderation (whatever their case)."""
    return not EXEMPT_ROLES.isdisjoint(role.strip().casefold() for role in roles)


@functools.lru_cache(maxsize=256)
def _protective(rules: SpamRules, *, newcomer: bool) -> SpamRules:
    """Tighter rules while a channel is protected; a newcomer may post no link at all."""
    return replace(
        rules,
        caps_ratio=min(rules.caps_ratio, 0.5),
        max_repeated_chars=min(rules.max_repeated_chars, 6),
        max_emotes=min(rules.max_emotes, 5),
        max_mentions=min(rules.max_mentions, 2),
        copypasta_chatters=min(rules.copypasta_chatters, 2),
        flood_messages=min(rules.flood_messages, 3),
        links_allowed=rules.links_allowed and not newcomer,
        allowed_domains=frozenset() if newcomer else rules.allowed_domains,
    )


@functools.lru_cache(maxsize=256)
def _with_links(
    rules: SpamRules, allowed: bool, domains: tuple[str, ...], blocked: tuple[str, ...]
) -> SpamRules:
    """The judge's spam rules with a channel's link policy added to them."""
    if not (allowed or domains or blocked):
        return rules
    return replace(
        rules,
        links_allowed=rules.links_allowed or allowed,
        allowed_domains=rules.allowed_domains.union(domains),
        blocked_domains=rules.blocked_domains.union(blocked),
    )
