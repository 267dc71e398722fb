"""The toxicity score equals the bundled model's own probability, and tells chat apart."""

from __future__ import annotations

import pytest

from wavestack.services.auto_mod.toxicity import bundled_model

MESSAGES = [
    "gg that was a great play KEKW",
    "you are a fucking idiot",
    "kill yourself loser",
    "hello everyone, how is the stream going?",
    "this game is shit",
    "nice shot bro",
    "i love this stream so much",
    "",
    "!!! ???",
    "the the the",
    "Fuck fuck FUCK you you",
    "what a noob, uninstall the game",
]


def test_scores_equal_the_packaged_model() -> None:
    from profanity_check import predict_prob  # type: ignore[import-untyped]

    expected = predict_prob(MESSAGES)
    model = bundled_model()
    for text, probability in zip(MESSAGES, expected, strict=True):
        assert model.score(text) == pytest.approx(float(probability), abs=1e-9), text


def test_offensive_and_friendly_chat_land_apart() -> None:
    model = bundled_model()
    assert model.score("you are a fucking idiot") > 0.9
    assert model.score("gg that was a great play") < 0.3
