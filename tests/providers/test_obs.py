"""The obs-websocket 5 client against a protocol-level fake of OBS."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from fakes.obs import FakeObsServer
from support import wait_until
from wavestack.providers.obs import ObsError
from wavestack.providers.obs.client import ObsEvent, ObsWebSocket, auth_response


@pytest.fixture
def obs() -> Iterator[FakeObsServer]:
    with FakeObsServer() as server:
        yield server


class Events:
    def __init__(self) -> None:
        self.seen: list[ObsEvent] = []
        self._changed = threading.Condition()

    def __call__(self, event: ObsEvent) -> None:
        with self._changed:
            self.seen.append(event)
            self._changed.notify_all()

    def wait_for(self, event_type: str, count: int = 1) -> list[ObsEvent]:
        def matching() -> list[ObsEvent]:
            return [e for e in self.seen if e.type == event_type]

        with self._changed:
            found = self._changed.wait_for(lambda: len(matching()) >= count, timeout=5)
            assert found, [e.type for e in self.seen]
            return matching()


def client(server: FakeObsServer, events: Events | None = None, **kwargs: object) -> ObsWebSocket:
    connection = ObsWebSocket(
        server.url,
        kwargs.pop("password", server.password),  # type: ignore[arg-type]
        on_event=events,
        timeout=2.0,
        backoff=(0.05, 0.2),
    )
    connection.connect()
    return connection


def test_the_authentication_string_follows_the_protocol() -> None:
    # The worked example of obs-websocket's protocol documentation.
    assert (
        auth_response(
            "supersecretpassword",
            "lM1GncleQOaCu9lT1yeUZhFYnqhsLLP1G5lAGo3ixaI=",
            "+IxH4CnCiqpX1rM9scsNynZzbOe4KhDeYcTNS3PDaeY=",
        )
        == "1Ct943GAT+6YQUUX47Ia/ncufilbe6+oD6lY+5kaCu4="
    )


def test_scenes_sources_and_events(obs: FakeObsServer) -> None:
    events = Events()
    connection = client(obs, events)
    try:
        assert connection.scenes() == ["Starting Soon", "Gameplay", "BRB"]
        connection.set_scene("gameplay")
        assert obs.current == "Gameplay"
        assert events.wait_for("CurrentProgramSceneChanged")[0].data == {"sceneName": "Gameplay"}
        assert connection.toggle_source("WEBCAM") is False
        assert connection.toggle_source("webcam") is True
        with pytest.raises(ObsError, match="no scene named 'Lobby'"):
            connection.set_scene("Lobby")
        with pytest.raises(ObsError, match="no source 'Music' in scene 'Gameplay'"):
            connection.toggle_source("Music")
        obs.emit("CurrentProgramSceneChanged", {"sceneName": "BRB"})  # switched in OBS itself
        scenes = events.wait_for("CurrentProgramSceneChanged", count=2)
        assert [e.data["sceneName"] for e in scenes] == ["Gameplay", "BRB"]
    finally:
        connection.close()


def test_the_stream_replays_and_stats(obs: FakeObsServer) -> None:
    events = Events()
    connection = client(obs, events)
    try:
        connection.start_stream()
        assert connection.streaming() is True
        state = events.wait_for("StreamStateChanged")[0].data
        assert state == {"outputActive": True, "outputState": "OBS_WEBSOCKET_OUTPUT_STARTED"}
        with pytest.raises(ObsError, match="already streaming"):
            connection.start_stream()
        assert connection.save_replay() == "/recordings/Replay 001.mkv"
        saved = events.wait_for("ReplayBufferSaved")[0].data["savedReplayPath"]
        assert saved.endswith("001.mkv")
        stats = connection.stats()
        assert (stats.streaming, stats.scene, stats.cpu_percent, stats.dropped_frames) == (
            True,
            "Starting Soon",
            12.3,
            3,
        )
        connection.stop_stream()
        with pytest.raises(ObsError, match="not streaming"):
            connection.stop_stream()
        obs.replay_buffer = False
        with pytest.raises(ObsError, match="replay buffer is off"):
            connection.save_replay()
    finally:
        connection.close()


def test_a_wrong_or_missing_password_is_said_plainly(obs: FakeObsServer) -> None:
    with pytest.raises(ObsError, match="refused the password"):
        client(obs, password="wrong")
    with pytest.raises(ObsError, match="asks for a password"):
        client(obs, password="")
    obs.password = ""  # authentication off in OBS: no password needed
    client(obs, password="").close()


def test_unreachable_obs() -> None:
    with pytest.raises(ObsError, match="not reachable"):
        ObsWebSocket("ws://127.0.0.1:9", timeout=1.0).connect()


def test_reconnects_after_obs_restarts(obs: FakeObsServer) -> None:
    connection = client(obs)
    try:
        obs.restart()
        wait_until(lambda: obs.identified == 2 and connection.connected.is_set())
        assert connection.scenes()[0] == "Starting Soon"
    finally:
        connection.close()


def test_a_kick_from_obs_is_final(obs: FakeObsServer) -> None:
    connection = client(obs)
    try:
        obs.kick()
        wait_until(lambda: connection.failure != "")
        with pytest.raises(ObsError, match="disconnected this client"):
            connection.scenes()
        time.sleep(0.3)  # longer than the backoff: no new session
        assert obs.identified == 1
    finally:
        connection.close()
