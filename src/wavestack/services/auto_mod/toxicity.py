"""Toxicity: the model that ships inside `alt-profanity-check`, scored per message in microseconds.

The package's model is a TF-IDF vectorizer feeding five sigmoid-calibrated linear SVMs whose
probabilities are averaged. Asked through scikit-learn one message at a time it takes about
2 ms (input checks and sparse matrices for a handful of words); the same arithmetic over a
dictionary of per-word weights, read once from the fitted model, takes a few microseconds
and gives the same probability.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any


@dataclass(frozen=True)
class _Calibrated:
    intercept: float
    a: float  # sigmoid calibration: p = 1 / (1 + exp(a * decision + b))
    b: float


class ToxicityModel:
    """Probability that a message is offensive, from word weights of a fitted linear model."""

    def __init__(
        self,
        analyzer: Callable[[str], list[str]],
        weights: dict[str, tuple[float, tuple[float, ...]]],
        classifiers: list[_Calibrated],
    ) -> None:
        self._analyzer = analyzer
        self._weights = weights  # word -> (idf, idf * coefficient of each classifier)
        self._classifiers = classifiers

    def score(self, text: str) -> float:
        """The averaged calibrated probability, as `profanity_check.predict_prob` gives it."""
        counts = Counter(w for w in self._analyzer(text) if w in self._weights)
        norm_squared = 0.0
        sums = [0.0] * len(self._classifiers)
        for word, count in counts.items():
            idf, scaled = self._weights[word]
            norm_squared += (count * idf) ** 2
            for k, weight in enumerate(scaled):
                sums[k] += count * weight
        norm = math.sqrt(norm_squared) or 1.0
        total = 0.0
        for k, model in enumerate(self._classifiers):
            decision = sums[k] / norm + model.intercept
            total += 1.0 / (1.0 + math.exp(model.a * decision + model.b))
        return total / len(self._classifiers)


@cache
def bundled_model() -> ToxicityModel:
    """The model of the installed `alt-profanity-check` (loaded once; about a second)."""
    import joblib  # type: ignore[import-untyped]

    data = files("profanity_check").joinpath("data")
    vectorizer: Any = joblib.load(str(data.joinpath("vectorizer.joblib")))
    calibrated: Any = joblib.load(str(data.joinpath("model.joblib")))
    idf = vectorizer.idf_
    classifiers: list[_Calibrated] = []
    coefficients = []
    for member in calibrated.calibrated_classifiers_:
        sigmoid = member.calibrators[0]
        coefficients.append(member.estimator.coef_[0])
        classifiers.append(
            _Calibrated(float(member.estimator.intercept_[0]), float(sigmoid.a_), float(sigmoid.b_))
        )
    weights = {
        word: (float(idf[i]), tuple(float(idf[i] * coef[i]) for coef in coefficients))
        for word, i in vectorizer.vocabulary_.items()
    }
    return ToxicityModel(vectorizer.build_analyzer(), weights, classifiers)
