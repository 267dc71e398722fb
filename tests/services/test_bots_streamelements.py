"""StreamElements activities: subscribing over Astro, tips and merch thanked in chat, the
platform's own events not thanked twice, reconnects, a refused token."""

from __future__ import annotations

import time

from chat_harness import ChatHarness
from fakes.streamelements import JWT, FakeAstro
from support import Tenant, wait_until
from wavestack.bootstrap import Container
from wavestack.connect import connect_streamelements
from wavestack.providers.streamelements import AstroFeed
from wavestack.services import bots, connections
from wavestack.services.bots.streamelements import activity_event


def tip(
    amount: float = 5.0, provider: str = "twitch", kind: str = "tip", **data: object
) -> dict[str, object]:
    return {
        "_id": f"act-{kind}-{amount}",
        "channel": "5d7e1",
        "type": kind,
        "provider": provider,
        "createdAt": "2026-11-26T19:00:00.000Z",
        "data": {
            "username": "generous",
            "displayName": "Generous",
            "amount": amount,
            "currency": "USD",
            "message": "gg",
            **data,
        },
    }


def test_activities_become_platform_events() -> None:
    channels = {"twitch": "100", "youtube": "UCcreator"}
    event = activity_event(tip(), channels=channels, native={"twitch"})
    assert event is not None
    assert (event.platform, event.event_type, event.channel_id, event.amount, event.user_name) == (
        "twitch",
        "donation",
        "100",
        5.0,
        "Generous",
    )
    assert (
        activity_event(tip(kind="follow"), channels=channels, native={"twitch"}) is None
    )  # EventSub has it
    follow = activity_event(
        tip(kind="follow", provider="facebook"), channels=channels, native={"twitch"}
    )
    assert follow is not None
    assert follow.platform == "twitch"  # no Facebook chat: the first one
    merch = activity_event(
        tip(kind="merch", items=[{"name": "Hoodie"}]), channels=channels, native=set()
    )
    assert merch is not None
    assert merch.data is not None
    assert (merch.event_type, merch.data["kind"]) == ("other", "merch")
    assert activity_event(tip(kind="unknown"), channels=channels, native=set()) is None
    assert activity_event(tip(), channels={}, native=set()) is None


def test_tips_are_thanked_and_reconnects_resubscribe(container: Container, tenant: Tenant) -> None:
    chat = ChatHarness(container, tenant.org_id)
    with FakeAstro() as astro:
        listener = bots.StreamElementsListener(
            chat.bot, JWT, url=astro.url, channels={"twitch": "chan"}, native={"twitch"}
        )
        listener.start()
        try:
            assert listener.feed.subscribed.wait(5)
            astro.activity(tip(7.5))
            wait_until(lambda: chat.chats["twitch"].sent)
            assert chat.replies() == ["Thanks Generous for the 7.50 tip!"]
            astro.activity(tip(kind="merch", items=[{"name": "Hoodie"}]))
            wait_until(lambda: chat.chats["twitch"].sent[1:])
            assert chat.replies() == ["Thanks Generous for getting some merch!"]
            astro.reconnect()
            wait_until(lambda: astro.subscriptions == 2, timeout=8)
        finally:
            listener.stop()


def test_a_refused_token_is_final() -> None:
    with FakeAstro() as astro:
        feed = AstroFeed("not.a.token", lambda activity: None, url=astro.url, backoff=(0.05, 0.1))
        feed.start()
        wait_until(lambda: feed.failure)
        time.sleep(0.3)
        assert astro.refused == 1  # not retried
        assert "err_unauthorized" in feed.failure
        feed.stop()


def test_connect_reads_the_channel_from_the_jwt(container: Container, tenant: Tenant) -> None:
    saved = connect_streamelements(container, org_id=tenant.org_id, token=JWT)
    assert (saved.platform, saved.account_id, saved.account_name) == (
        "streamelements",
        "5d7e1",
        "creator",
    )
    assert connections.organizations_on(container.uow(), "streamelements") == [tenant.org_id]
