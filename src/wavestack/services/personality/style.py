"""The offline voice: what a creator's own texts say about how they write (the style
profile), and a word-level Markov chain over those texts that writes new ones in the same
vocabulary. No model weights: it works from the creator's samples alone, and says so through
a lower confidence than a language model's answer would carry."""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

# An emoji with what joins or modifies it (skin tones, ZWJ sequences): one token.
_BASE = r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF]"
_EMOJI = rf"{_BASE}(?:[\U0001F3FB-\U0001F3FF\ufe0f]|\u200d{_BASE})*"
_APOSTROPHES = "'\u2019"
TOKEN = re.compile(rf"https?://\S+|{_EMOJI}|[#@]?\w+(?:[{_APOSTROPHES}]\w+)*|[.!?…]+|[^\w\s]")
SENTENCE_END = re.compile(r"[.!?…]+$")
EMOJI = re.compile(_EMOJI)
START, END = "\x02", "\x03"
NO_SPACE_BEFORE = re.compile(rf"^(?:[.,!?…;:)\]}}%]+|[{_APOSTROPHES}]\w+)$")
# Words too common to say anything about a voice.
STOPWORDS = frozenset(
    """a an and are as at be been but by can could did do does for from had has have he her
    him his how i i'm if in into is it it's its just me my no not of on or our out she so
    that the their them then there they this to too up us was we were what when where which
    who why will with would you your yours im dont""".split()  # noqa: SIM905 - a word list
)


@dataclass
class StyleProfile:
    """How the creator writes, from their samples."""

    samples: int = 0
    words: int = 0
    vocabulary: list[str] = field(default_factory=list)  # most used words, stopwords aside
    catchphrases: list[str] = field(default_factory=list)  # recurring 2-4 word phrases
    emoji: list[str] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)  # what they talk about (YAKE keywords)
    sentence_words: float = 0.0  # words per sentence, on average
    exclamation_rate: float = 0.0  # sentences ending in "!"
    question_rate: float = 0.0
    emoji_rate: float = 0.0  # emoji per sentence
    formality: float = 0.0  # 0 casual .. 1 formal
    sentiment: float = 0.0  # mean VADER compound, -1 .. 1

    def as_json(self) -> dict[str, Any]:
        """For storing."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StyleProfile:
        """Back from storage (fields it does not know are ignored)."""
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)


def tokens(text: str) -> list[str]:
    """Words, hashtags, mentions, links, emoji and punctuation, in order."""
    return TOKEN.findall(unicodedata.normalize("NFC", text))


def sentences(text: str) -> list[list[str]]:
    """The text's sentences as token lists (a sentence ends at . ! ? or the line)."""
    found: list[list[str]] = []
    for line in text.splitlines():
        current: list[str] = []
        for token in tokens(line):
            current.append(token)
            if SENTENCE_END.search(token):
                found.append(current)
                current = []
        if current:
            found.append(current)
    return [s for s in found if any(_is_word(t) for t in s)]


def _is_word(token: str) -> bool:
    return token[:1].isalnum() or token[:1] in "#@"


def words_of(text: str) -> set[str]:
    """The text's words, lowercased (no hashtags, mentions, links, emoji or punctuation)."""
    return {t.lower() for t in tokens(text) if t[:1].isalnum() and not t.startswith("http")}


def detokenize(words: Iterable[str]) -> str:
    """Tokens back to text: no space before punctuation or a contraction's tail."""
    out, before = "", ""
    for token in words:
        joined = NO_SPACE_BEFORE.match(token) or (
            EMOJI.fullmatch(token) and EMOJI.fullmatch(before)
        )
        if out and not joined:
            out += " "
        out += token
        before = token
    return out


TOPIC_TEXTS = 1000  # the newest texts keywords are taken from (YAKE reads them whole)


def topics_of(texts: list[str], count: int = 15) -> list[str]:
    """The keywords of the texts (YAKE: statistical, no model), most telling first."""
    if not texts:
        return []
    import yake  # type: ignore[import-untyped]

    extractor = yake.KeywordExtractor(lan="en", n=2, top=count)
    found = extractor.extract_keywords("\n".join(texts[:TOPIC_TEXTS]))
    return [str(keyword) for keyword, _ in found]


def profile_of(texts: list[str], sentiment_of: Any = None) -> StyleProfile:
    """The style of a creator's texts. `sentiment_of(text) -> float` scores a text from -1
    to 1 (VADER's compound); without it sentiment stays 0."""
    all_sentences = [s for text in texts for s in sentences(text)]
    words = [t.lower() for s in all_sentences for t in s if _is_word(t) and t[0] not in "#@"]
    counts = Counter(w for w in words if w not in STOPWORDS and len(w) > 1)
    phrases: Counter[str] = Counter()
    for sentence in all_sentences:
        plain = [t.lower() for t in sentence if _is_word(t)]
        for size in (2, 3, 4):
            for n in range(len(plain) - size + 1):
                gram = plain[n : n + size]
                if not all(w in STOPWORDS for w in gram):
                    phrases[" ".join(gram)] += 1
    repeated = [p for p, c in phrases.most_common(200) if c >= 2]
    # A longer phrase that repeats as often as its part says more than the part.
    catchphrases = [
        p
        for p in repeated
        if not any(p != q and p in q and phrases[q] >= phrases[p] for q in repeated)
    ][:15]
    emoji = Counter(e for text in texts for e in EMOJI.findall(text))
    hashtags = Counter(t[1:].lower() for s in all_sentences for t in s if t.startswith("#"))
    count = len(all_sentences) or 1
    ends = [s[-1] for s in all_sentences]
    formal = sum(
        1
        for s in all_sentences
        if s[0][:1].isupper() and SENTENCE_END.search(s[-1]) and not EMOJI.search("".join(s))
    )
    scores = [sentiment_of(text) for text in texts] if sentiment_of else []
    return StyleProfile(
        samples=len(texts),
        words=len(words),
        vocabulary=[w for w, _ in counts.most_common(50)],
        catchphrases=catchphrases,
        emoji=[e for e, _ in emoji.most_common(10)],
        hashtags=[h for h, _ in hashtags.most_common(10)],
        topics=topics_of(texts),
        sentence_words=round(len(words) / count, 2),
        exclamation_rate=round(sum(1 for e in ends if "!" in e) / count, 3),
        question_rate=round(sum(1 for e in ends if "?" in e) / count, 3),
        emoji_rate=round(sum(emoji.values()) / count, 3),
        formality=round(formal / count, 3),
        sentiment=round(sum(scores) / len(scores), 3) if scores else 0.0,
    )


class MarkovVoice:
    """A second-order word chain over the creator's sentences: each next token is one the
    creator wrote after the two before it."""

    def __init__(self, texts: list[str]) -> None:
        self._next: dict[tuple[str, str], Counter[str]] = {}
        self._starts: list[tuple[str, str]] = []
        self._likely: list[frozenset[str]] | None = None
        for text in texts:
            for sentence in sentences(text):
                chain = [START, START, *sentence, END]
                self._starts.append((START, chain[2]))
                for a, b, c in zip(chain, chain[1:], chain[2:], strict=False):
                    self._next.setdefault((a, b), Counter())[c] += 1

    @property
    def empty(self) -> bool:
        """Whether there is nothing to write from."""
        return not self._starts

    def starts_about(self, about: set[str]) -> list[tuple[str, str]]:
        """Where the creator began sentences that mention a word of `about` (first word,
        else on the likeliest path of a few words); all starts when none does."""
        first = [s for s in self._starts if s[1].lower().lstrip("#") in about]
        if first or not about:
            return first or self._starts
        if self._likely is None:
            self._likely = [self._path_words(start) for start in self._starts]
        later = [s for s, words in zip(self._starts, self._likely, strict=True) if words & about]
        return later or self._starts

    def _path_words(self, start: tuple[str, str]) -> frozenset[str]:
        # The words on a start's likeliest path, a few steps long (worked out once).
        state, seen = start, set()
        for _ in range(8):
            choices = self._next.get(state)
            if not choices:
                break
            token = max(choices, key=choices.__getitem__)
            seen.add(token.lower().lstrip("#"))
            state = (state[1], token)
        return frozenset(seen)

    def sentence(
        self, rng: random.Random, *, starts: list[tuple[str, str]], max_tokens: int = 60
    ) -> list[str]:
        """A sentence from one of `starts`, each next word one the creator wrote there."""
        state = rng.choice(starts)
        out = [state[1]]
        while len(out) < max_tokens:
            choices = self._next.get(state)
            if not choices:
                break
            token = rng.choices(list(choices), weights=list(choices.values()))[0]
            if token == END:
                break
            out.append(token)
            state = (state[1], token)
        return out

    def texts(self, rng: random.Random, *, about: set[str]) -> Iterator[str]:
        """Endless sentences in the creator's voice, about `about` where they can be."""
        starts = self.starts_about(about)
        while True:
            yield detokenize(self.sentence(rng, starts=starts))
