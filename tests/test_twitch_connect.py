"""`wavestack connect twitch` and the bots started for connected accounts, against the fakes
of Twitch's OAuth, Helix and EventSub."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from fakes.http import served
from fakes.oauth import FakeTokenEndpoint
from fakes.oauth import consenting_browser as browser
from fakes.twitch import CLIENT_ID, FakeEventSub, FakeHelix
from support import Tenant, free_port
from wavestack.adapters import ChatAdapters
from wavestack.bootstrap import Container
from wavestack.cli import app
from wavestack.connect import ConnectFailed, connect_twitch
from wavestack.providers.twitch import TwitchSettings
from wavestack.services import connections


class FakeTwitch:
    """Twitch's token endpoint and Helix behind one local HTTP server."""

    def __init__(self, eventsub: FakeEventSub | None = None) -> None:
        self.oauth = FakeTokenEndpoint(client_id=CLIENT_ID)
        self.helix = FakeHelix(eventsub=eventsub)
        self.helix.tokens = self.oauth.access_tokens  # what the token endpoint issues works

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/oauth2/"):
            return self.oauth.handle(request)
        return self.helix.handle(request)


def settings_for(base: str, **extra: str) -> TwitchSettings:
    return TwitchSettings(
        client_id=CLIENT_ID,
        client_secret="s3cret",
        redirect_uri=f"http://localhost:{free_port()}/callback",
        api_url=f"{base}/helix",
        auth_url=f"{base}/oauth2/authorize",
        token_url=f"{base}/oauth2/token",
        **extra,
    )


@pytest.fixture
def twitch() -> Iterator[tuple[FakeTwitch, str]]:
    fake = FakeTwitch()
    with served(fake.handle) as base:
        yield fake, base


def consenting_browser(
    fake: FakeTwitch, *, deny: bool = False, forge: bool = False
) -> Callable[[str], None]:
    def check(query: dict[str, str]) -> None:
        assert "code_challenge" not in query  # Twitch's confidential clients use no PKCE

    return browser(fake.oauth, check=check, deny=deny, forge=forge)


def test_connect_stores_the_account(
    container: Container, tenant: Tenant, twitch: tuple[FakeTwitch, str]
) -> None:
    fake, base = twitch
    settings = settings_for(base)
    connected = connect_twitch(
        container, settings, org_id=tenant.org_id, open_url=consenting_browser(fake), timeout=10
    )
    assert (connected.platform, connected.account_id, connected.account_name) == (
        "twitch",
        "200",
        "wavebot",
    )
    grant = fake.oauth.calls[0]
    assert (grant["grant_type"], grant["redirect_uri"]) == (
        "authorization_code",
        settings.redirect_uri,
    )
    creds = connections.credentials(
        container.uow(),
        container.secrets,
        org_id=tenant.org_id,
        platform="twitch",
        refresh=lambda token: pytest.fail("fresh tokens need no refresh"),
    )
    assert creds.access_token in fake.oauth.access_tokens


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [({"deny": True}, "denied you access"), ({"forge": True}, "did not match")],
)
def test_a_refused_or_forged_answer_connects_nothing(
    container: Container,
    tenant: Tenant,
    twitch: tuple[FakeTwitch, str],
    kwargs: dict[str, bool],
    reason: str,
) -> None:
    fake, base = twitch
    with pytest.raises(ConnectFailed, match=reason):
        connect_twitch(
            container,
            settings_for(base),
            org_id=tenant.org_id,
            open_url=consenting_browser(fake, **kwargs),
            timeout=10,
        )
    assert connections.list_connections(container.uow(), org_id=tenant.org_id) == []


def test_connect_needs_an_application(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WAVESTACK_TWITCH_CLIENT_ID", raising=False)
    result = CliRunner().invoke(app, ["connect", "twitch", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "WAVESTACK_TWITCH_CLIENT_ID" in result.output
    other = CliRunner().invoke(app, ["connect", "myspace", "--data-dir", str(tmp_path)])
    assert other.exit_code == 2


def test_the_bots_start_for_connected_accounts(
    container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    with FakeEventSub(keepalive=5) as eventsub:
        fake = FakeTwitch(eventsub)
        with served(fake.handle) as base:
            settings = settings_for(base, eventsub_url=eventsub.url, channel="streamerone")
            connect_twitch(
                container,
                settings,
                org_id=tenant.org_id,
                open_url=consenting_browser(fake),
                timeout=10,
            )
            adapters = ChatAdapters(container, twitch=settings)
            try:
                assert adapters.start() == ["twitch: wavebot in #streamerone"]  # one org connected
                listener = adapters.running[0].listeners[0]
                assert listener.socket.ready.wait(5)
                event = {
                    "broadcaster_user_id": "100",
                    "chatter_user_id": "u1",
                    "chatter_user_login": "viewer",
                    "chatter_user_name": "Viewer",
                    "message_id": "m1",
                    "message": {"text": "!coinflip heads", "fragments": []},
                    "badges": [],
                }
                assert eventsub.notify("channel.chat.message", event) == 1
                deadline = time.monotonic() + 5
                while not fake.helix.called("POST", "/chat/messages"):
                    assert time.monotonic() < deadline, "no answer in chat"
                    time.sleep(0.02)
                sent = fake.helix.called("POST", "/chat/messages")
                assert sent[0][1]["message"].startswith("@Viewer it's ")
                assert sent[0][1]["broadcaster_id"] == "100"
            finally:
                adapters.stop()


def test_no_bots_without_an_application(container: Container) -> None:
    assert ChatAdapters(container, twitch=TwitchSettings(client_id="")).start() == [
        "no chat platform connected (see README: Connecting platforms)"
    ]


def test_the_bots_steer_obs_and_mirror_its_state(container: Container, tenant: Tenant) -> None:
    from fakes.obs import FakeObsServer
    from wavestack.kernel.messages import Envelope
    from wavestack.providers.obs import ObsSettings

    seen: list[Envelope] = []
    container.bus.listen(seen.append)
    with FakeEventSub(keepalive=5) as eventsub, FakeObsServer() as obs:
        fake = FakeTwitch(eventsub)
        with served(fake.handle) as base:
            settings = settings_for(base, eventsub_url=eventsub.url)
            connect_twitch(
                container,
                settings,
                org_id=tenant.org_id,
                open_url=consenting_browser(fake),
                timeout=10,
            )
            adapters = ChatAdapters(
                container, twitch=settings, obs=ObsSettings(url=obs.url, password=obs.password)
            )
            try:
                assert adapters.start() == [f"obs: {obs.url}", "twitch: wavebot in #wavebot"]
                assert adapters.obs is not None
                assert adapters.obs.connected.wait(5)
                listener = adapters.running[0].listeners[0]
                assert listener.socket.ready.wait(5)
                event = {
                    "broadcaster_user_id": "200",
                    "chatter_user_id": "200b",
                    "chatter_user_login": "thestreamer",
                    "chatter_user_name": "TheStreamer",
                    "message_id": "m-scene",
                    "message": {"text": "!scene gameplay", "fragments": []},
                    "badges": [{"set_id": "broadcaster", "id": "1", "info": ""}],
                }
                eventsub.notify("channel.chat.message", event)
                deadline = time.monotonic() + 5
                while obs.current != "Gameplay":
                    assert time.monotonic() < deadline, "OBS did not switch"
                    time.sleep(0.02)
                while not any(e.type == "obs.scene_changed" for e in seen):
                    assert time.monotonic() < deadline, "no obs.scene_changed event"
                    time.sleep(0.02)
                mirrored = next(e for e in seen if e.type == "obs.scene_changed")
                assert (mirrored.org_id, mirrored.data["scene"]) == (tenant.org_id, "Gameplay")
            finally:
                adapters.stop()
