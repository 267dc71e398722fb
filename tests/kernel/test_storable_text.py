"""NUL characters are dropped at the edge: PostgreSQL text cannot hold them."""

from __future__ import annotations

from wavestack.kernel.schemas import without_nul
from wavestack.services.social_ingest import MessageEvent


def test_nul_is_dropped_everywhere_and_nothing_is_copied_without_one() -> None:
    clean = {"a": "text", "b": ["x", {"c": "y"}], "n": 3}
    assert without_nul(clean) is clean
    assert without_nul({"a": "t\x00ext", "b": ["x\x00", {"c": "\x00y"}], "n": 3}) == clean


def test_a_chat_message_with_nul_can_be_stored() -> None:
    event = MessageEvent.model_validate(
        {
            "id": "m\x001",
            "platform": "twitch",
            "channel": {"id": "c", "name": "ch\x00an"},
            "author": {"id": "a", "name": "bo\x00b"},
            "text": "hi\x00 there",
            "ts": "2026-11-26T10:00:00Z",
            "meta": {"emotes": ["Kappa\x00"]},
        }
    )
    assert (event.id, event.channel.name, event.author.name, event.text) == (
        "m1",
        "chan",
        "bob",
        "hi there",
    )
    assert event.meta == {"emotes": ["Kappa"]}
