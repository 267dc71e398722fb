"""OBS Studio through obs-websocket 5 (OBS 28+, port 4455): the JSON subprotocol, the
authentication challenge, requests matched to their responses, events, and reconnects.

One connection per OBS. A reader thread owns the socket's incoming side: it answers waiting
requests and hands events to `on_event`. When OBS goes away the client reconnects with
backoff, except after a wrong password (4009) or a kick from OBS's UI (4011), which a retry
cannot fix.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

import structlog
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from wavestack.providers.obs.port import ObsError

log = structlog.get_logger(__name__)

SUBPROTOCOL = "obswebsocket.json"
RPC_VERSION = 1
# Event subscriptions: General (1) | Scenes (4) | Outputs (64) | SceneItems (128).
SUBSCRIPTIONS = 1 | 4 | 64 | 128
HELLO, IDENTIFY, IDENTIFIED, EVENT, REQUEST, RESPONSE = 0, 1, 2, 5, 6, 7
# Closes that a reconnect cannot fix.
AUTHENTICATION_FAILED, SESSION_INVALIDATED, UNSUPPORTED_RPC = 4009, 4011, 4010
FINAL_CLOSES = {
    AUTHENTICATION_FAILED: "OBS refused the password (obs-websocket settings)",
    SESSION_INVALIDATED: "OBS disconnected this client (kicked from its settings)",
    UNSUPPORTED_RPC: "this obs-websocket speaks another protocol version (need 5.x)",
}
OUTPUT_NOT_RUNNING, OUTPUT_RUNNING, RESOURCE_NOT_FOUND = 501, 500, 600


def auth_response(password: str, salt: str, challenge: str) -> str:
    """obs-websocket's answer: base64(sha256(base64(sha256(password + salt)) + challenge))."""
    secret = base64.b64encode(hashlib.sha256((password + salt).encode()).digest())
    return base64.b64encode(hashlib.sha256(secret + challenge.encode()).digest()).decode()


@dataclass(frozen=True)
class ObsEvent:
    """Something OBS reported: `StreamStateChanged`, `CurrentProgramSceneChanged`, ..."""

    type: str
    data: dict[str, Any]


@dataclass(frozen=True)
class ObsStats:
    """What `!obs` style status lines and the dashboard show."""

    streaming: bool
    scene: str
    cpu_percent: float
    fps: float
    dropped_frames: int
    total_frames: int


class ObsWebSocket:
    """A connection to OBS that the bots (sync code) call into."""

    def __init__(
        self,
        url: str = "ws://127.0.0.1:4455",
        password: str = "",
        *,
        on_event: Callable[[ObsEvent], None] | None = None,
        timeout: float = 5.0,
        backoff: tuple[float, float] = (1.0, 30.0),
    ) -> None:
        self.url = url
        self._password = password
        self._on_event = on_event
        self._timeout = timeout
        self._backoff = backoff
        self._socket: ClientConnection | None = None
        self._pending: dict[str, Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._reader: threading.Thread | None = None
        self.connected = threading.Event()
        self.failure = ""  # why the last connection ended for good, when it did

    # -- connection ---------------------------------------------------------------------

    def connect(self) -> None:
        """Connect and identify, then keep the connection (reconnecting) in the background."""
        self._closing.clear()
        self._open()
        self._reader = threading.Thread(target=self._run, name="obs-websocket", daemon=True)
        self._reader.start()

    def close(self) -> None:
        """Disconnect for good."""
        self._closing.set()
        socket = self._socket
        if socket is not None:
            socket.close()
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(timeout=self._timeout)

    def _open(self) -> None:
        try:
            socket = connect(
                self.url,
                subprotocols=[Subprotocol(SUBPROTOCOL)],
                open_timeout=self._timeout,
                close_timeout=1.0,
                legacy=True,  # the connection outlives this call: closed by `close` or OBS
            )
        except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as exc:
            raise ObsError(f"OBS is not reachable at {self.url} ({exc})") from exc
        try:
            hello = self._receive(socket, HELLO)
            identify: dict[str, Any] = {
                "rpcVersion": RPC_VERSION,
                "eventSubscriptions": SUBSCRIPTIONS,
            }
            challenge = hello.get("authentication")
            if challenge:
                if not self._password:
                    raise ObsError("OBS asks for a password (WAVESTACK_OBS_PASSWORD)")
                identify["authentication"] = auth_response(
                    self._password, challenge["salt"], challenge["challenge"]
                )
            socket.send(json.dumps({"op": IDENTIFY, "d": identify}))
            self._receive(socket, IDENTIFIED)
        except ConnectionClosed as exc:
            socket.close()
            code = exc.rcvd.code if exc.rcvd is not None else 0
            raise ObsError(FINAL_CLOSES.get(code, f"OBS closed the connection ({code})")) from exc
        except (ObsError, TimeoutError, ValueError, KeyError, TypeError) as exc:
            socket.close()
            if isinstance(exc, ObsError):
                raise
            raise ObsError(f"OBS did not complete the handshake ({exc})") from exc
        self._socket = socket
        self.failure = ""
        self.connected.set()
        log.info("obs connected", url=self.url, version=hello.get("obsWebSocketVersion"))

    def _receive(self, socket: ClientConnection, op: int) -> dict[str, Any]:
        message = json.loads(socket.recv(timeout=self._timeout))
        if message.get("op") != op:
            raise ObsError(f"OBS sent op {message.get('op')} where op {op} belongs")
        data: dict[str, Any] = message.get("d") or {}
        return data

    def _run(self) -> None:
        delay = self._backoff[0]
        while not self._closing.is_set():
            socket = self._socket
            if socket is not None:
                code = self._read(socket)
                self._drop(f"OBS connection lost ({code})")
                if code in FINAL_CLOSES:
                    self.failure = FINAL_CLOSES[code]
                    log.warning("obs gave up", reason=self.failure)
                    return
                delay = self._backoff[0]
            if self._closing.wait(delay):
                return
            try:
                self._open()
            except ObsError as exc:
                log.info("obs reconnect failed", error=str(exc), retry_in=delay)
                if any(reason in str(exc) for reason in FINAL_CLOSES.values()):
                    self.failure = str(exc)
                    return
                delay = min(delay * 2, self._backoff[1])

    def _read(self, socket: ClientConnection) -> int:
        """Dispatch messages until the connection ends; returns its close code."""
        try:
            for raw in socket:
                message = json.loads(raw)
                data = message.get("d") or {}
                if message.get("op") == RESPONSE:
                    waiting = self._pending.pop(str(data.get("requestId")), None)
                    if waiting is not None:
                        waiting.set_result(data)
                elif message.get("op") == EVENT and self._on_event is not None:
                    self._deliver(ObsEvent(data.get("eventType", ""), data.get("eventData") or {}))
        except ConnectionClosed:
            pass
        except ValueError:
            log.warning("obs sent something that is not JSON; reconnecting")
            socket.close()
        return socket.protocol.close_code or 1006

    def _deliver(self, event: ObsEvent) -> None:
        try:
            self._on_event(event)  # type: ignore[misc]
        except Exception:
            log.exception("obs event handler failed", event=event.type)

    def _drop(self, reason: str) -> None:
        self.connected.clear()
        self._socket = None
        with self._lock:
            waiting, self._pending = self._pending, {}
        for future in waiting.values():
            future.set_exception(ObsError(reason))

    # -- requests -----------------------------------------------------------------------

    def request(self, request_type: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send a request and wait for its response data; OBS's refusal is an `ObsError`."""
        socket = self._socket
        if socket is None:
            raise ObsError(self.failure or "OBS is not connected")
        request_id = str(next(self._ids))
        future: Future[dict[str, Any]] = Future()
        with self._lock:
            self._pending[request_id] = future
        body: dict[str, Any] = {"requestType": request_type, "requestId": request_id}
        if data:
            body["requestData"] = data
        try:
            socket.send(json.dumps({"op": REQUEST, "d": body}))
            answer = future.result(timeout=self._timeout)
        except ConnectionClosed as exc:
            raise ObsError("OBS connection lost") from exc
        except FutureTimeout as exc:
            raise ObsError(f"OBS did not answer {request_type} in {self._timeout:g}s") from exc
        finally:
            with self._lock:
                self._pending.pop(request_id, None)
        status = answer.get("requestStatus") or {}
        if not status.get("result"):
            raise ObsError(_refusal(request_type, status))
        response: dict[str, Any] = answer.get("responseData") or {}
        return response

    # -- what the bots use (the `Obs` port) ---------------------------------------------

    def scenes(self) -> list[str]:
        """The scene names, in OBS's order (top first)."""
        listed = self.request("GetSceneList")["scenes"]
        ordered = sorted(listed, key=lambda s: s.get("sceneIndex", 0), reverse=True)
        return [str(scene["sceneName"]) for scene in ordered]

    def current_scene(self) -> str:
        """The program scene."""
        return str(self.request("GetSceneList")["currentProgramSceneName"])

    def set_scene(self, name: str) -> None:
        """Switch the program scene (the name in any case)."""
        scenes = self.scenes()
        match = next((s for s in scenes if s.casefold() == name.casefold()), None)
        if match is None:
            raise ObsError(f"no scene named {name!r}; scenes: {', '.join(scenes)}")
        self.request("SetCurrentProgramScene", {"sceneName": match})

    def toggle_source(self, name: str) -> bool:
        """Show a hidden source or hide a shown one in the program scene; returns visibility."""
        scene = self.current_scene()
        items = self.request("GetSceneItemList", {"sceneName": scene})["sceneItems"]
        item = next((i for i in items if str(i["sourceName"]).casefold() == name.casefold()), None)
        if item is None:
            raise ObsError(f"no source {name!r} in scene {scene!r}")
        shown = not bool(item["sceneItemEnabled"])
        self.request(
            "SetSceneItemEnabled",
            {"sceneName": scene, "sceneItemId": item["sceneItemId"], "sceneItemEnabled": shown},
        )
        return shown

    def start_stream(self) -> None:
        """Start streaming."""
        self.request("StartStream")

    def stop_stream(self) -> None:
        """Stop streaming."""
        self.request("StopStream")

    def streaming(self) -> bool:
        """Whether OBS is streaming."""
        return bool(self.request("GetStreamStatus")["outputActive"])

    def save_replay(self) -> str:
        """Save the replay buffer; returns the file OBS wrote (a clip source)."""
        self.request("SaveReplayBuffer")
        return str(self.request("GetLastReplayBufferReplay")["savedReplayPath"])

    def stats(self) -> ObsStats:
        """Streaming state, scene, CPU, FPS and dropped frames."""
        stats = self.request("GetStats")
        return ObsStats(
            streaming=self.streaming(),
            scene=self.current_scene(),
            cpu_percent=round(float(stats["cpuUsage"]), 1),
            fps=round(float(stats["activeFps"]), 1),
            dropped_frames=int(stats["outputSkippedFrames"]),
            total_frames=int(stats["outputTotalFrames"]),
        )


def _refusal(request_type: str, status: dict[str, Any]) -> str:
    code = status.get("code")
    if request_type in ("StartStream", "StartReplayBuffer") and code == OUTPUT_RUNNING:
        return "already streaming" if request_type == "StartStream" else "already recording"
    if request_type == "StopStream" and code == OUTPUT_NOT_RUNNING:
        return "not streaming"
    if request_type == "SaveReplayBuffer" and code == OUTPUT_NOT_RUNNING:
        return "the replay buffer is off (start it in OBS)"
    comment = status.get("comment") or "no reason given"
    return f"OBS refused {request_type}: {comment} ({code})"
