"""A protocol-level fake of Discord for discord.py: the REST API (over real HTTP, JSON with
`Content-Type: application/json` exactly, `Authorization: Bot <token>` checked, 429 with
`retry_after` and Cloudflare's `Via` header on demand) and the gateway over a real websocket
(Hello, Identify -> READY + GUILD_CREATE, heartbeats, RESUME with the events missed while
away, dispatches with sequence numbers, connections dropped or refused on demand)."""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Self

import httpx
from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from fakes.http import served
from fakes.ws import LoopServer

TOKEN = "fake-bot-token"
APP_ID = "9000"
BOT_ID = "9001"
GUILD_ID = "1000"
OWNER_ID = "1001"
GENERAL = "2000"  # a text channel
WELCOME = "2001"  # the system channel
LIVE = "2002"  # where go-live alerts go
MOD_ROLE = "3001"
FAN_ROLE = "3002"
MODERATE_MEMBERS = 1 << 40
_EPOCH = datetime(2015, 1, 1, tzinfo=UTC)


@dataclass
class FakeUser:
    id: str
    username: str
    roles: list[str] = field(default_factory=list)
    bot: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "global_name": self.username.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
        }

    def member(self) -> dict[str, Any]:
        return {
            "user": self.payload(),
            "roles": list(self.roles),
            "joined_at": "2026-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
        }


@dataclass
class Call:
    method: str
    path: str
    body: Any
    reason: str | None


class FakeDiscord(LoopServer):
    """One guild with a few channels and members; `calls` records every REST call."""

    def __init__(self) -> None:
        super().__init__()
        self.users: dict[str, FakeUser] = {
            u.id: u
            for u in (
                FakeUser(OWNER_ID, "streamer"),
                FakeUser("1002", "modmary", roles=[MOD_ROLE]),
                FakeUser("1003", "viewerval"),
                FakeUser(BOT_ID, "wavebot", bot=True),
            )
        }
        self.calls: list[Call] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}  # scope (guild id or "global")
        self.messages: dict[str, dict[str, Any]] = {}  # every message the bot posted, by id
        self.responses: dict[str, list[dict[str, Any]]] = {}  # interaction id -> callbacks
        self._asked_by: dict[str, FakeUser] = {}
        self.throttle = 0  # answer this many next message posts with 429
        self.retry_after = 0.2
        self.refuse_connections = 0  # answer this many next gateway connections with 503
        self.identified = 0
        self.resumed = 0
        self._ids = itertools.count(int(time.time() * 1000) - int(_EPOCH.timestamp() * 1000))
        self._sequence = 0
        self._sent: list[dict[str, Any]] = []  # every dispatch, for RESUME
        self._sockets: set[ServerConnection] = set()
        self._session = "fake-session"
        self._stack = ExitStack()
        self.api_url = ""

    # -- lifecycle ------------------------------------------------------------------------

    def __enter__(self) -> Self:
        super().__enter__()
        self.api_url = self._stack.enter_context(served(self.handle)) + "/api/v10"
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()
        super().__exit__(*exc)

    @property
    def gateway_url(self) -> str:
        return f"{self.url}/"

    def snowflake(self) -> str:
        return str(next(self._ids) << 22)

    # -- the gateway ----------------------------------------------------------------------

    def refuse(self, request: Request) -> Response | None:
        if self.refuse_connections > 0:
            self.refuse_connections -= 1
            return Response(503, "Service Unavailable", Headers(), b"try later")
        return None

    async def session(self, socket: ServerConnection) -> None:
        await socket.send(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None}))
        try:
            async for raw in socket:
                message = json.loads(raw)
                op, data = message.get("op"), message.get("d")
                if op == 1:
                    await socket.send(json.dumps({"op": 11}))
                elif op == 2:
                    if data.get("token") != TOKEN:
                        await socket.close(4004, "Authentication failed.")
                        return
                    self.identified += 1
                    self._sockets.add(socket)
                    await self._ready(socket)
                elif op == 6:
                    await self._resume(socket, data)
        except ConnectionClosed:
            pass
        finally:
            self._sockets.discard(socket)

    async def _ready(self, socket: ServerConnection) -> None:
        bot = self.users[BOT_ID].payload()
        ready = {
            "v": 10,
            "user": bot,
            "guilds": [{"id": GUILD_ID, "unavailable": True}],
            "session_id": self._session,
            "resume_gateway_url": self.gateway_url,
            "shard": [0, 1],
            "application": {"id": APP_ID, "flags": 0},
        }
        await self._dispatch_to(socket, "READY", ready)
        await self._dispatch_to(socket, "GUILD_CREATE", self.guild())

    async def _resume(self, socket: ServerConnection, data: dict[str, Any]) -> None:
        if data.get("token") != TOKEN or data.get("session_id") != self._session:
            await socket.send(json.dumps({"op": 9, "d": False}))
            return
        self.resumed += 1
        self._sockets.add(socket)
        for missed in self._sent:
            if missed["s"] > int(data.get("seq") or 0):
                await socket.send(json.dumps(missed))
        await self._dispatch_to(socket, "RESUMED", {})

    async def _dispatch_to(self, socket: ServerConnection, kind: str, data: Any) -> None:
        self._sequence += 1
        await socket.send(json.dumps({"op": 0, "t": kind, "s": self._sequence, "d": data}))

    def dispatch(self, kind: str, data: dict[str, Any]) -> None:
        """Send an event to the connected sessions (kept for a resuming one)."""

        async def send() -> None:
            self._sequence += 1
            message = {"op": 0, "t": kind, "s": self._sequence, "d": data}
            self._sent.append(message)
            for socket in list(self._sockets):
                with contextlib.suppress(ConnectionClosed):
                    await socket.send(json.dumps(message))

        self.call(send())

    def drop(self, code: int = 4000) -> None:
        """Close every session, as Discord does when it restarts a gateway node."""

        async def close() -> None:
            for socket in list(self._sockets):
                self._sockets.discard(socket)
                await socket.close(code, "dropped by the fake")

        self.call(close())

    def guild(self) -> dict[str, Any]:
        def channel(id_: str, name: str, position: int) -> dict[str, Any]:
            return {
                "id": id_,
                "type": 0,
                "name": name,
                "guild_id": GUILD_ID,
                "position": position,
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": None,
            }

        def role(id_: str, name: str, permissions: int, position: int) -> dict[str, Any]:
            return {
                "id": id_,
                "name": name,
                "permissions": str(permissions),
                "position": position,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "flags": 0,
            }

        return {
            "id": GUILD_ID,
            "name": "Wave Community",
            "owner_id": OWNER_ID,
            "system_channel_id": WELCOME,
            "member_count": len(self.users),
            "large": False,
            "unavailable": False,
            "roles": [
                role(GUILD_ID, "@everyone", 0, 0),
                role(MOD_ROLE, "Moderator", MODERATE_MEMBERS, 2),
                role(FAN_ROLE, "Fan", 0, 1),
            ],
            "channels": [
                channel(GENERAL, "general", 0),
                channel(WELCOME, "welcome", 1),
                channel(LIVE, "going-live", 2),
            ],
            "members": [u.member() for u in self.users.values()],
            "threads": [],
            "emojis": [],
            "stickers": [],
            "features": [],
            "premium_tier": 0,
            "joined_at": "2026-01-01T00:00:00+00:00",
        }

    # -- what people do -------------------------------------------------------------------

    def say(self, user_id: str, text: str, channel_id: str = GENERAL) -> str:
        """A member posts in a channel; returns the message id."""
        user = self.users[user_id]
        message = self._message(channel_id, user, text)
        self.dispatch("MESSAGE_CREATE", message)
        return str(message["id"])

    def slash(
        self,
        user_id: str,
        name: str,
        options: list[dict[str, Any]] | None = None,
        channel_id: str = GENERAL,
        resolved: dict[str, Any] | None = None,
    ) -> str:
        """A member runs a slash command; returns the interaction id."""
        data: dict[str, Any] = {"id": self.snowflake(), "name": name, "type": 1}
        if options:
            data["options"] = options
        if resolved:
            data["resolved"] = resolved
        return self._interaction(2, user_id, channel_id, data)

    def press(self, user_id: str, message_id: str, custom_id: str) -> str:
        """A member presses a button on a message the bot posted."""
        posted = self.messages[message_id]
        return self._interaction(
            3,
            user_id,
            str(posted["channel_id"]),
            {"custom_id": custom_id, "component_type": 2},
            message=posted,
        )

    def _interaction(
        self,
        kind: int,
        user_id: str,
        channel_id: str,
        data: dict[str, Any],
        message: dict[str, Any] | None = None,
    ) -> str:
        user = self.users[user_id]
        interaction_id = self.snowflake()
        member = user.member() | {"permissions": str(self._permissions(user))}
        payload: dict[str, Any] = {
            "id": interaction_id,
            "application_id": APP_ID,
            "type": kind,
            "data": data,
            "guild_id": GUILD_ID,
            "channel_id": channel_id,
            "channel": {"id": channel_id, "type": 0, "guild_id": GUILD_ID, "name": "general"},
            "member": member,
            "token": f"itoken-{interaction_id}",
            "version": 1,
            "app_permissions": str((1 << 41) - 1),
            "attachment_size_limit": 10 * 1024 * 1024,
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": GUILD_ID},
            "context": 0,
        }
        if message is not None:
            payload["message"] = message
        self.responses[interaction_id] = []
        self._asked_by[interaction_id] = user
        self.dispatch("INTERACTION_CREATE", payload)
        return interaction_id

    def _permissions(self, user: FakeUser) -> int:
        if user.id == OWNER_ID:
            return (1 << 41) - 1
        return MODERATE_MEMBERS if MOD_ROLE in user.roles else 0

    def join(self, user_id: str, username: str) -> None:
        """Someone joins the guild (or joins again)."""
        user = self.users.setdefault(user_id, FakeUser(user_id, username))
        user.roles = []
        self.dispatch("GUILD_MEMBER_ADD", user.member() | {"guild_id": GUILD_ID})

    def leave(self, user_id: str) -> None:
        """Someone leaves the guild."""
        user = self.users[user_id]
        self.dispatch("GUILD_MEMBER_REMOVE", {"guild_id": GUILD_ID, "user": user.payload()})

    def _message(self, channel_id: str, user: FakeUser, text: str, **extra: Any) -> dict[str, Any]:
        message = {
            "id": self.snowflake(),
            "channel_id": channel_id,
            "guild_id": GUILD_ID,
            "author": user.payload(),
            "member": {k: v for k, v in user.member().items() if k != "user"},
            "content": text,
            "timestamp": datetime.now(UTC).isoformat(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "components": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
        }
        return message | extra

    # -- what the bot does, over REST -----------------------------------------------------

    def calls_to(self, method: str, pattern: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and re.fullmatch(pattern, c.path)]

    def posted(self, channel_id: str | None = None) -> list[dict[str, Any]]:
        """Messages the bot posted (in a channel), oldest first."""
        return [
            m
            for m in self.messages.values()
            if channel_id is None or str(m["channel_id"]) == channel_id
        ]

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v10")
        body = json.loads(request.content) if request.content else None
        reason = request.headers.get("X-Audit-Log-Reason")
        interaction = re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", path)
        webhook = re.fullmatch(rf"/webhooks/{APP_ID}/itoken-(\d+)(/messages/@original)?", path)
        signed = request.headers.get("Authorization") == f"Bot {TOKEN}"
        if interaction is None and webhook is None and not signed:
            return _json(401, {"message": "401: Unauthorized", "code": 0})
        self.calls.append(Call(request.method, path, body, reason))
        if interaction is not None:
            return self._callback(interaction.group(1), body)
        if webhook is not None:
            return self._followup(request.method, webhook.group(1), bool(webhook.group(2)), body)
        return self._route(request.method, path, body)

    def _route(self, method: str, path: str, body: Any) -> httpx.Response:
        if method == "GET" and path == "/users/@me":
            return _json(200, self.users[BOT_ID].payload())
        if method == "GET" and path == "/oauth2/applications/@me":
            return _json(200, self._application())
        scope = re.fullmatch(rf"/applications/{APP_ID}(?:/guilds/(\d+))?/commands", path)
        if method == "PUT" and scope:
            saved = [
                {"id": self.snowflake(), "application_id": APP_ID, "version": "1", **command}
                | ({"guild_id": scope.group(1)} if scope.group(1) else {})
                for command in body
            ]
            self.commands[scope.group(1) or "global"] = saved
            return _json(200, saved)
        posting = re.fullmatch(r"/channels/(\d+)/messages", path)
        if method == "POST" and posting:
            if self.throttle > 0:
                self.throttle -= 1
                return _json(
                    429,
                    {
                        "message": "You are being rate limited.",
                        "retry_after": self.retry_after,
                        "global": False,
                    },
                    headers={"Via": "1.1 google", "X-RateLimit-Scope": "user"},
                )
            return _json(200, self._post(posting.group(1), body))
        if method == "DELETE" and re.fullmatch(r"/channels/\d+/messages/\d+", path):
            return httpx.Response(204)
        member = re.fullmatch(rf"/guilds/{GUILD_ID}/members/(\d+)", path)
        if method == "PATCH" and member and member.group(1) in self.users:
            return _json(200, self.users[member.group(1)].member())
        role = re.fullmatch(rf"/guilds/{GUILD_ID}/members/(\d+)/roles/(\d+)", path)
        if method == "PUT" and role and role.group(1) in self.users:
            self.users[role.group(1)].roles.append(role.group(2))
            return httpx.Response(204)
        if method == "PUT" and re.fullmatch(rf"/guilds/{GUILD_ID}/bans/\d+", path):
            return httpx.Response(204)
        return _json(404, {"message": "404: Not Found", "code": 0})

    def _post(self, channel_id: str, body: dict[str, Any]) -> dict[str, Any]:
        extra = {k: body[k] for k in ("embeds", "components") if body.get(k)}
        message = self._message(channel_id, self.users[BOT_ID], body.get("content") or "", **extra)
        reference = body.get("message_reference")
        if reference:
            message["message_reference"] = reference
        self.messages[str(message["id"])] = message
        return message

    def _callback(self, interaction_id: str, body: dict[str, Any]) -> httpx.Response:
        self.responses.setdefault(interaction_id, []).append(body)
        thinking = body.get("type") == 5
        return _json(
            200,
            {
                "interaction": {
                    "id": interaction_id,
                    "type": 2,
                    "response_message_loading": thinking,
                    "response_message_ephemeral": False,
                },
                "resource": {"type": body.get("type")},
            },
        )

    def _followup(
        self, method: str, interaction_id: str, original: bool, body: Any
    ) -> httpx.Response:
        self.responses.setdefault(interaction_id, []).append(
            {"method": method, "original": original, **(body or {})}
        )
        if method == "DELETE":
            return httpx.Response(204)
        message = self._message(GENERAL, self.users[BOT_ID], (body or {}).get("content") or "")
        for key in ("embeds", "components"):
            if (body or {}).get(key):
                message[key] = body[key]
        message["interaction_metadata"] = {
            "id": interaction_id,
            "type": 2,
            "user": self._asked_by[interaction_id].payload(),
            "authorizing_integration_owners": {"0": GUILD_ID},
        }
        self.messages[str(message["id"])] = message
        return _json(200, message)

    def _application(self) -> dict[str, Any]:
        return {
            "id": APP_ID,
            "name": "WaveBot",
            "icon": None,
            "description": "",
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.users[OWNER_ID].payload(),
            "verify_key": "00" * 32,
            "flags": 0,
            "team": None,
        }

    def replies_to(self, interaction_id: str) -> list[dict[str, Any]]:
        """What the bot answered to an interaction: callbacks, then follow-ups."""
        return self.responses.get(interaction_id, [])


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status,
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )
