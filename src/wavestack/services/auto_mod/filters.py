"""Banned words and phrases, matched on the folded words of a message (see `normalize`).

A banned word matches a whole word of the message, also with a common ending (`fucking`,
`idiots`), never inside another word: `classic` does not contain a banned `ass`, nor
`Scunthorpe` another word. A word written with a wildcard (`f**k`, `sh#t`) matches the banned
words it could stand for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from wavestack.services.auto_mod.normalize import canonical, tokens

# Endings a banned word may carry and still count (collapsed, as the words are).
# fmt: off
ENDINGS = (
    "s", "es", "ed", "er", "ers", "ing", "in", "y", "ie", "ies", "face", "head", "heads",
    "hole", "holes", "wit", "wits", "bag", "bags",
)
# fmt: on


MEMO_WORDS = 50_000


@dataclass(frozen=True)
class TermHit:
    """A banned word or phrase found in a message."""

    kind: str  # "word" or "phrase"
    term: str  # as it was banned


class TermFilter:
    """The banned words and phrases of a channel."""

    def __init__(self, words: Iterable[str] = (), phrases: Iterable[str] = ()) -> None:
        self._words = {canonical(word): word for word in words if canonical(word)}
        self._memo: dict[str, str | None] = {}
        # Phrases by their first word: a message is read once, whatever the list's length.
        self._phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for phrase in phrases:
            words = tuple(tokens(phrase))
            if words:
                self._phrases.setdefault(words[0], []).append((words, phrase))

    def check(self, text: str) -> list[TermHit]:
        """Every banned word and phrase in `text`, each once."""
        return self.check_words(tokens(text))

    def check_words(self, words: list[str]) -> list[TermHit]:
        """Every banned word and phrase in a message already split by `tokens`, each once."""
        found: dict[str, TermHit] = {}
        for at, word in enumerate(words):
            term = self._word_term(word)
            if term is not None:
                found.setdefault(term, TermHit("word", term))
            for phrase, term in self._phrases.get(word, ()):
                if tuple(words[at : at + len(phrase)]) == phrase:
                    found.setdefault(term, TermHit("phrase", term))
        return list(found.values())

    def _word_term(self, word: str) -> str | None:
        if not self._words:
            return None
        # Chat repeats its words: each distinct word is looked up once (bounded memory).
        memo = self._memo
        if word in memo:
            return memo[word]
        if len(memo) >= MEMO_WORDS:
            memo.clear()
        memo[word] = found = self._lookup(word)
        return found

    def _lookup(self, word: str) -> str | None:
        term = self._words.get(word)
        if term is not None:
            return term
        if "*" in word:
            return self._wildcard_term(word)
        for ending in ENDINGS:
            if word.endswith(ending):
                term = self._words.get(word[: -len(ending)])
                if term is not None:
                    return term
        return None

    def _wildcard_term(self, word: str) -> str | None:
        pattern = re.compile("[a-z]+".join(re.escape(part) for part in word.split("*")))
        if not word.strip("*"):
            return None  # `***` alone hides nothing in particular
        for banned, term in self._words.items():
            if pattern.fullmatch(banned):
                return term
        return None
