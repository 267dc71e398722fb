"""Streamlabs alerts: the Socket API (Socket.IO 2 over Engine.IO 3) against a protocol-level
fake, donations, Super Chats and merch thanked in chat, the platforms' own events not thanked
twice, reconnects after a drop or silent pings, a refused token."""

from __future__ import annotations

import time
from typing import Any

import pytest

from chat_harness import ChatHarness
from fakes.streamlabs import SOCKET_TOKEN, FakeSocketApi
from support import Tenant, wait_until
from wavestack.bootstrap import Container
from wavestack.connect import ConnectFailed, connect_streamlabs
from wavestack.providers.streamlabs import StreamlabsSettings, StreamlabsSocket
from wavestack.services import bots, connections
from wavestack.services.bots.streamlabs import streamlabs_events

CHANNELS = {"twitch": "100", "youtube": "UCcreator"}


def alert(kind: str, source: str = "streamlabs", *items: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": kind,
        "for": source,
        "event_id": f"evt-{kind}",
        "message": list(items) or [{"_id": f"id-{kind}", "name": "generous"}],
    }


def test_alerts_become_platform_events() -> None:
    donation = streamlabs_events(
        alert(
            "donation",
            "streamlabs",
            {"_id": "d1", "name": "Generous", "amount": "5.00", "currency": "EUR", "message": "gg"},
        ),
        channels=CHANNELS,
        native={"twitch"},
    )
    assert [(e.id, e.platform, e.channel_id, e.event_type, e.amount) for e in donation] == [
        ("sl:d1:0", "twitch", "100", "donation", 5.0)
    ]
    assert donation[0].data == {
        "source": "streamlabs",
        "kind": "donation",
        "currency": "EUR",
        "message": "gg",
    }
    superchat = streamlabs_events(
        alert("superchat", "youtube_account", {"_id": "s1", "name": "Fan", "amount": "2500000"}),
        channels=CHANNELS,
        native={"twitch"},  # YouTube's chat is not connected: thanked from Streamlabs
    )
    assert [(e.platform, e.channel_id, e.event_type, e.amount) for e in superchat] == [
        ("youtube", "UCcreator", "donation", 2.5)
    ]
    # EventSub reports Twitch follows, subs and raids already.
    assert (
        streamlabs_events(alert("follow", "twitch_account"), channels=CHANNELS, native={"twitch"})
        == []
    )
    resubs = streamlabs_events(
        alert(
            "resub",
            "twitch_account",
            {"_id": "r1", "name": "loyal", "months": 7},
            {"_id": "r2", "name": "newer", "months": 2},
        ),
        channels={"youtube": "UCcreator"},
        native={"youtube"},
    )
    assert [(e.user_name, e.amount, e.platform) for e in resubs] == [
        ("loyal", 7.0, "youtube"),
        ("newer", 2.0, "youtube"),
    ]
    merch = streamlabs_events(
        alert("merch", "streamlabs", {"_id": "m1", "from": "Buyer", "product": "Hoodie"}),
        channels=CHANNELS,
        native=set(),
    )
    assert merch[0].data is not None
    assert (merch[0].user_name, merch[0].event_type, merch[0].data["items"]) == (
        "Buyer",
        "other",
        ["Hoodie"],
    )
    assert (
        streamlabs_events(alert("loyalty_store_redemption"), channels=CHANNELS, native=set()) == []
    )
    assert streamlabs_events(alert("donation"), channels={}, native=set()) == []
    assert (
        streamlabs_events({"type": "donation", "message": "oops"}, channels=CHANNELS, native=set())
        == []
    )


def test_donations_are_thanked_and_drops_reconnect(container: Container, tenant: Tenant) -> None:
    chat = ChatHarness(container, tenant.org_id)
    with FakeSocketApi(ping_interval_ms=100, ping_timeout_ms=300) as api:
        listener = bots.StreamlabsListener(
            chat.bot, SOCKET_TOKEN, url=api.url, channels={"twitch": "chan"}, native={"twitch"}
        )
        listener.feed = StreamlabsSocket(
            SOCKET_TOKEN, listener.alert, url=api.url, backoff=(0.05, 0.2)
        )
        listener.start()
        try:
            assert listener.feed.connected.wait(5)
            api.event(alert("donation", "streamlabs", {"_id": "d9", "name": "Ann", "amount": 7.5}))
            wait_until(lambda: chat.chats["twitch"].sent)
            assert chat.replies() == ["Thanks Ann for the 7.50 tip!"]
            api.event(alert("merch", "streamlabs", {"_id": "m9", "from": "Bo", "product": "Mug"}))
            wait_until(lambda: chat.chats["twitch"].sent[1:])
            assert chat.replies() == ["Thanks Bo for getting some merch!"]
            wait_until(lambda: api.pings >= 2)  # the client keeps the connection alive

            api.drop()  # gone without a goodbye: reconnected after a short wait
            wait_until(lambda: api.connections == 2)
            api.quiet = True  # pings unanswered: the client gives up on it and reconnects
            wait_until(lambda: api.connections == 3)
            api.quiet = False
            wait_until(lambda: api.connected == 1)
            api.event(alert("donation", "streamlabs", {"_id": "d10", "name": "Cy", "amount": 1}))
            wait_until(lambda: chat.chats["twitch"].sent[2:])
            assert chat.replies() == ["Thanks Cy for the 1.00 tip!"]
        finally:
            listener.stop()


def test_a_refused_token_is_final() -> None:
    with FakeSocketApi() as api:
        socket = StreamlabsSocket("wrong", lambda _e: None, url=api.url, backoff=(0.05, 0.1))
        socket.start()
        wait_until(lambda: socket.failure)
        time.sleep(0.3)
        assert api.refused == 1  # not retried
        assert socket.failure == "Streamlabs refused the socket token (Unauthorized)"
        socket.stop()


def test_connect_checks_the_token(container: Container, tenant: Tenant) -> None:
    with FakeSocketApi() as api:
        settings = StreamlabsSettings(url=api.url)
        with pytest.raises(ConnectFailed, match="refused the socket token"):
            connect_streamlabs(container, settings, org_id=tenant.org_id, token="wrong")
        saved = connect_streamlabs(container, settings, org_id=tenant.org_id, token=SOCKET_TOKEN)
    assert (saved.platform, saved.account_name) == ("streamlabs", "Streamlabs alerts")
    assert connections.organizations_on(container.uow(), "streamlabs") == [tenant.org_id]
    with pytest.raises(ConnectFailed, match="could not be reached"):
        connect_streamlabs(container, settings, org_id=tenant.org_id, token=SOCKET_TOKEN)
