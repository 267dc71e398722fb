"""Build messages.jsonl from seeds.jsonl: every seed as typed, plus obfuscated variants.

Standard library only and deterministic (one `random.Random(2026)` drawn in a fixed order), so
running it again gives the same file byte for byte:

    python tests/data/auto_mod_eval/make_variants.py

Variants are made of a subset of the toxic and spam seeds (the tricks chatters use to slip past
a filter) and of about 150 clean seeds (odd-looking but harmless text, to measure false
positives). Each variant hides one "target" word of the message (an insult, a spam keyword, or
in clean chat the word a naive filter would trip on) and sometimes touches the rest. Links
and @mentions are left as they are, except by the random casing.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEEDS = HERE / "seeds.jsonl"
MESSAGES = HERE / "messages.jsonl"
RANDOM_SEED = 2026
LABELS = ("clean", "toxic", "spam")
VARIANTS = ("leet", "spaced", "punctuated", "confusable", "stretched", "zalgo", "mixed_case")
# How many seeds of each label get variants, and how many variants each of them gets.
SEEDS_WITH_VARIANTS = {"clean": 150, "toxic": 200, "spam": 160}
VARIANTS_PER_SEED = {"clean": 3, "toxic": 2, "spam": 2}

# Words a variant prefers to hide; a message without one hides its longest word instead.
# fmt: off
TARGETS = {
    "toxic": (
        "kys", "kill", "die", "dead", "fuck", "shit", "idiot", "moron", "loser", "trash", "stupid",
        "ugly", "dumb", "garbage", "clown", "pathetic", "worthless", "useless", "suck", "hate",
        "asshole", "dick", "prick", "scum", "fat", "disgust", "brain", "crap", "fool", "jerk",
        "cancer", "hell", "stfu", "gtfo", "douche", "jackass", "bozo", "hurt", "beat", "punch",
        "stab", "dox", "swat", "waste", "freak", "creep", "cringe", "noob", "hideous", "pig",
        "imbécil", "idiota", "mierda", "basura", "dumm", "lixo", "foder", "otário",
    ),
    "spam": (
        "free", "nitro", "follow", "viewer", "buy", "cheap", "giveaway", "crypto", "skins",
        "famous", "gift", "claim", "robux", "vbucks", "primes", "promot", "verify", "btc", "double",
        "boost", "subscribe", "channel", "check", "money", "win", "exposed", "account", "click",
    ),
    "clean": (
        "kill", "shoot", "dead", "die", "dying", "sick", "beast", "destroy", "murder", "assassin",
        "classic", "scunthorpe", "cocktail", "grape", "therapist", "shitake", "shit", "fuck", "ass",
        "hell", "damn", "nasty", "filthy", "disgusting", "brutal", "savage", "massacre", "nuke",
        "slaughter", "stab", "choke", "throat", "killer", "insane", "trash", "stupid", "ugly",
        "braindead", "hideous", "dumb", "essex", "sussex", "cock", "tit", "penistone", "dick",
        "clitheroe", "sextant", "analyst", "bass", "hitchcock", "hancock", "butterscotch",
        "mátalo", "mata", "dispárale", "toxic", "bomb", "blast", "burn", "gut", "menace", "demon",
    ),
}
LEET = {"a": "4@", "e": "3", "i": "1!", "o": "0", "s": "5$", "t": "7"}
# Cyrillic and Greek letters that look like Latin ones.
CONFUSABLE = {
    "a": "\u0430", "e": "\u0435", "o": "\u043e\u03bf", "p": "\u0440", "c": "\u0441",
    "y": "\u0443", "x": "\u0445", "i": "\u0456", "s": "\u0455", "j": "\u0458", "v": "\u03bd",
    "A": "\u0410", "B": "\u0412", "C": "\u0421", "E": "\u0415", "H": "\u041d", "K": "\u041a",
    "M": "\u041c", "O": "\u041e", "P": "\u0420", "T": "\u0422", "X": "\u0425",
}
# fmt: on
VOWELS = "aeiouyAEIOUY"
# Links, domains and @mentions keep their letters (the tricks would break them, not hide them).
_PROTECTED = re.compile(r"[/@]|\w\.\w|\(dot\)|\[dot\]", re.I)
_TOKEN = re.compile(r"(\s+)")
_EDGES = re.compile(r"(\W*)(.*?)(\W*)", re.S)
_WALL = re.compile(r"(.)\1{4}", re.I)


class Message:
    """A message cut into whitespace-separated tokens, with the words a variant may change."""

    def __init__(self, text: str, label: str) -> None:
        self.parts = _TOKEN.split(text)
        # (part index, start, end) of each word a trick may hide: 3 or more letters, and not a
        # wall of one repeated letter (`AAAAAAAA`, `NOOOOOOOO`), which the tricks would not hide.
        self.words: list[tuple[int, int, int]] = []
        for index, part in enumerate(self.parts):
            if index % 2 or not part or _PROTECTED.search(part):
                continue
            match = _EDGES.fullmatch(part)
            assert match is not None
            core = match.group(2)
            if len(core) >= 3 and core.isalpha() and not _WALL.search(core):
                self.words.append((index, match.start(2), match.end(2)))
        self.target = self._target(TARGETS[label])

    def word(self, position: tuple[int, int, int]) -> str:
        index, start, end = position
        return self.parts[index][start:end]

    def _target(self, terms: tuple[str, ...]) -> tuple[int, int, int] | None:
        for position in self.words:
            if any(term in self.word(position).lower() for term in terms):
                return position
        return max(self.words, key=lambda p: len(self.word(p)), default=None)

    def replace(self, position: tuple[int, int, int], new: str) -> None:
        index, start, end = position
        part = self.parts[index]
        self.parts[index] = part[:start] + new + part[end:]

    def others(self) -> list[tuple[int, int, int]]:
        return [p for p in self.words if p != self.target]

    def text(self) -> str:
        return "".join(self.parts)


def swap_letters(word: str, table: dict[str, str], share: float, rng: random.Random) -> str:
    """Each letter that `table` maps is swapped with probability `share` (at least one is)."""
    spots = [i for i, c in enumerate(word) if c in table]
    if not spots:
        return word
    chosen = [i for i in spots if rng.random() < share] or [rng.choice(spots)]
    letters = list(word)
    for i in chosen:
        letters[i] = rng.choice(table[letters[i]])
    return "".join(letters)


def leet(message: Message, rng: random.Random) -> bool:
    table = {**LEET, **{k.upper(): v for k, v in LEET.items()}}
    assert message.target is not None
    message.replace(message.target, swap_letters(message.word(message.target), table, 0.8, rng))
    for position in message.others():
        if rng.random() < 0.3:
            message.replace(position, swap_letters(message.word(position), table, 0.5, rng))
    return True


def spaced(message: Message, rng: random.Random) -> bool:
    assert message.target is not None
    message.replace(message.target, " ".join(message.word(message.target)))
    return True


def punctuated(message: Message, rng: random.Random) -> bool:
    assert message.target is not None
    word = message.word(message.target)
    style = rng.choice(".-*")
    if style == "*":
        inner = range(1, len(word) - 1)
        vowels = [i for i in inner if word[i] in VOWELS]
        hidden = rng.choice(vowels or list(inner))
        message.replace(message.target, word[:hidden] + "*" + word[hidden + 1 :])
    else:
        message.replace(message.target, style.join(word))
    return True


def fullwidth(word: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in word)


def confusable(message: Message, rng: random.Random) -> bool:
    assert message.target is not None
    word = message.word(message.target)
    if rng.random() < 0.3 or not any(c in CONFUSABLE for c in word):
        message.replace(message.target, fullwidth(word))
        return True
    message.replace(message.target, swap_letters(word, CONFUSABLE, 0.7, rng))
    for position in message.others():
        if rng.random() < 0.3:
            message.replace(position, swap_letters(message.word(position), CONFUSABLE, 0.5, rng))
    return True


def stretched(message: Message, rng: random.Random) -> bool:
    for position in [message.target, *message.others()]:
        assert position is not None
        word = message.word(position)
        vowels = [i for i, c in enumerate(word) if c in VOWELS]
        if vowels:
            at = rng.choice(vowels)
            times = rng.randint(3, 6)
            message.replace(position, word[:at] + word[at] * times + word[at + 1 :])
            return True
    return False


def marks(rng: random.Random, count: int) -> str:
    return "".join(chr(rng.randint(0x300, 0x36F)) for _ in range(count))


def zalgo(message: Message, rng: random.Random) -> bool:
    assert message.target is not None
    word = message.word(message.target)
    message.replace(message.target, "".join(c + marks(rng, rng.randint(1, 3)) for c in word))
    for position in message.others():
        word = message.word(position)
        message.replace(
            position, "".join(c + marks(rng, 1) if rng.random() < 0.15 else c for c in word)
        )
    return True


def mixed_case(message: Message, rng: random.Random) -> bool:
    for _ in range(20):
        parts = [
            "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in part)
            for part in message.parts
        ]
        letters = [c for c in "".join(parts) if c.isalpha()]
        upper = sum(c.isupper() for c in letters)
        # Random, not shouting: between a quarter and two thirds of the letters are capitals.
        if letters and 0.25 <= upper / len(letters) <= 0.65 and parts != message.parts:
            message.parts = parts
            return True
    return False


TRICKS: dict[str, Callable[[Message, random.Random], bool]] = {
    "leet": leet,
    "spaced": spaced,
    "punctuated": punctuated,
    "confusable": confusable,
    "stretched": stretched,
    "zalgo": zalgo,
    "mixed_case": mixed_case,
}


def load_seeds() -> list[dict[str, str]]:
    seeds = []
    numbers = dict.fromkeys(LABELS, 0)
    for line in SEEDS.read_text(encoding="utf-8").splitlines():
        seed = json.loads(line)
        numbers[seed["label"]] += 1
        seeds.append({**seed, "seed_id": f"{seed['label']}-{numbers[seed['label']]:04d}"})
    return seeds


def build(seeds: list[dict[str, str]]) -> list[dict[str, str]]:
    rng = random.Random(RANDOM_SEED)
    chosen: set[str] = set()
    for label in LABELS:
        eligible = [
            s["seed_id"]
            for s in seeds
            if s["label"] == label and Message(s["text"], label).target is not None
        ]
        chosen.update(rng.sample(eligible, SEEDS_WITH_VARIANTS[label]))
    seen = {s["text"] for s in seeds}
    rows = []
    for seed in seeds:
        made: dict[str, str] = {}
        if seed["seed_id"] in chosen:
            wanted = VARIANTS_PER_SEED[seed["label"]]
            for variant in rng.sample(VARIANTS, len(VARIANTS)):
                message = Message(seed["text"], seed["label"])
                if not TRICKS[variant](message, rng) or message.text() in seen:
                    continue
                made[variant] = message.text()
                seen.add(message.text())
                if len(made) == wanted:
                    break
        for variant, text in [("plain", seed["text"]), *sorted(made.items(), key=_order)]:
            rows.append(
                {
                    "id": f"{seed['seed_id']}-{variant}",
                    "text": text,
                    "label": seed["label"],
                    "variant": variant,
                    "seed_id": seed["seed_id"],
                }
            )
    return rows


def _order(item: tuple[str, str]) -> int:
    return VARIANTS.index(item[0])


def main() -> None:
    rows = build(load_seeds())
    with MESSAGES.open("w", encoding="utf-8", newline="\n") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} messages to {MESSAGES.name}")


if __name__ == "__main__":
    main()
