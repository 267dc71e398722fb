"""The economy: earning, spending, the ledger's invariants under concurrency, linking, importing."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from chat_harness import ChatHarness
from support import SyncASGIClient, Tenant
from wavestack.bootstrap import Container
from wavestack.services.bots import BotSettings, economy
from wavestack.services.bots.economy import AccountRef, InsufficientPoints


@pytest.fixture
def chat(container: Container, tenant: Tenant) -> ChatHarness:
    return ChatHarness(container, tenant.org_id)


def _viewer(container: Container, org_id: str, name: str, points: int = 0) -> str:
    with container.uow() as uow:
        viewer = economy.viewer_for(
            uow, org_id=org_id, account=AccountRef("twitch", f"twitch-{name}", name)
        )
        if points:
            economy.credit(uow, org_id=org_id, viewer_id=viewer, amount=points, reason="seed")
        uow.commit()
    return viewer


def _balance(container: Container, org_id: str, viewer: str) -> int:
    return economy.standing(container.uow(write=False), org_id=org_id, viewer_id=viewer).points


def _in_threads(count: int, work: Callable[[int], None]) -> None:
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            work(index)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_chatting_earns_a_point_and_xp_at_most_once_a_minute(chat: ChatHarness) -> None:
    chat.say("hi")
    chat.say("hello again")
    assert chat.points("alice") == 1
    chat.clocks.advance(59)
    chat.say("still here")
    assert chat.points("alice") == 1
    chat.clocks.advance(1)
    chat.say("a minute later")
    assert chat.points("alice") == 2
    reply = chat.one("!level")
    xp = int(reply.split(": ")[1].split("/")[0])
    assert 30 <= xp <= 50  # two messages worth 15-25 XP each


def test_points_include_what_is_not_written_yet(chat: ChatHarness) -> None:
    assert chat.one("!points") == "alice has 1 points (level 0, 0/100 XP)"
    chat.bot.flush()
    assert chat.one("!points bob", user="carol").endswith("bob has not chatted here yet")


def test_daily_once_a_day_with_a_streak(chat: ChatHarness) -> None:
    assert chat.one("!daily") == "@alice +100 points! Daily streak: 1"
    assert "already claimed" in chat.one("!daily")
    for day in range(2, 8):
        chat.clocks.advance(86400)
        reply = chat.one("!daily")
        assert reply.endswith(f"Daily streak: {day}")
    assert reply.startswith("@alice +150 points!")
    chat.clocks.advance(2 * 86400)  # a missed day starts over
    assert chat.one("!daily") == "@alice +100 points! Daily streak: 1"


def test_give_moves_points_atomically(chat: ChatHarness) -> None:
    chat.say("hi", user="bob")
    chat.one("!daily")
    assert chat.one("!give bob 30") == "@alice gave 30 points to bob"
    assert chat.points("alice") == 1 + 100 - 30
    assert chat.points("bob") == 1 + 30
    chat.clocks.advance(5)
    assert chat.one("!give bob 1000", user="alice") == "@alice not enough points for 1000"
    assert chat.points("alice") == 71
    assert "yourself" in chat.one("!give alice 5", user="alice")
    assert "has not chatted here yet" in chat.one("!give nobody 5")
    assert "Usage" in chat.one("!give bob -5")


def test_gamble_has_limits_and_never_goes_negative(container: Container, tenant: Tenant) -> None:
    chat = ChatHarness(container, tenant.org_id, settings=BotSettings(chat_points=0))
    chat.one("!daily")
    assert "bet between 10 and 10000" in chat.one("!gamble 5")
    assert "number or all" in chat.one("!gamble lots", user="alice")
    outcomes = set()
    for _ in range(12):
        chat.clocks.advance(30)
        before = chat.points("alice")
        if before < 10:
            break
        reply = chat.one("!gamble all")
        after = chat.points("alice")
        outcomes.add("won" in reply)
        assert after == (before * 2 if "won" in reply else 0)
        assert reply.endswith(f"Now {after}")
        assert chat.one("!gamble 10").endswith("!gamble is on cooldown for 30s")
    viewer = economy.find_account(
        chat.container.uow(write=False), org_id=chat.org_id, platform="twitch", name="alice"
    )
    assert viewer is not None
    total = economy.ledger_total(chat.container.uow(), org_id=chat.org_id, viewer_id=viewer)
    assert total == chat.points("alice")


def test_concurrent_daily_claims_pay_once(container: Container, tenant: Tenant) -> None:
    viewer = _viewer(container, tenant.org_id, "racer")
    paid: list[int] = []

    def claim(_: int) -> None:
        result = economy.claim_daily(
            container.uow(), org_id=tenant.org_id, viewer_id=viewer, today=date(2026, 11, 2)
        )
        paid.append(result.paid)

    _in_threads(12, claim)
    assert sorted(paid) == [0] * 11 + [100]
    assert _balance(container, tenant.org_id, viewer) == 100


def test_concurrent_transfers_keep_the_books_straight(container: Container, tenant: Tenant) -> None:
    viewers = [_viewer(container, tenant.org_id, f"v{i}", points=100) for i in range(4)]
    refused: list[int] = []

    def trade(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(15):
            sender, receiver = rng.sample(viewers, 2)
            try:
                economy.transfer(
                    container.uow(),
                    org_id=tenant.org_id,
                    sender=sender,
                    receiver=receiver,
                    amount=rng.randint(1, 80),
                    note="test",
                )
            except InsufficientPoints:
                refused.append(1)

    _in_threads(6, trade)
    balances = [_balance(container, tenant.org_id, v) for v in viewers]
    assert sum(balances) == 400
    assert min(balances) >= 0
    for viewer, balance in zip(viewers, balances, strict=True):
        assert economy.ledger_total(container.uow(), org_id=tenant.org_id, viewer_id=viewer) == (
            balance
        )


def test_a_balance_cannot_go_negative_even_by_mistake(container: Container, tenant: Tenant) -> None:
    viewer = _viewer(container, tenant.org_id, "careful", points=5)
    with pytest.raises(InsufficientPoints):
        economy.debit(
            container.uow(), org_id=tenant.org_id, viewer_id=viewer, amount=6, reason="test"
        )
    negative = text("UPDATE bots_viewers SET points = -1 WHERE id = :id")
    with container.uow() as uow, pytest.raises(IntegrityError):
        uow.session.execute(negative, {"id": viewer})
    assert _balance(container, tenant.org_id, viewer) == 5


def test_linking_joins_balances_across_platforms(chat: ChatHarness) -> None:
    chat.one("!daily")  # alice on twitch: 1 + 100
    chat.say("hi", user="alice_dc", platform="discord")
    chat.one("!coinflip", user="alice_dc", platform="discord")
    issued = chat.one("!link")
    code = issued.split("link code is ")[1].split(":")[0]
    assert "unknown or expired" in chat.one("!link WRONG1", user="alice_dc", platform="discord")
    reply = chat.one(f"!link {code}", user="alice_dc", platform="discord")
    assert "alice_dc on discord" in reply
    assert "alice on twitch" in reply
    assert "share 102 points" in reply
    # One balance from now on, wherever they spend it.
    chat.clocks.advance(10)
    assert "+100" not in chat.one("!daily", user="alice_dc", platform="discord")
    chat.say("hey", user="bob", platform="discord")
    assert "gave 50" in chat.one("!give bob 50", user="alice_dc", platform="discord")
    assert chat.points("alice") == 52
    assert chat.points("alice_dc", platform="discord") == 52
    assert "unknown or expired" in chat.one(f"!link {code}", user="eve", platform="youtube")


def test_a_link_code_expires(chat: ChatHarness) -> None:
    code = chat.one("!link").split("link code is ")[1].split(":")[0]
    with chat.container.uow() as uow:
        uow.session.execute(
            text("UPDATE bots_link_codes SET expires_at = :past"),
            {"past": chat.clocks.now.replace(year=2020)},
        )
        uow.commit()
    assert "unknown or expired" in chat.one(f"!link {code}", user="a2", platform="discord")


def test_watch_time_pays_present_chatters_while_live(container: Container, tenant: Tenant) -> None:
    chat = ChatHarness(
        container, tenant.org_id, settings=BotSettings(watch_points=10, watch_interval_seconds=300)
    )
    chat.say("hi", user="viewer")
    chat.say("hi", user="sub", role="subscriber")
    chat.say("hi", user="host", role="broadcaster")
    chat.tick(301)  # offline: nothing
    assert chat.points("viewer") == 1
    chat.event("stream_start", user=None)
    chat.say("still here", user="viewer")
    chat.say("still here", user="sub", role="subscriber")
    chat.say("me too", user="host", role="broadcaster")
    chat.tick(301)
    assert chat.points("viewer") == 2 + 10  # two chat points, one watch interval
    assert chat.points("sub") == 2 + 20
    assert chat.points("host") == 2
    chat.tick(301)  # quiet for two intervals now: no longer counted as watching
    assert chat.points("viewer") == 12


def test_economy_api_reads_and_isolation(
    api: SyncASGIClient, container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    chat = ChatHarness(container, tenant.org_id)
    chat.one("!daily")
    chat.one("!daily", user="bob")
    chat.one("!give bob 40")
    chat.bot.flush()
    top = api.get("/api/v1/economy/leaderboard", headers=tenant.headers).json()
    assert [(v["name"], v["points"]) for v in top["viewers"]] == [("bob", 141), ("alice", 61)]
    found = api.get(
        "/api/v1/economy/viewers?platform=twitch&name=ALICE", headers=tenant.headers
    ).json()
    assert found["accounts"] == [{"platform": "twitch", "name": "alice"}]
    ledger = api.get(
        f"/api/v1/economy/viewers/{found['viewerId']}/ledger", headers=tenant.headers
    ).json()
    assert [(e["delta"], e["reason"]) for e in ledger["entries"]] == [
        (1, "chat"),  # chat earnings are written in batches, after the rest here
        (-40, "give"),
        (100, "daily"),
    ]
    assert ledger["total"] == 3
    other = other_tenant.headers
    assert api.get(f"/api/v1/economy/viewers/{found['viewerId']}", headers=other).status_code == 404
    assert (
        api.get(f"/api/v1/economy/viewers/{found['viewerId']}/ledger", headers=other).status_code
        == 404
    )
    assert api.get("/api/v1/economy/leaderboard", headers=other).json()["viewers"] == []
    assert api.get("/api/v1/economy/leaderboard?metric=height", headers=other).status_code == 422


CSV = """username,platform,points
StreamFan,twitch,1500
@lurker,twitch,"2,000"
discord_pal,discord,300
"""


def test_import_points_from_another_bot(
    api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    headers = {**tenant.headers, "Content-Type": "text/csv"}
    report = api.post("/api/v1/economy/import", content=CSV, headers=headers).json()
    assert report == {"lines": 3, "credited": 3, "skipped": 0}
    again = api.post("/api/v1/economy/import", content=CSV, headers=headers).json()
    assert again == {"lines": 3, "credited": 0, "skipped": 3}
    # The imported balance belongs to whoever chats first under that name.
    chat = ChatHarness(container, tenant.org_id)
    assert chat.one("!points", user="streamfan") == "streamfan has 1501 points (level 0, 0/100 XP)"
    assert chat.points("lurker") == 2000
    no_header = "someone,250\nsomebody,0\n"
    report = api.post(
        "/api/v1/economy/import?platform=youtube", content=no_header, headers=headers
    ).json()
    assert report == {"lines": 2, "credited": 1, "skipped": 1}


def test_a_bad_import_writes_nothing(
    api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    headers = {**tenant.headers, "Content-Type": "text/csv"}
    bad = "user,platform,points\ngood,twitch,10\nbad,myspace,5\nworse,twitch,many\n,twitch,1\n"
    response = api.post("/api/v1/economy/import", content=bad, headers=headers)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert [d["line"] for d in error["details"]] == [3, 4, 5]
    assert "myspace" in error["details"][0]["error"]
    top = api.get("/api/v1/economy/leaderboard", headers=tenant.headers).json()
    assert top["viewers"] == []
    assert api.post("/api/v1/economy/import", content="", headers=headers).status_code == 422
    assert (
        api.post("/api/v1/economy/import", content="a,5\n", headers=headers).status_code == 422
    )  # no platform column and none given


def test_economy_routes_need_their_scopes(api: SyncASGIClient, container: Container) -> None:
    from support import make_tenant

    reader = make_tenant(container, "Reader", scopes=["chat:read"])
    assert api.get("/api/v1/economy/leaderboard", headers=reader.headers).status_code == 403
    assert (
        api.post("/api/v1/economy/import", content="a,twitch,1", headers=reader.headers).status_code
        == 403
    )
    assert api.get("/api/v1/economy/leaderboard").status_code == 401


def test_an_account_seen_by_two_processes_at_once_gets_one_viewer(
    container: Container, tenant: Tenant
) -> None:
    account = AccountRef("twitch", "twitch-race", "race")
    seen: list[str] = []

    def resolve(_: int) -> None:
        with container.uow() as uow:
            seen.append(economy.viewer_for(uow, org_id=tenant.org_id, account=account))
            uow.commit()

    _in_threads(8, resolve)
    assert len(set(seen)) == 1
