"""A protocol-level fake of obs-websocket 5 (OBS Studio 28+): the JSON subprotocol, Hello with
an authentication challenge, Identify checked (4009 on a wrong password, 4007 before it),
the requests the client uses with OBS's status codes, and events filtered by subscription.

It runs a real websocket server on a free local port in a thread of its own.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

GENERAL, SCENES, OUTPUTS, SCENE_ITEMS = 1, 4, 64, 128
INTENTS = {
    "CurrentProgramSceneChanged": SCENES,
    "SceneItemEnableStateChanged": SCENE_ITEMS,
    "StreamStateChanged": OUTPUTS,
    "ReplayBufferSaved": OUTPUTS,
    "ExitStarted": GENERAL,
}


@dataclass
class Item:
    id: int
    source: str
    enabled: bool = True


@dataclass
class FakeObsServer:
    """OBS with a few scenes; `password=""` turns authentication off."""

    password: str = "hunter2"
    scenes: dict[str, list[Item]] = field(
        default_factory=lambda: {
            "Starting Soon": [Item(1, "Countdown")],
            "Gameplay": [Item(2, "Game Capture"), Item(3, "Webcam"), Item(4, "Alerts")],
            "BRB": [Item(5, "Music", enabled=False)],
        }
    )
    current: str = "Starting Soon"
    streaming: bool = False
    replay_buffer: bool = True
    replay_dir: str = "/recordings"
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    identified: int = 0  # how many sessions identified, over the server's life

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._server: Server | None = None
        self._clients: dict[ServerConnection, int] = {}  # identified sessions -> subscriptions
        self._saved = 0
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.port = 0

    # -- running ------------------------------------------------------------------------

    def start(self) -> FakeObsServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(timeout=5)
        return self

    def stop(self) -> None:
        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def __enter__(self) -> FakeObsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def _listen(self, port: int = 0) -> None:
        self._server = await serve(
            self._session,
            "127.0.0.1",
            port or self.port,
            subprotocols=["obswebsocket.json"],  # type: ignore[list-item]
        )
        self.port = port or self._server.sockets[0].getsockname()[1]

    def restart(self) -> None:
        """OBS quits and comes back on the same port: every client is cut off."""

        async def again() -> None:
            assert self._server is not None
            self._server.close()
            await self._server.wait_closed()
            self._clients.clear()
            await self._listen(self.port)

        asyncio.run_coroutine_threadsafe(again(), self._loop).result(timeout=5)

    def kick(self) -> None:
        """The streamer kicks the session from OBS's websocket settings (4011)."""
        self._call(self._close_all(4011, "kicked"))

    def emit(self, event_type: str, data: dict[str, Any] | None = None) -> None:
        """OBS reports something (as if done in OBS's own window)."""
        self._call(self._broadcast(event_type, data))

    def _call(self, work: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=5)

    async def _close_all(self, code: int, reason: str) -> None:
        for client in list(self._clients):
            await client.close(code, reason)

    async def _broadcast(self, event_type: str, data: dict[str, Any] | None) -> None:
        intent = INTENTS[event_type]
        body: dict[str, Any] = {"eventType": event_type, "eventIntent": intent}
        if data:
            body["eventData"] = data
        for client, subscriptions in list(self._clients.items()):
            if subscriptions & intent:
                with contextlib.suppress(ConnectionClosed):
                    await client.send(json.dumps({"op": 5, "d": body}))

    # -- one session --------------------------------------------------------------------

    async def _session(self, ws: ServerConnection) -> None:
        if ws.subprotocol != "obswebsocket.json":
            await ws.close(4002, "use obswebsocket.json")
            return
        hello: dict[str, Any] = {
            "obsStudioVersion": "31.0.0",
            "obsWebSocketVersion": "5.5.2",
            "rpcVersion": 1,
        }
        challenge, salt = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        if self.password:
            hello["authentication"] = {"challenge": challenge, "salt": salt}
        await ws.send(json.dumps({"op": 0, "d": hello}))
        try:
            async for raw in ws:
                message = json.loads(raw)
                op, data = message.get("op"), message.get("d") or {}
                if ws not in self._clients:
                    if op != 1:
                        await ws.close(4007, "Not identified")
                        return
                    if self.password and data.get("authentication") != _expected(
                        self.password, salt, challenge
                    ):
                        await ws.close(4009, "Authentication failed.")
                        return
                    if data.get("rpcVersion") != 1:
                        await ws.close(4010, "Unsupported rpc version")
                        return
                    self._clients[ws] = int(data.get("eventSubscriptions", 2047))
                    self.identified += 1
                    await ws.send(json.dumps({"op": 2, "d": {"negotiatedRpcVersion": 1}}))
                elif op == 6:
                    await ws.send(json.dumps({"op": 7, "d": await self._answer(data)}))
                else:
                    await ws.close(4008 if op == 1 else 4006, "unexpected op")
                    return
        except ConnectionClosed:
            pass
        finally:
            self._clients.pop(ws, None)

    async def _answer(self, request: dict[str, Any]) -> dict[str, Any]:
        kind = request["requestType"]
        data = request.get("requestData") or {}
        self.requests.append((kind, data))
        status, response = self._handle(kind, data)
        answer: dict[str, Any] = {
            "requestType": kind,
            "requestId": request["requestId"],
            "requestStatus": {"result": status == 100, "code": status},
        }
        if status != 100:
            answer["requestStatus"]["comment"] = response.pop("comment", "")
        elif response:
            answer["responseData"] = response
        for event, event_data in self._after(kind, data, status):
            await self._broadcast(event, event_data)
        return answer

    def _handle(self, kind: str, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if kind == "GetSceneList":
            names = list(self.scenes)
            return 100, {
                "currentProgramSceneName": self.current,
                "currentPreviewSceneName": None,
                "scenes": [
                    {"sceneName": n, "sceneIndex": len(names) - 1 - i} for i, n in enumerate(names)
                ],
            }
        if kind == "SetCurrentProgramScene":
            if data.get("sceneName") not in self.scenes:
                return 600, {"comment": "No source was found by the name of `sceneName`."}
            self.current = data["sceneName"]
            return 100, {}
        if kind == "GetSceneItemList":
            items = self.scenes.get(data.get("sceneName", ""))
            if items is None:
                return 600, {"comment": "No source was found by the name of `sceneName`."}
            return 100, {
                "sceneItems": [
                    {"sceneItemId": i.id, "sourceName": i.source, "sceneItemEnabled": i.enabled}
                    for i in items
                ]
            }
        if kind == "SetSceneItemEnabled":
            for item in self.scenes.get(data.get("sceneName", ""), []):
                if item.id == data.get("sceneItemId"):
                    item.enabled = bool(data["sceneItemEnabled"])
                    return 100, {}
            return 600, {"comment": "No scene items were found."}
        if kind in ("StartStream", "StopStream"):
            if self.streaming == (kind == "StartStream"):
                return (
                    (500, {"comment": "output running"})
                    if self.streaming
                    else (
                        501,
                        {"comment": "output not running"},
                    )
                )
            self.streaming = kind == "StartStream"
            return 100, {}
        if kind == "GetStreamStatus":
            return 100, {"outputActive": self.streaming, "outputReconnecting": False}
        if kind == "SaveReplayBuffer":
            if not self.replay_buffer:
                return 501, {"comment": "Replay buffer is not active."}
            self._saved += 1
            return 100, {}
        if kind == "GetLastReplayBufferReplay":
            return 100, {"savedReplayPath": self._replay_path()}
        if kind == "GetStats":
            return 100, {
                "cpuUsage": 12.345,
                "memoryUsage": 512.0,
                "activeFps": 60.0,
                "outputSkippedFrames": 3,
                "outputTotalFrames": 18000,
            }
        return 204, {"comment": f"Your request type `{kind}` is not valid."}

    def _after(
        self, kind: str, data: dict[str, Any], status: int
    ) -> list[tuple[str, dict[str, Any]]]:
        if status != 100:
            return []
        if kind == "SetCurrentProgramScene":
            return [("CurrentProgramSceneChanged", {"sceneName": self.current})]
        if kind in ("StartStream", "StopStream"):
            state = "STARTED" if self.streaming else "STOPPED"
            return [
                (
                    "StreamStateChanged",
                    {
                        "outputActive": self.streaming,
                        "outputState": f"OBS_WEBSOCKET_OUTPUT_{state}",
                    },
                )
            ]
        if kind == "SaveReplayBuffer":
            return [("ReplayBufferSaved", {"savedReplayPath": self._replay_path()})]
        return []

    def _replay_path(self) -> str:
        return f"{self.replay_dir}/Replay {self._saved:03d}.mkv"


def _expected(password: str, salt: str, challenge: str) -> str:
    secret = base64.b64encode(hashlib.sha256((password + salt).encode()).digest())
    return base64.b64encode(hashlib.sha256(secret + challenge.encode()).digest()).decode()
