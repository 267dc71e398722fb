"""Writing content in the creator's voice with the offline style model: candidates from the
Markov chain, each fitted to its platform's cap on a word boundary, filtered for safety
(avoided topics, too negative, toxic), the best first."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from wavestack.services import content_queue
from wavestack.services.personality.style import EMOJI, MarkovVoice, StyleProfile, tokens
from wavestack.services.personality.vectors import Vector, embed

Measure = Callable[[str], int]

# The longest each kind of content may be, as its platform counts, and how many sentences
# it usually has.
CAPS: dict[str, tuple[int, Measure, int]] = {
    "tweet": (280, content_queue.x_length, 2),
    "caption": (2200, len, 3),
    "description": (5000, lambda text: len(text.encode()), 5),
    "title": (100, len, 1),
    "reply": (500, len, 1),
}
CANDIDATES = 12


@dataclass(frozen=True)
class Written:
    """A piece of content and what it is like."""

    text: str
    sentiment: float
    energy: float
    controversy: float


@dataclass(frozen=True)
class Safety:
    """What generated content must not be: about an avoided topic, too negative, toxic, or
    like content a person rejected before."""

    avoided_topics: list[str]
    negativity_threshold: float
    toxicity: Callable[[str], float] | None = None
    toxicity_threshold: float = 0.7
    rejected: tuple[Vector, ...] = ()
    rejected_similarity: float = 0.8


def fit(text: str, limit: int, measure: Measure) -> str:
    """The text within `limit` as the platform measures, cut on a word boundary."""
    if measure(text) <= limit:
        return text
    words = text.split()
    while words and measure(" ".join(words)) > limit:
        words.pop()
    return " ".join(words) if words else text[:limit]


def limit_of(content_type: str, max_length: int | None) -> tuple[int, Measure]:
    """How long content of this type may be, and how its platform measures it."""
    cap, measure, _ = CAPS[content_type]
    return (min(cap, max_length) if max_length else cap), measure


def tags_for(topic: str, style: StyleProfile, include: bool) -> str:
    """The hashtags to end with, as text (none unless asked for)."""
    return " ".join(f"#{t}" for t in hashtags_for(topic, style)) if include else ""


def topic_words(topic: str) -> set[str]:
    """The words of a topic worth looking for."""
    return {t.lower().lstrip("#") for t in tokens(topic) if t[:1].isalnum() or t[:1] == "#"}


def hashtags_for(topic: str, style: StyleProfile, count: int = 3) -> list[str]:
    """Hashtags: the topic's words, then the creator's own favourites."""
    tags = [re.sub(r"\W", "", w) for w in sorted(topic_words(topic), key=len, reverse=True)]
    tags += style.hashtags
    unique = list(dict.fromkeys(t for t in tags if len(t) > 2))
    return unique[:count]


def write(
    voice: MarkovVoice,
    style: StyleProfile,
    *,
    content_type: str,
    topic: str,
    context: str | None,
    include_hashtags: bool,
    max_length: int | None,
    safety: Safety,
    sentiment_of: Callable[[str], float],
    rng: random.Random,
) -> list[Written]:
    """Candidates in the creator's voice, best first (none when nothing passed safety)."""
    sentences = CAPS[content_type][2]
    limit, measure = limit_of(content_type, max_length)
    about = topic_words(topic) | (topic_words(context) if context else set())
    tags = tags_for(topic, style, include_hashtags)
    body_limit = max(limit - measure(tags) - 1, 10) if tags else limit
    seen: set[str] = set()
    found: list[tuple[float, Written]] = []
    stream = voice.texts(rng, about=about)
    for _ in range(CANDIDATES):
        parts: list[str] = []
        while len(parts) < sentences:
            sentence = next(stream)
            if measure(" ".join([*parts, sentence])) > body_limit and parts:
                break
            parts.append(sentence)
        text = fit(" ".join(parts), body_limit, measure)
        if content_type == "title":
            text = text.rstrip(".!?… ")
        if tags:
            text = f"{text} {tags}"
        if not text or text in seen or not safe(text, safety, sentiment_of):
            continue
        seen.add(text)
        written = described(text, sentiment_of)
        relevance = len(about & {t.lower().lstrip("#") for t in tokens(text)})
        found.append((relevance + measure(text) / limit, written))
    found.sort(key=lambda pair: pair[0], reverse=True)
    return [written for _, written in found]


def safe(text: str, safety: Safety, sentiment_of: Callable[[str], float]) -> bool:
    """Whether a text passes the safety filters."""
    lowered = text.lower()
    if any(topic.lower() in lowered for topic in safety.avoided_topics if topic.strip()):
        return False
    if sentiment_of(text) < safety.negativity_threshold:
        return False
    if safety.rejected:
        vector = embed(text)
        if any(float(vector @ other) >= safety.rejected_similarity for other in safety.rejected):
            return False
    return safety.toxicity is None or safety.toxicity(text) < safety.toxicity_threshold


def described(text: str, sentiment_of: Callable[[str], float]) -> Written:
    """A text with its sentiment, energy and controversy."""
    words = [t for t in tokens(text) if t[:1].isalnum()]
    shouting = sum(1 for w in words if len(w) > 2 and w.isupper())
    energy = (text.count("!") + len(EMOJI.findall(text)) + shouting) / max(len(words), 1)
    sentiment = sentiment_of(text)
    return Written(
        text=text,
        sentiment=round(sentiment, 3),
        energy=round(min(energy * 2, 1.0), 3),
        controversy=round(max(-sentiment, 0.0), 3),
    )
