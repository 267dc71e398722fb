"""Social ingest: the live message stream over a real websocket, and soft deletes."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import uvicorn
from test_social_ingest_api import event, ingest, messages, search
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from support import SyncASGIClient, Tenant, make_tenant
from wavestack.app import create_app
from wavestack.bootstrap import Container
from wavestack.kernel.bus import InProcessBus, Listener
from wavestack.kernel.messages import Envelope
from wavestack.services import social_ingest
from wavestack.services.social_ingest.stream import MessageFeed

POLICY_VIOLATION = 1008
STREAM = "/api/v1/stream/messages"


@pytest.fixture
def server(container: Container) -> Iterator[str]:
    """The app of `container` served by uvicorn on a free port; yields its host and port.

    Requests may go to the in-process `api` instead: both apps share the container's bus.
    """
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        create_app(container), lifespan="off", log_config=None, access_log=False
    )
    served = uvicorn.Server(config)
    thread = threading.Thread(target=served.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not served.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"127.0.0.1:{sock.getsockname()[1]}"
    finally:
        served.should_exit = True
        thread.join(10)
        sock.close()


def subscribe(
    server: str, tenant: Tenant | None, query: str = "", *, in_query: bool = False
) -> ClientConnection:
    headers = tenant.headers if tenant is not None and not in_query else {}
    if tenant is not None and in_query:
        query = f"{query}&token={tenant.token}" if query else f"?token={tenant.token}"
    return connect(f"ws://{server}{STREAM}{query}", additional_headers=headers, open_timeout=5)


def received(ws: ClientConnection, count: int = 1) -> list[dict[str, Any]]:
    return [json.loads(ws.recv(timeout=5)) for _ in range(count)]


def close_code(ws: ClientConnection) -> int | None:
    with pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)
    return closed.value.rcvd.code if closed.value.rcvd is not None else None


def test_subscribers_receive_new_and_edited_messages_as_stored(
    server: str, api: SyncASGIClient, tenant: Tenant
) -> None:
    every = subscribe(server, tenant)
    discord = subscribe(server, tenant, "?platform=discord", in_query=True)
    channel = subscribe(server, tenant, "?platform=twitch&channelId=chan2")
    with every, discord, channel:
        batch = [
            event(1, meta={"emotes": ["Kappa"]}),
            event(2, channel={"id": "chan2"}),
            event(3, platform="discord", channel={"id": "chan2", "name": "general"}),
        ]
        assert ingest(api, tenant, batch) == {"accepted": 3, "duplicates": 0, "edited": 0}
        pushed = received(every, 3)
        assert [m["id"] for m in pushed] == ["m1", "m2", "m3"]
        # Exactly what the list endpoint answers, camelCase included.
        listed = {m["id"]: m for m in messages(api, tenant)["messages"]}
        assert pushed == [listed["m1"], listed["m2"], listed["m3"]]
        assert pushed[0]["author"]["isMod"] is False
        assert pushed[0]["editedAt"] is None

        # Repeats are not pushed again; an edit is, with its new text.
        edit = event(2, channel={"id": "chan2"}, text="message 2, fixed")
        assert ingest(api, tenant, [*batch, edit])["edited"] == 1
        (edited,) = received(every)
        assert (edited["id"], edited["text"]) == ("m2", "message 2, fixed")
        assert edited["editedAt"] is not None
        assert edited == {m["id"]: m for m in messages(api, tenant)["messages"]}["m2"]

        # The filtered subscribers saw their own messages only: the next they get is a
        # message posted last.
        ingest(api, tenant, [event(9, platform="discord", channel={"id": "chan2"})])
        assert [m["id"] for m in received(discord, 2)] == ["m3", "m9"]
        assert [m["id"] for m in received(channel, 2)] == ["m2", "m2"]
        ingest(api, tenant, [event(10, channel={"id": "chan2"})])
        assert [m["id"] for m in received(channel)] == ["m10"]


def test_another_organizations_messages_never_arrive(
    server: str, api: SyncASGIClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    with subscribe(server, tenant) as mine, subscribe(server, other_tenant) as theirs:
        ingest(api, other_tenant, [event(1, text="secret")])
        ingest(api, tenant, [event(1, text="mine")])
        assert [m["text"] for m in received(mine)] == ["mine"]
        assert [m["text"] for m in received(theirs)] == ["secret"]


def test_missing_or_bad_tokens_are_refused(
    server: str,
    api: SyncASGIClient,
    container: Container,
    tenant: Tenant,
    other_tenant: Tenant,
) -> None:
    writer = make_tenant(container, "Writer", scopes=["chat:write"])
    queue_only = make_tenant(container, "Queue", scopes=["queue:read"])
    forged = Tenant(tenant.org_id, tenant.client_id, "", tenant.token[:-4] + "AAAA")
    for refused in (None, forged, queue_only):
        with subscribe(server, refused) as ws:
            assert close_code(ws) == POLICY_VIOLATION
    with subscribe(server, queue_only, in_query=True) as ws:
        assert close_code(ws) == POLICY_VIOLATION
    claimed = {**tenant.headers, "X-Org-Id": other_tenant.org_id}
    url = f"ws://{server}{STREAM}"
    with connect(url, additional_headers=claimed, open_timeout=5) as ws:
        assert close_code(ws) == POLICY_VIOLATION
    with connect(url, additional_headers={"Authorization": "Basic abc"}, open_timeout=5) as ws:
        assert close_code(ws) == POLICY_VIOLATION
    # An unknown platform fails validation before the handshake completes.
    with pytest.raises(InvalidStatus):
        subscribe(server, tenant, "?platform=myspace")
    # `chat:write` implies `chat:read`.
    with subscribe(server, writer) as ws:
        ingest(api, writer, [event(1)])
        assert [m["id"] for m in received(ws)] == ["m1"]


def test_the_stream_closes_when_the_token_expires(
    server: str, container: Container, tenant: Tenant
) -> None:
    now = int(time.time())
    kid, key = container.keys.signing()
    claims = {
        "sub": tenant.client_id,
        "org_id": tenant.org_id,
        "scope": "chat:read",
        "iat": now,
        "nbf": now,
        "exp": now + 1,
        "aud": container.settings.auth_audience,
        "iss": container.settings.auth_issuer,
    }
    short = jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})
    started = time.monotonic()
    with subscribe(server, Tenant(tenant.org_id, tenant.client_id, "", short)) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
        assert closed.value.rcvd is not None
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1008, "token expired")
    assert time.monotonic() - started < 5


def test_deleted_messages_are_not_streamed_again(
    server: str, api: SyncASGIClient, tenant: Tenant
) -> None:
    ingest(api, tenant, [event(1), event(2)])
    assert api.delete("/api/v1/messages/twitch/m1", headers=tenant.headers).status_code == 204
    with subscribe(server, tenant) as ws:
        again = [event(1), event(1, text="edited after deletion"), event(3)]
        assert ingest(api, tenant, again) == {"accepted": 1, "duplicates": 2, "edited": 0}
        assert [m["id"] for m in received(ws)] == ["m3"]


# --- soft deletes ---------------------------------------------------------------------------


def test_a_deleted_message_leaves_lists_search_and_analytics(
    api: SyncASGIClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    ingest(
        api,
        tenant,
        [
            event(1, author={"id": "ana", "name": "Ana"}, text="clutch KEKW #speedrun"),
            event(2, author={"id": "ana", "name": "Ana"}, text="clutch again"),
            event(3, author={"id": "bo", "name": "Bo"}, text="gg"),
        ],
    )
    # Another organization cannot delete it, nor learn that it exists.
    response = api.delete("/api/v1/messages/twitch/m1", headers=other_tenant.headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"
    assert messages(api, tenant)["count"] == 3

    response = api.delete("/api/v1/messages/twitch/m1", headers=tenant.headers)
    assert (response.status_code, response.content) == (204, b"")
    assert [m["id"] for m in messages(api, tenant)["messages"]] == ["m3", "m2"]
    assert [m["id"] for m in messages(api, tenant, "?userId=ana")["messages"]] == ["m2"]
    assert [h["id"] for h in search(api, tenant, "q=clutch")] == ["m2"]
    assert search(api, tenant, "q=KEKW") == []
    user = api.get("/api/v1/analytics/user/ana", headers=tenant.headers).json()
    assert (user["messageCount"], user["topEmotes"], user["topHashtags"]) == (1, [], [])
    day = api.get("/api/v1/analytics/channel/chan1?date=2026-11-20", headers=tenant.headers)
    assert (day.json()["messages"], day.json()["uniqueChatters"]) == (2, 2)
    board = api.get("/api/v1/leaderboard", headers=tenant.headers).json()
    assert [(row["userId"], row["value"]) for row in board] == [("ana", 1), ("bo", 1)]

    # Deleting again is harmless; unknown messages are not found.
    assert api.delete("/api/v1/messages/twitch/m1", headers=tenant.headers).status_code == 204
    for path, code in [
        ("twitch/m404", "NOT_FOUND"),
        ("discord/m2", "NOT_FOUND"),
        ("myspace/m2", "VALIDATION_ERROR"),
    ]:
        response = api.delete(f"/api/v1/messages/{path}", headers=tenant.headers)
        assert response.json()["error"]["code"] == code, path

    # The last message of a chatter gone, the chatter is gone from analytics.
    assert api.delete("/api/v1/messages/twitch/m2", headers=tenant.headers).status_code == 204
    assert api.get("/api/v1/analytics/user/ana", headers=tenant.headers).status_code == 404


def test_ingesting_a_deleted_message_again_does_not_bring_it_back(
    api: SyncASGIClient, tenant: Tenant
) -> None:
    ingest(api, tenant, [event(1), event(2)])
    assert api.delete("/api/v1/messages/twitch/m1", headers=tenant.headers).status_code == 204
    assert ingest(api, tenant, [event(1)]) == {"accepted": 0, "duplicates": 1, "edited": 0}
    edited = [event(1, text="message 1 (edited)")]
    assert ingest(api, tenant, edited) == {"accepted": 0, "duplicates": 1, "edited": 0}
    assert [m["id"] for m in messages(api, tenant)["messages"]] == ["m2"]
    assert search(api, tenant, "q=edited") == []


def test_message_ids_with_slashes_can_be_deleted(api: SyncASGIClient, tenant: Tenant) -> None:
    wamid = "wamid.HBgL/MzQ2+NTc=="
    ingest(api, tenant, [event(1, id=wamid, platform="whatsapp"), event(2, platform="whatsapp")])
    for path in (f"whatsapp/{wamid}", "whatsapp/wamid.HBgL%2FMzQ2%2BNTc%3D%3D"):
        assert api.delete(f"/api/v1/messages/{path}", headers=tenant.headers).status_code == 204
    assert [m["id"] for m in messages(api, tenant)["messages"]] == ["m2"]
    spec = api.get("/api/openapi.json").json()
    assert "delete" in spec["paths"]["/api/v1/messages/{platform}/{message_id}"]


def test_deleting_needs_chat_write(api: SyncASGIClient, container: Container) -> None:
    reader = make_tenant(container, "Reader", scopes=["chat:read"])
    response = api.delete("/api/v1/messages/twitch/m1", headers=reader.headers)
    assert response.status_code == 403
    assert api.delete("/api/v1/messages/twitch/m1").status_code == 401


def test_delete_messages_counts_what_it_deleted(
    api: SyncASGIClient, container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    ingest(api, tenant, [event(n) for n in range(5)])
    ingest(api, tenant, [event(1, platform="discord")])

    def delete(org_id: str, *ids: str) -> int:
        return social_ingest.delete_messages(
            container.uow(), org_id=org_id, platform="twitch", message_ids=list(ids)
        )

    assert delete(other_tenant.org_id, "m1", "m2") == 0
    assert delete(tenant.org_id, "m1", "m1", "m2", "nope") == 2
    assert delete(tenant.org_id, "m1", "m2", "m3") == 1
    assert delete(tenant.org_id) == 0
    assert messages(api, tenant)["count"] == 3  # m0, m4 and the discord m1
    assert messages(api, tenant, "?platform=discord")["count"] == 1


# --- the feed and announce, without a server -------------------------------------------------


def stored(n: int, **changes: Any) -> social_ingest.StoredMessage:
    return social_ingest.StoredMessage.model_validate(event(n, **changes))


def test_a_slow_subscriber_loses_the_oldest_messages_and_holds_no_one_up() -> None:
    bus = InProcessBus()

    async def scenario() -> tuple[list[str], int, list[str]]:
        async with (
            MessageFeed(bus, org_id="org", size=3) as slow,
            MessageFeed(bus, org_id="org", channel_id="chan2") as other,
        ):
            social_ingest.announce(bus, "org", [stored(n) for n in range(5)])
            social_ingest.announce(bus, "org", [stored(9, channel={"id": "chan2"})])
            social_ingest.announce(bus, "another org", [stored(8, channel={"id": "chan2"})])
            await asyncio.sleep(0)  # the hand-offs run on the loop
            kept = [json.loads(await slow.next())["id"] for _ in range(3)]
            return kept, slow.dropped, [json.loads(await other.next())["id"]]

    assert asyncio.run(scenario()) == (["m3", "m4", "m9"], 3, ["m9"])


class FailingBus:
    """A bus that is down."""

    def __init__(self) -> None:
        self.sent: list[Envelope] = []

    def publish(self, envelope: Envelope) -> None:
        self.sent.append(envelope)
        raise ConnectionError("redis is down")

    def listen(self, listener: Listener) -> Any:
        raise NotImplementedError

    def has_listeners(self) -> bool:
        return True

    def close(self) -> None:
        return


def test_announce_is_best_effort_and_sends_nothing_for_nothing() -> None:
    bus = FailingBus()
    social_ingest.announce(bus, "org", [])
    assert bus.sent == []
    social_ingest.announce(bus, "org", [stored(1)])  # logged, not raised
    (envelope,) = bus.sent
    assert (envelope.type, envelope.org_id) == (social_ingest.MESSAGES_STORED, "org")
    assert envelope.data["messages"][0]["id"] == "m1"
    assert envelope.data["messages"][0]["channel"] == {"id": "chan1", "name": "creator"}


def test_announce_builds_nothing_when_nobody_listens() -> None:
    bus = InProcessBus()
    sent: list[Envelope] = []
    social_ingest.announce(bus, "org", [stored(1)])
    remove = bus.listen(sent.append)
    social_ingest.announce(bus, "org", [stored(2)])
    remove()
    social_ingest.announce(bus, "org", [stored(3)])
    assert [e.data["messages"][0]["id"] for e in sent] == ["m2"]
