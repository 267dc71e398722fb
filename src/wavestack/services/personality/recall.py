"""The creator's own past replies, found by what they answered: TF-IDF over the messages
they replied to (and their replies), cosine similarity. Offline, no model: the reply that
comes back is one the creator wrote."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from wavestack.services.personality.style import STOPWORDS, tokens


def terms(text: str) -> Counter[str]:
    """A text's words that say something, counted."""
    return Counter(
        t.lower().lstrip("#")
        for t in tokens(text)
        if (t[:1].isalnum() or t[:1] == "#") and t.lower() not in STOPWORDS
    )


@dataclass(frozen=True)
class Recalled:
    """A past reply of the creator's and how close what it answered is to the question."""

    reply: str
    answered: str
    similarity: float


class PastReplies:
    """Search over (message, the creator's reply) pairs."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs
        documents = [terms(f"{asked} {reply}") + terms(asked) for asked, reply in pairs]
        seen: Counter[str] = Counter(term for doc in documents for term in doc)
        count = len(documents)
        self._idf = {term: math.log((1 + count) / (1 + n)) + 1 for term, n in seen.items()}
        self._vectors = [self._weigh(doc) for doc in documents]

    def _weigh(self, counts: Counter[str]) -> dict[str, float]:
        weights = {t: (1 + math.log(c)) * self._idf.get(t, 0.0) for t, c in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {t: w / norm for t, w in weights.items()}

    def best(self, message: str, limit: int = 3) -> list[Recalled]:
        """The replies whose message was most like this one, most alike first."""
        query = self._weigh(terms(message))
        scored = []
        for (asked, reply), vector in zip(self._pairs, self._vectors, strict=True):
            score = sum(w * vector.get(t, 0.0) for t, w in query.items())
            if score > 0:
                scored.append(Recalled(reply=reply, answered=asked, similarity=round(score, 3)))
        scored.sort(key=lambda r: r.similarity, reverse=True)
        return scored[:limit]
