"""YouTube Live chat: connecting the channel (Google's OAuth with PKCE), the watcher noticing a
broadcast, chat polled at YouTube's interval into the bot, answers and moderation through the
official client, the token renewed on 401, against protocol-level fakes served over HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from fakes.http import served
from fakes.oauth import consenting_browser
from fakes.youtube import CHANNEL, FakeGoogle
from support import Tenant, free_port, wait_until
from wavestack.adapters import ChatAdapters
from wavestack.bootstrap import Container
from wavestack.connect import ConnectFailed, connect_youtube
from wavestack.providers.twitch import TwitchSettings
from wavestack.providers.youtube import YouTubeError, YouTubeLiveChat, YouTubeSettings


@pytest.fixture
def google() -> Iterator[tuple[FakeGoogle, YouTubeSettings]]:
    fake = FakeGoogle()
    with served(fake.handle) as base:
        yield (
            fake,
            YouTubeSettings(
                client_id="google-client",
                client_secret="s3cret",
                redirect_uri=f"http://localhost:{free_port()}/callback",
                api_url=f"{base}/",
                auth_url=f"{base}/oauth2/auth",
                token_url=f"{base}/oauth2/token",
                watch_seconds=0.2,
            ),
        )


def browser(fake: FakeGoogle) -> Callable[[str], None]:
    def check(query: dict[str, str]) -> None:
        assert query["code_challenge_method"] == "S256"  # Google takes PKCE
        assert (query["access_type"], query["prompt"]) == ("offline", "consent")

    return consenting_browser(fake.oauth, check=check)


def test_the_client_reports_youtube_reasons(google: tuple[FakeGoogle, YouTubeSettings]) -> None:
    fake, settings = google
    fake.oauth.access_tokens.add("ya29.ok")
    client = YouTubeLiveChat(lambda force: "ya29.ok", api_url=settings.api_url)
    fake.youtube.quota_left = 0
    with pytest.raises(YouTubeError, match="quotaExceeded") as refused:
        client.active_chat()
    assert refused.value.reason == "quotaExceeded"


def test_polling_recovers_when_quota_comes_back(
    google: tuple[FakeGoogle, YouTubeSettings],
) -> None:
    from fakes.youtube import CHAT
    from wavestack.providers.youtube import poll_forever

    fake, settings = google
    fake.oauth.access_tokens.add("ya29.ok")
    client = YouTubeLiveChat(lambda force: "ya29.ok", api_url=settings.api_url)
    got: list[dict[str, object]] = []
    stop = threading.Event()
    fake.youtube.quota_left = 0  # the day's quota is gone
    poller = threading.Thread(
        target=poll_forever,
        args=(client, CHAT, got.extend, stop),
        kwargs={"skip_backlog": False, "retry_seconds": 0.05},
    )
    poller.start()
    try:
        fake.youtube.chat("after the quota came back")
        time.sleep(0.2)
        assert got == []
        fake.youtube.quota_left = 100  # a new day
        wait_until(lambda: got)
        assert got[0]["id"] == "LCC.1"
    finally:
        stop.set()
        poller.join(5)


def test_connect_needs_an_oauth_client(container: Container, tenant: Tenant) -> None:
    with pytest.raises(ConnectFailed, match="WAVESTACK_YOUTUBE_CLIENT_ID"):
        connect_youtube(
            container, YouTubeSettings(client_id=""), org_id=tenant.org_id, open_url=print
        )


def test_a_live_stream_on_youtube(
    container: Container, tenant: Tenant, google: tuple[FakeGoogle, YouTubeSettings]
) -> None:
    fake, settings = google
    connected = connect_youtube(
        container, settings, org_id=tenant.org_id, open_url=browser(fake), timeout=10
    )
    assert (connected.account_id, connected.account_name) == (CHANNEL, "The Creator")
    youtube = fake.youtube
    youtube.chat("said before the bot came: not answered")
    adapters = ChatAdapters(container, twitch=TwitchSettings(client_id=""), youtube=settings)
    try:
        assert adapters.start() == ["youtube: The Creator"]
        bot = adapters.running[0].bot
        wait_until(lambda: bot.live_since("youtube", CHANNEL) is not None)
        wait_until(lambda: len(youtube.polls) >= 2)
        youtube.chat("!roll", channel="UCviewer1", name="Viewer One")

        def said() -> list[str]:
            return [
                m["snippet"]["displayMessage"]
                for m in youtube.messages
                if m["snippet"]["authorChannelId"] == CHANNEL
            ]

        wait_until(said)
        assert "rolled" in said()[0]
        youtube.tokens.clear()  # the access token expired: refreshed on the 401
        toxic = youtube.chat("you are a fucking idiot", channel="UCtroll", name="Troll")
        wait_until(lambda: youtube.deleted == [toxic])
        youtube.chat(
            "",
            kind="superChatEvent",
            channel="UCfan",
            name="Big Fan",
            superChatDetails={
                "amountMicros": "5000000",
                "currency": "USD",
                "amountDisplayString": "$5.00",
            },
        )
        wait_until(lambda: any("tip" in line for line in said()))
        assert len(said()) == 2  # its own messages are not read back and answered
        youtube.ended = True
        wait_until(lambda: bot.live_since("youtube", CHANNEL) is None)
    finally:
        adapters.stop()


def test_going_live_and_offline_are_events(container: Container, tenant: Tenant) -> None:
    from datetime import UTC, datetime

    from wavestack.kernel.messages import Envelope
    from wavestack.services import social_ingest

    seen: list[Envelope] = []
    container.bus.listen(seen.append)
    live = social_ingest.PlatformEventIn(
        id="live-1",
        platform="youtube",
        event_type="stream_start",
        channel_id=CHANNEL,
        ts=datetime.now(UTC),
    )
    for _ in range(2):  # reported twice: one event
        social_ingest.record_events(container.uow(), org_id=tenant.org_id, events=[live])
    offline = live.model_copy(update={"id": "off-1", "event_type": "stream_end"})
    social_ingest.record_events(container.uow(), org_id=tenant.org_id, events=[offline])
    wait_until(lambda: len([e for e in seen if e.type.startswith("stream.")]) == 2)
    time.sleep(0.1)
    stream = [
        (e.type, e.data["platform"], e.data["channel_id"])
        for e in seen
        if e.type.startswith("stream.")
    ]
    assert stream == [("stream.live", "youtube", CHANNEL), ("stream.offline", "youtube", CHANNEL)]
