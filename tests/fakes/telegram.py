"""A protocol-level fake of Telegram's Bot API: `/bot<token>/<method>` with the token checked,
long polling that holds `getUpdates` until an update arrives, `{"ok": false, "error_code":
429, "parameters": {"retry_after": N}}` on demand, and group members with statuses."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx

TOKEN = "123456:TEST-token"
BOT = {"id": 123456, "is_bot": True, "first_name": "WaveBot", "username": "wavestack_bot"}


@dataclass
class FakeBotApi:
    """The Bot API for one bot in one group."""

    token: str = TOKEN
    statuses: dict[int, str] = field(
        default_factory=lambda: {1: "creator", 2: "administrator", BOT["id"]: "administrator"}
    )
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    throttle: int = 0  # answer this many next sendMessage calls with 429
    retry_after: int = 1
    webhook: str = ""
    failing_polls: int = 0  # answer this many next getUpdates with 502 Bad Gateway

    def __post_init__(self) -> None:
        self._updates: list[dict[str, Any]] = []
        self._next_id = 1
        self._arrived = threading.Condition()
        self._message_id = 1000

    def called(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    def push(self, update: dict[str, Any]) -> int:
        """An update happens (a message in the group...); returns its update_id."""
        with self._arrived:
            update = {"update_id": self._next_id, **update}
            self._next_id += 1
            self._updates.append(update)
            self._arrived.notify_all()
            return int(update["update_id"])

    def handle(self, request: httpx.Request) -> httpx.Response:
        _, _, rest = request.url.path.partition("/bot")
        token, _, method = rest.partition("/")
        if token != self.token:
            return _fail(401, "Unauthorized")
        params = _params(request)
        if method != "getUpdates":
            self.calls.append((method, params))
        if method == "getMe":
            return _ok(BOT)
        if method == "getUpdates":
            if self.failing_polls:
                self.failing_polls -= 1
                return _fail(502, "Bad Gateway")
            return _ok(self._poll(params))
        if method == "sendMessage":
            if self.throttle:
                self.throttle -= 1
                return _fail(
                    429,
                    f"Too Many Requests: retry after {self.retry_after}",
                    {"retry_after": self.retry_after},
                )
            self._message_id += 1
            return _ok(
                {
                    "message_id": self._message_id,
                    "date": 1_790_000_000,
                    "chat": {"id": int(params["chat_id"]), "type": "supergroup"},
                    "from": BOT,
                    "text": params["text"],
                }
            )
        if method in ("deleteMessage", "restrictChatMember", "banChatMember"):
            if self.statuses.get(BOT["id"]) not in ("administrator", "creator"):
                return _fail(400, "Bad Request: not enough rights")
            return _ok(True)
        if method in ("setWebhook", "deleteWebhook"):
            self.webhook = str(params.get("url", "")) if method == "setWebhook" else ""
            return _ok(True)
        if method == "getChatMember":
            user_id = int(params["user_id"])
            return _ok(_member(user_id, self.statuses.get(user_id, "member")))
        return _fail(404, "Not Found: method not found")

    def _poll(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        with self._arrived:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if not self._updates:
                self._arrived.wait(timeout)
            return list(self._updates)


ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)


def _member(user_id: int, status: str) -> dict[str, Any]:
    """A ChatMember object as the Bot API shapes each status."""
    member: dict[str, Any] = {
        "status": status,
        "user": {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"},
    }
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member |= {"can_be_edited": False, "is_anonymous": False}
        member |= dict.fromkeys(ADMIN_RIGHTS, True)
    return member


def _params(request: httpx.Request) -> dict[str, Any]:
    kind = request.headers.get("Content-Type", "")
    if not request.content:
        return {}
    if kind.startswith("application/json"):
        return dict(json.loads(request.content))
    if kind.startswith("application/x-www-form-urlencoded"):
        return {k: _decoded(v[0]) for k, v in parse_qs(request.content.decode()).items()}
    if kind.startswith("multipart/form-data"):
        boundary = kind.split("boundary=")[1].encode()
        fields: dict[str, Any] = {}
        for part in request.content.split(b"--" + boundary):
            head, _, body = part.partition(b"\r\n\r\n")
            if b'name="' in head:
                name = head.split(b'name="')[1].split(b'"')[0].decode()
                fields[name] = _decoded(body.rstrip(b"\r\n").decode())
        return fields
    return {}


def _decoded(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _ok(result: Any) -> httpx.Response:
    return httpx.Response(200, json={"ok": True, "result": result})


def _fail(code: int, description: str, parameters: dict[str, Any] | None = None) -> httpx.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return httpx.Response(code, json=body)
