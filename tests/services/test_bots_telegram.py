"""Telegram: the Bot API client and the bot in a group, against a protocol-level fake of the
Bot API served over HTTP (python-telegram-bot opens its own connections)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from fakes.http import served
from fakes.telegram import BOT, TOKEN, FakeBotApi
from support import SyncASGIClient, Tenant, wait_until
from wavestack.adapters import ChatAdapters
from wavestack.bootstrap import Container
from wavestack.connect import ConnectFailed, connect_telegram
from wavestack.providers.telegram import TelegramClient, TelegramFailed, TelegramSettings
from wavestack.providers.twitch import TwitchSettings

GROUP = -1001234


@pytest.fixture
def bot_api() -> Iterator[tuple[FakeBotApi, str]]:
    api = FakeBotApi()
    with served(api.handle) as base:
        yield api, base


def message(
    text: str, *, user: int = 7, name: str = "ann", number: int = 1, **extra: Any
) -> dict[str, Any]:
    return {
        "message": {
            "message_id": number,
            "date": 1_790_000_000,
            "chat": {"id": GROUP, "type": "supergroup", "title": "Creator's group"},
            "from": {"id": user, "is_bot": False, "first_name": name.title(), "username": name},
            "text": text,
            **extra,
        }
    }


def test_the_client_polls_sends_and_moderates(bot_api: tuple[FakeBotApi, str]) -> None:
    api, base = bot_api
    got: list[dict[str, Any]] = []
    client = TelegramClient(TOKEN, api_url=base, on_update=got.append, poll_timeout=1)
    client.start()
    try:
        assert (client.username, client.user_id) == ("wavestack_bot", BOT["id"])
        api.push(message("first", number=1))
        api.push(message("second", number=2))
        wait_until(lambda: len(got) == 2)
        time.sleep(0.3)  # the next poll carries the offset: nothing comes twice
        assert [u["message"]["text"] for u in got] == ["first", "second"]
        api.throttle = 1  # one 429 with retry_after 1: waited out, then sent
        began = time.monotonic()
        assert client.send(str(GROUP), "hello", reply_to=2) > 1000
        assert time.monotonic() - began >= 0.9
        sent = api.called("sendMessage")
        assert sent[-1]["reply_parameters"] == {"message_id": 2}
        client.delete(str(GROUP), 2)
        asked_at = int(time.time())
        client.restrict(str(GROUP), 7, 10)
        restricted = api.called("restrictChatMember")[0]
        assert restricted["permissions"] == {"can_send_messages": False}
        # Telegram reads under 30 s as forever: at least that, in whole seconds.
        assert restricted["until_date"] >= asked_at + 30
        client.ban(str(GROUP), 7)
        assert [client.member_status(str(GROUP), u) for u in (1, 2, 7)] == [
            "creator",
            "administrator",
            "member",
        ]
        api.statuses[BOT["id"]] = "member"  # demoted: no rights to delete
        with pytest.raises(TelegramFailed, match="Not enough rights"):
            client.delete(str(GROUP), 1)
    finally:
        client.stop()


def test_a_bad_token_is_refused(
    container: Container, tenant: Tenant, bot_api: tuple[FakeBotApi, str]
) -> None:
    _, base = bot_api
    settings = TelegramSettings(api_url=base)
    with pytest.raises(ConnectFailed, match="refused the bot token"):
        connect_telegram(container, settings, org_id=tenant.org_id, token="999:WRONG")
    with pytest.raises(ConnectFailed, match="looks like"):
        connect_telegram(container, settings, org_id=tenant.org_id, token="nonsense")


def test_the_bot_in_a_group(
    container: Container, tenant: Tenant, bot_api: tuple[FakeBotApi, str]
) -> None:
    api, base = bot_api
    settings = TelegramSettings(api_url=base, poll_timeout=1)
    connected = connect_telegram(container, settings, org_id=tenant.org_id, token=TOKEN)
    assert (connected.platform, connected.account_name) == ("telegram", "wavestack_bot")
    adapters = ChatAdapters(container, twitch=TwitchSettings(client_id=""), telegram=settings)
    try:
        assert adapters.start() == ["telegram: @wavestack_bot"]

        def replies(count: int) -> list[str]:
            wait_until(lambda: len(api.called("sendMessage")) >= count)
            return [m["text"] for m in api.called("sendMessage")]

        api.push(message("/roll@wavestack_bot", number=10))
        assert "rolled" in replies(1)[0]
        assert api.called("sendMessage")[0]["reply_parameters"] == {"message_id": 10}
        api.push(message("!addcom !rules Be kind", number=11))  # a member: refused
        assert "only a moderator" in replies(2)[1] or "moderators only" in replies(2)[1]
        api.push(message("!addcom !rules Be kind", user=2, name="admin", number=12))
        api.push(message("!rules", number=13))
        assert replies(4)[3] == "Be kind"
        api.push(message("you are a fucking idiot", user=8, name="troll", number=14))
        wait_until(lambda: api.called("deleteMessage"))
        assert api.called("deleteMessage")[0] == {"chat_id": GROUP, "message_id": 14}
        joined = message(
            "",
            number=15,
            new_chat_members=[{"id": 9, "is_bot": False, "first_name": "Neo", "username": "neo"}],
        )
        del joined["message"]["text"]
        api.push(joined)
        assert replies(5)[4] == "Welcome, neo!"
    finally:
        adapters.stop()


def test_webhook_mode(
    api: SyncASGIClient,
    container: Container,
    tenant: Tenant,
    bot_api: tuple[FakeBotApi, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake, base = bot_api
    monkeypatch.setenv("WAVESTACK_TELEGRAM_WEBHOOK_SECRET", "s3cret-Token_1")
    settings = TelegramSettings(
        api_url=base, webhook_url="https://creator.example", webhook_secret="s3cret-Token_1"
    )
    connect_telegram(container, settings, org_id=tenant.org_id, token=TOKEN)
    adapters = ChatAdapters(container, twitch=TwitchSettings(client_id=""), telegram=settings)
    url = f"/api/v1/hooks/telegram/{tenant.org_id}"
    try:
        adapters.start()
        assert fake.webhook == f"https://creator.example{url}"
        update = {"update_id": 77, **message("/roll", number=30)}
        assert api.post(url, json=update).status_code == 403  # no secret
        wrong = {"X-Telegram-Bot-Api-Secret-Token": "guess"}
        assert api.post(url, json=update, headers=wrong).status_code == 403
        right = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}
        assert api.post(url, json=update, headers=right).status_code == 200
        wait_until(lambda: fake.called("sendMessage"))
        assert "rolled" in fake.called("sendMessage")[0]["text"]
        assert api.post(url, content=b"[1]", headers=right).status_code == 422
    finally:
        adapters.stop()


def test_polling_recovers_after_telegram_fails(bot_api: tuple[FakeBotApi, str]) -> None:
    api, base = bot_api
    got: list[dict[str, Any]] = []
    client = TelegramClient(
        TOKEN, api_url=base, on_update=got.append, poll_timeout=1, backoff=(0.05, 0.2)
    )
    api.failing_polls = 3  # Telegram's side has a bad moment
    client.start()
    try:
        api.push(message("still there?", number=40))
        wait_until(lambda: got)
        assert got[0]["message"]["text"] == "still there?"
        assert api.failing_polls == 0
    finally:
        client.stop()
