"""A protocol-level fake of WhatsApp's Cloud API (the Graph API's `/{phone-number-id}/messages`
and the phone number lookup) and of Meta's signed webhook deliveries."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

PHONE_NUMBER_ID = "106540352242922"
ACCESS_TOKEN = "EAAG-fake-token"
APP_SECRET = "meta-app-secret"


@dataclass
class FakeCloudApi:
    """The business number's messages endpoint; it enforces the 24-hour window."""

    token: str = ACCESS_TOKEN
    sent: list[dict[str, Any]] = field(default_factory=list)
    last_heard: dict[str, float] = field(default_factory=dict)  # customer -> when they wrote
    throttle: int = 0

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _error(401, 190, "Error validating access token: Session has expired")
        _version, _, rest = request.url.path.lstrip("/").partition("/")
        number, _, edge = rest.partition("/")
        if number != PHONE_NUMBER_ID:
            return _error(400, 100, "Unsupported get request. Object does not exist")
        if request.method == "GET" and not edge:
            return httpx.Response(
                200,
                json={
                    "verified_name": "Creator Shop",
                    "display_phone_number": "+1 555-0100",
                    "id": number,
                },
            )
        if request.method == "POST" and edge == "messages":
            return self._message(json.loads(request.content))
        return _error(400, 100, "Unknown path")

    def _message(self, body: dict[str, Any]) -> httpx.Response:
        if body.get("status") == "read":
            return httpx.Response(200, json={"success": True})
        if self.throttle:
            self.throttle -= 1
            return _error(400, 130429, "(#130429) Rate limit hit")
        to = body["to"]
        heard = self.last_heard.get(to)
        if body["type"] == "text" and (heard is None or time.time() - heard > 24 * 3600):
            return _error(400, 131047, "Re-engagement message")
        self.sent.append(body)
        return httpx.Response(
            200,
            json={
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": f"wamid.{secrets.token_hex(8)}"}],
            },
        )


def delivery(
    text: str, *, wa_id: str = "15550001111", name: str = "Ana", message_id: str | None = None
) -> dict[str, Any]:
    """A webhook delivery with one customer text message."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "WABA-1",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15550100",
                                "phone_number_id": PHONE_NUMBER_ID,
                            },
                            "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
                            "messages": [
                                {
                                    "from": wa_id,
                                    "id": message_id or f"wamid.{secrets.token_hex(6)}",
                                    "timestamp": str(int(time.time())),
                                    "type": "text",
                                    "text": {"body": text},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }


def signed(payload: dict[str, Any], secret: str = APP_SECRET) -> tuple[bytes, dict[str, str]]:
    """The body and headers Meta sends."""
    body = json.dumps(payload).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={signature}"}


def _error(status: int, code: int, message: str) -> httpx.Response:
    return httpx.Response(
        status,
        json={
            "error": {
                "message": message,
                "type": "OAuthException",
                "code": code,
                "fbtrace_id": "Ax1",
            }
        },
    )
