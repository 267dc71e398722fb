"""A protocol-level fake of Twitch: Helix (as an httpx transport: bearer tokens and Client-Id
checked, 401 for an unknown token, 429 with `Ratelimit-Reset` on demand) and EventSub over a
real local websocket server (welcome, keepalives, notifications only for subscribed types,
`session_reconnect`, 4003 for a session left without subscriptions)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

CLIENT_ID = "fake-client-id"


@dataclass
class Account:
    id: str
    login: str
    display_name: str
    game: str = "Just Chatting"
    title: str = "hello"
    live: bool = False
    viewers: int = 0


@dataclass
class FakeHelix:
    """Helix for a few accounts; `tokens` are the access tokens it accepts."""

    eventsub: FakeEventSub | None = None
    tokens: set[str] = field(default_factory=lambda: {"good-token"})
    accounts: dict[str, Account] = field(
        default_factory=lambda: {
            "100": Account("100", "streamerone", "StreamerOne"),
            "200": Account("200", "wavebot", "WaveBot"),
            "300": Account("300", "friendlyraider", "FriendlyRaider", game="Celeste"),
        }
    )
    games: dict[str, str] = field(
        default_factory=lambda: {"509658": "Just Chatting", "504461": "Super Smash Bros. Ultimate"}
    )
    calls: list[tuple[str, str, dict[str, Any], Any]] = field(default_factory=list)
    throttle: int = 0  # answer this many next calls with 429
    reset_in: int = 2
    refused_types: set[str] = field(default_factory=set)  # subscriptions answered 403

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def called(self, method: str, path: str) -> list[tuple[dict[str, Any], Any]]:
        return [(q, b) for m, p, q, b in self.calls if (m, p) == (method, path)]

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/helix")
        query = {
            k: v if len(v) > 1 else v[0] for k, v in parse_qs(request.url.query.decode()).items()
        }
        body = json.loads(request.content) if request.content else None
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if request.headers.get("Client-Id") != CLIENT_ID or token not in self.tokens:
            return _error(401, "Unauthorized", "Invalid OAuth token")
        if self.throttle:
            self.throttle -= 1
            return httpx.Response(
                429,
                json={"error": "Too Many Requests", "status": 429, "message": "slow down"},
                headers={"Ratelimit-Reset": str(int(time.time()) + self.reset_in)},
            )
        self.calls.append((request.method, path, query, body))
        return self._route(request.method, path, query, body)

    def _route(self, method: str, path: str, query: dict[str, Any], body: Any) -> httpx.Response:
        if (method, path) == ("GET", "/users"):
            logins = query.get("login", [])
            logins = [logins] if isinstance(logins, str) else logins
            found = [a for a in self.accounts.values() if not logins or a.login in logins]
            if not logins:
                found = [self.accounts["200"]]  # the token's own account: the bot
            return _data(
                [{"id": a.id, "login": a.login, "display_name": a.display_name} for a in found]
            )
        if (method, path) == ("GET", "/streams"):
            account = self.accounts[query["user_id"]]
            if not account.live:
                return _data([])
            return _data(
                [
                    {
                        "user_id": account.id,
                        "type": "live",
                        "title": account.title,
                        "game_name": account.game,
                        "viewer_count": account.viewers,
                        "started_at": "2026-11-26T18:00:00Z",
                    }
                ]
            )
        if (method, path) == ("GET", "/channels"):
            account = self.accounts[query["broadcaster_id"]]
            return _data(
                [{"broadcaster_id": account.id, "title": account.title, "game_name": account.game}]
            )
        if (method, path) == ("PATCH", "/channels"):
            account = self.accounts[query["broadcaster_id"]]
            if "game_id" in body and body["game_id"] not in self.games:
                return _error(400, "Bad Request", "invalid game_id")
            account.title = body.get("title", account.title)
            account.game = self.games.get(body.get("game_id", ""), account.game)
            return httpx.Response(204)
        if (method, path) == ("GET", "/games"):
            wanted = str(query.get("name", "")).casefold()
            found = [{"id": i, "name": n} for i, n in self.games.items() if n.casefold() == wanted]
            return _data(found)
        if (method, path) == ("POST", "/chat/messages"):
            if len(body["message"]) > 500:
                return _error(400, "Bad Request", "message too long")
            dropped = "bad words" in body["message"]
            sent: dict[str, Any] = {"message_id": secrets.token_hex(8), "is_sent": not dropped}
            if dropped:
                sent["drop_reason"] = {"code": "msg_rejected", "message": "AutoMod held it"}
            return _data([sent])
        if (method, path) in (("DELETE", "/moderation/chat"), ("POST", "/chat/shoutouts")):
            return httpx.Response(204)
        if (method, path) == ("POST", "/moderation/bans"):
            return _data([{"user_id": body["data"]["user_id"], "end_time": None}])
        if (method, path) == ("POST", "/raids"):
            if not self.accounts[query["from_broadcaster_id"]].live:
                return _error(400, "Bad Request", "The channel is not live")
            return _data([{"created_at": "2026-11-26T19:00:00Z", "is_mature": False}])
        if (method, path) == ("POST", "/clips"):
            return httpx.Response(202, json={"data": [{"id": "ClipId123", "edit_url": "x"}]})
        if (method, path) == ("POST", "/polls"):
            return _data([{"id": "poll-1", "status": "ACTIVE"}])
        if (method, path) == ("POST", "/eventsub/subscriptions"):
            return self._subscribe(body)
        return _error(404, "Not Found", f"no route {method} {path}")

    def _subscribe(self, body: dict[str, Any]) -> httpx.Response:
        if body["type"] in self.refused_types:
            return _error(403, "Forbidden", "subscription missing proper authorization")
        session_id = body["transport"]["session_id"]
        if self.eventsub is None or not self.eventsub.has_session(session_id):
            return _error(
                400,
                "Bad Request",
                "websocket transport session does not exist or has already disconnected",
            )
        self.eventsub.subscribe(session_id, body["type"])
        return httpx.Response(
            202,
            json={
                "data": [
                    {
                        "id": secrets.token_hex(8),
                        "status": "enabled",
                        "type": body["type"],
                        "version": body["version"],
                        "condition": body["condition"],
                        "cost": 0,
                    }
                ],
                "total": 1,
                "total_cost": 0,
                "max_total_cost": 10,
            },
        )


class FakeEventSub:
    """EventSub's websocket server; `keepalive` seconds between keepalives."""

    def __init__(self, keepalive: int = 10, subscribe_within: float = 10.0) -> None:
        self.keepalive = keepalive
        self.subscribe_within = subscribe_within
        self.silent = False
        self.sessions: dict[str, set[str]] = {}  # session id -> subscribed types
        self.welcomed = 0
        self._sockets: dict[str, ServerConnection] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: Server | None = None
        self.port = 0

    def __enter__(self) -> FakeEventSub:
        self._thread.start()
        self._call(self._listen())
        return self

    def __exit__(self, *exc: object) -> None:
        async def shutdown() -> None:
            assert self._server is not None
            self._server.close()
            await self._server.wait_closed()

        self._call(shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def _call(self, work: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=5)

    async def _listen(self) -> None:
        self._server = await serve(self._session, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def has_session(self, session_id: str) -> bool:
        return session_id in self._sockets

    def subscribe(self, session_id: str, kind: str) -> None:
        self.sessions[session_id].add(kind)

    def notify(self, kind: str, event: dict[str, Any], *, message_id: str | None = None) -> int:
        """Deliver to every session subscribed to `kind`; returns how many got it."""
        message = {
            "metadata": {
                "message_id": message_id or secrets.token_hex(8),
                "message_type": "notification",
                "message_timestamp": "2026-11-26T18:30:00.123456789Z",
                "subscription_type": kind,
                "subscription_version": "1",
            },
            "payload": {"subscription": {"type": kind, "status": "enabled"}, "event": event},
        }
        return int(self._call(self._send_to(kind, message)))

    async def _send_to(self, kind: str, message: dict[str, Any]) -> int:
        count = 0
        for session_id, kinds in list(self.sessions.items()):
            socket = self._sockets.get(session_id)
            if kind in kinds and socket is not None:
                with contextlib.suppress(ConnectionClosed):
                    await socket.send(json.dumps(message))
                    count += 1
        return count

    def reconnect(self) -> None:
        """Ask every session to move to a new URL (subscriptions carry over)."""
        self._call(self._reconnect())

    async def _reconnect(self) -> None:
        for session_id, socket in list(self._sockets.items()):
            message = {
                "metadata": _metadata("session_reconnect"),
                "payload": {
                    "session": {
                        "id": session_id,
                        "status": "reconnecting",
                        "keepalive_timeout_seconds": None,
                        "reconnect_url": f"ws://127.0.0.1:{self.port}/ws?carry={session_id}",
                        "connected_at": "2026-11-26T18:00:00Z",
                    }
                },
            }
            with contextlib.suppress(ConnectionClosed):
                await socket.send(json.dumps(message))

    def drop(self, code: int = 4000) -> None:
        """Close every session (Twitch had an internal error)."""
        self._call(self._drop(code))

    async def _drop(self, code: int) -> None:
        for socket in list(self._sockets.values()):
            await socket.close(code, "internal server error")

    async def _session(self, ws: ServerConnection) -> None:
        carried = parse_qs(ws.request.path.partition("?")[2] if ws.request else "").get("carry")
        session_id = carried[0] if carried else secrets.token_hex(12)
        old = self._sockets.get(session_id)
        self._sockets[session_id] = ws
        kinds = self.sessions.setdefault(session_id, set())
        self.welcomed += 1
        welcome = {
            "metadata": _metadata("session_welcome"),
            "payload": {
                "session": {
                    "id": session_id,
                    "status": "connected",
                    "keepalive_timeout_seconds": self.keepalive,
                    "reconnect_url": None,
                    "connected_at": datetime.now(UTC).isoformat(),
                }
            },
        }
        await ws.send(json.dumps(welcome))
        if old is not None:
            with contextlib.suppress(ConnectionClosed):
                await old.close(4004, "reconnect grace time expired")  # the move is done
        started = time.monotonic()
        try:
            while True:
                try:
                    await asyncio.wait_for(ws.recv(), timeout=self.keepalive)
                    await ws.close(4001, "sent inbound traffic")  # clients may not speak
                    return
                except TimeoutError:
                    pass
                if not kinds and time.monotonic() - started > self.subscribe_within:
                    await ws.close(4003, "connection unused")
                    return
                if not self.silent:
                    await ws.send(
                        json.dumps({"metadata": _metadata("session_keepalive"), "payload": {}})
                    )
        except ConnectionClosed:
            pass
        finally:
            if self._sockets.get(session_id) is ws:
                del self._sockets[session_id]


def _metadata(kind: str) -> dict[str, str]:
    return {
        "message_id": secrets.token_hex(8),
        "message_type": kind,
        "message_timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
    }


def _data(items: list[dict[str, Any]]) -> httpx.Response:
    return httpx.Response(200, json={"data": items})


def _error(status: int, error: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": error, "status": status, "message": message})
