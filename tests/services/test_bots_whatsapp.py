"""WhatsApp: the webhook (verification handshake, signatures), the Cloud API client, the
24-hour window, and the bot answering customers, against protocol-level fakes of Meta."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import timedelta

import httpx
import pytest

from fakes.whatsapp import (
    ACCESS_TOKEN,
    APP_SECRET,
    PHONE_NUMBER_ID,
    FakeCloudApi,
    delivery,
    signed,
)
from support import SyncASGIClient, Tenant, wait_until
from wavestack.adapters import ChatAdapters
from wavestack.bootstrap import Container
from wavestack.connect import ConnectFailed, connect_whatsapp
from wavestack.kernel.clock import utcnow
from wavestack.providers.chat.port import PlatformError
from wavestack.providers.twitch import TwitchSettings
from wavestack.providers.whatsapp import WhatsAppCloud, WhatsAppError, WhatsAppSettings
from wavestack.services import auto_mod, bots

SETTINGS = WhatsAppSettings(app_secret=APP_SECRET, verify_token="let-me-in")


@pytest.fixture(autouse=True)
def meta_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAVESTACK_WHATSAPP_APP_SECRET", APP_SECRET)
    monkeypatch.setenv("WAVESTACK_WHATSAPP_VERIFY_TOKEN", "let-me-in")


def test_the_verification_handshake(api: SyncASGIClient, tenant: Tenant) -> None:
    url = f"/api/v1/hooks/whatsapp/{tenant.org_id}"
    ok = api.get(
        url,
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": "let-me-in",
            "hub.challenge": "1158201444",
        },
    )
    assert (ok.status_code, ok.text) == (200, "1158201444")
    wrong = api.get(
        url, params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"}
    )
    assert wrong.status_code == 403
    assert (
        api.get("/api/v1/hooks/whatsapp/no-such-org", params={"hub.mode": "subscribe"}).status_code
        == 404
    )


def test_deliveries_need_a_valid_signature(
    api: SyncASGIClient, tenant: Tenant, container: Container
) -> None:
    url = f"/api/v1/hooks/whatsapp/{tenant.org_id}"
    seen: list[object] = []
    container.bus.listen(seen.append)
    body, headers = signed(delivery("hello"))
    forged = {**headers, "X-Hub-Signature-256": "sha256=" + "0" * 64}
    assert api.post(url, content=body, headers=forged).status_code == 403
    unsigned = {"Content-Type": "application/json"}
    assert api.post(url, content=body, headers=unsigned).status_code == 403
    assert seen == []
    good = api.post(url, content=body, headers=headers)
    assert (good.status_code, good.json()) == (200, {"received": 1})
    wait_until(lambda: seen)  # with Redis the bus answers from another thread
    time.sleep(0.1)
    assert len(seen) == 1  # the refused deliveries published nothing
    raw = b"not json"
    signature = hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    refused = api.post(url, content=raw, headers={"X-Hub-Signature-256": f"sha256={signature}"})
    assert refused.status_code == 422  # signed, but not a delivery


def test_the_cloud_api_client() -> None:
    fake = FakeCloudApi(throttle=1)
    slept: list[float] = []
    cloud = WhatsAppCloud(
        httpx.Client(transport=fake.transport()),
        token=ACCESS_TOKEN,
        phone_number_id=PHONE_NUMBER_ID,
        sleep=slept.append,
    )
    fake.last_heard["15550001111"] = time.time()
    assert cloud.send_text("15550001111", "hi", reply_to="wamid.1").startswith("wamid.")
    assert slept == [1.0]  # the rate limit was waited out
    assert fake.sent[0]["context"] == {"message_id": "wamid.1"}
    with pytest.raises(WhatsAppError, match="only a template") as outside:
        cloud.send_text("15559999999", "nobody wrote in 24 h")
    assert outside.value.code == 131047
    cloud.send_template("15559999999", "reply_later", "en", ["thanks for writing"])
    assert fake.sent[-1]["template"]["components"][0]["parameters"] == [
        {"type": "text", "text": "thanks for writing"}
    ]
    expired = WhatsAppCloud(
        httpx.Client(transport=fake.transport()), token="old", phone_number_id=PHONE_NUMBER_ID
    )
    with pytest.raises(WhatsAppError, match="connect WhatsApp again"):
        expired.send_text("15550001111", "hi")


def test_outside_the_window_the_template_or_nothing() -> None:
    fake = FakeCloudApi()
    cloud = WhatsAppCloud(
        httpx.Client(transport=fake.transport()),
        token=ACCESS_TOKEN,
        phone_number_id=PHONE_NUMBER_ID,
    )
    later = [utcnow()]
    chat = bots.WhatsAppChat(cloud, template="reply_later", clock=lambda: later[0])
    chat.heard("15550001111", utcnow())
    fake.last_heard["15550001111"] = time.time()
    chat.send("15550001111", "within the window")
    later[0] += timedelta(hours=25)
    chat.send("15550001111", "a day later")
    chat.outbox.flush()
    assert [m["type"] for m in fake.sent] == ["text", "template"]
    silent = bots.WhatsAppChat(cloud, clock=lambda: later[0])
    with pytest.raises(PlatformError, match="WAVESTACK_WHATSAPP_TEMPLATE"):
        silent.send("15550001111", "no template set")
    chat.outbox.close()
    silent.outbox.close()


def test_the_bot_answers_customers(
    api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    fake = FakeCloudApi()
    http = httpx.Client(transport=fake.transport())
    with pytest.raises(ConnectFailed, match="refused"):
        connect_whatsapp(
            container,
            SETTINGS,
            org_id=tenant.org_id,
            token="wrong",
            phone_number_id=PHONE_NUMBER_ID,
            http=http,
        )
    connected = connect_whatsapp(
        container,
        SETTINGS,
        org_id=tenant.org_id,
        token=ACCESS_TOKEN,
        phone_number_id=PHONE_NUMBER_ID,
        http=http,
    )
    assert (connected.account_id, connected.account_name) == (PHONE_NUMBER_ID, "Creator Shop")
    adapters = ChatAdapters(
        container, twitch=TwitchSettings(client_id=""), whatsapp=SETTINGS, http=http
    )
    try:
        assert adapters.start() == ["whatsapp: Creator Shop"]
        fake.last_heard["15550001111"] = time.time()
        body, headers = signed(delivery("!coinflip heads", message_id="wamid.in1"))
        assert (
            api.post(
                f"/api/v1/hooks/whatsapp/{tenant.org_id}", content=body, headers=headers
            ).status_code
            == 200
        )
        wait_until(lambda: fake.sent)
        answer = fake.sent[0]
        assert (answer["to"], answer["type"], answer["context"]) == (
            "15550001111",
            "text",
            {"message_id": "wamid.in1"},
        )
        assert answer["text"]["body"].startswith("@Ana it's ")
        # Auto-mod judges WhatsApp too; deleting is not possible there, the audit still has it.
        body, headers = signed(delivery("you are a fucking idiot", message_id="wamid.in2"))
        api.post(f"/api/v1/hooks/whatsapp/{tenant.org_id}", content=body, headers=headers)

        def audited() -> int:
            return auto_mod.audit_page(
                container.uow(write=False),
                org_id=tenant.org_id,
                channel_id="15550001111",
                user_id=None,
                action=None,
                since=None,
                until=None,
                limit=5,
                offset=0,
            ).total

        wait_until(lambda: audited() == 1)
        body, headers = signed(delivery("!roll", message_id="wamid.in3"))
        api.post(f"/api/v1/hooks/whatsapp/{tenant.org_id}", content=body, headers=headers)
        wait_until(lambda: len(fake.sent) == 2)
        assert "rolled" in fake.sent[1]["text"]["body"]
    finally:
        adapters.stop()
