"""Undo the tricks chatters use to slip words past a filter.

`fold` maps text to a plain lowercase Latin form: compatibility forms (fullwidth, ligatures,
math letters) are unified, combining marks (zalgo) dropped, look-alike letters from Cyrillic
and Greek mapped to Latin, and leetspeak digits and symbols read as letters. `tokens` then
splits it into words with inner punctuation removed (`f.u.c.k`), letters spread over spaces
joined back (`f u c k`), and runs of a repeated letter collapsed (`fuuuck`), so that a banned
word, collapsed the same way, compares equal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

# Letters that look Latin but are not (Cyrillic, Greek, and a few IPA and Armenian forms).
# fmt: off
CONFUSABLES = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ɡ": "g", "ɑ": "a", "ο": "o", "α": "a", "β": "b",
    "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ρ": "p", "τ": "t", "υ": "u", "χ": "x",
    "ω": "w", "ս": "u", "օ": "o", "ց": "g", "ո": "n", "ı": "i", "ł": "l", "ø": "o", "đ": "d",
    "ß": "ss", "æ": "ae", "œ": "oe",
}
# How leetspeak writes letters.
LEET = {
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
    "@": "a", "$": "s", "!": "i", "|": "l", "€": "e", "£": "l",
}
# fmt: on
_TABLE = str.maketrans({**CONFUSABLES, **LEET})
_WORD_SPLIT = re.compile(r"\s+")
_NOT_LETTER = re.compile(r"[^a-z*]")
_NOT_LETTER_OR_APOSTROPHE = re.compile(r"[^a-z*']")
_REPEATS = re.compile(r"(.)\1+")
_STRETCH = re.compile(r"(.)\1{2,}")
_SENTENCE_END = "!?.,;:"


def fold(text: str) -> str:
    """Lowercase Latin letters, digits read as letters, marks and look-alikes undone."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    # `#` hides a letter as `*` does (`f#ck`); the filters read both as a wildcard.
    return plain.casefold().translate(_TABLE).replace("#", "*")


def collapse(word: str) -> str:
    """Runs of one letter become one letter (`fuuuck` -> `fuck`, and `good` -> `god`)."""
    return _REPEATS.sub(r"\1", word)


@lru_cache(maxsize=65536)
def _letters(word: str) -> tuple[str, str]:
    # Chat repeats its words, so each distinct word is folded once: (letters, letters and
    # apostrophes). Sentence punctuation ending a word is not leetspeak: `idiot!` is not
    # `idioti`.
    folded = fold(word.rstrip(_SENTENCE_END))
    return _NOT_LETTER.sub("", folded), _NOT_LETTER_OR_APOSTROPHE.sub("", folded)


def _joined_words(text: str, *, apostrophes: bool) -> list[str]:
    """Folded words, letters spread over spaces joined back, before any squeezing."""
    side = 1 if apostrophes else 0
    words: list[str] = []
    spread: list[str] = []
    for raw in _WORD_SPLIT.split(text):
        letters = _letters(raw)
        word = letters[side]
        if len(letters[0]) == 1:
            spread.append(word)
            continue
        if spread:
            words.append("".join(spread))
            spread = []
        if word:
            words.append(word)
    if spread:
        words.append("".join(spread))
    return words


def tokens(
    text: str, *, squeeze: Callable[[str], str] | None = None, apostrophes: bool = False
) -> list[str]:
    """The words of a message as a filter compares them (see the module's docstring)."""
    return [(squeeze or collapse)(word) for word in _joined_words(text, apostrophes=apostrophes)]


def unstretch(word: str) -> str:
    """Runs of three or more of a letter become one (`sooooo` -> `so`); `good` stays."""
    return _STRETCH.sub(r"\1", word)


def readable(text: str) -> str:
    """The message as words a language model knows: obfuscation undone, double letters kept."""
    # Apostrophes stay: the model knows `you're`, and `youre` is mostly found in insults.
    return " ".join(tokens(text, squeeze=unstretch, apostrophes=True))


@lru_cache(maxsize=4096)
def canonical(word: str) -> str:
    """A banned word in the form `tokens` produces."""
    found = tokens(word)
    return "".join(found)
