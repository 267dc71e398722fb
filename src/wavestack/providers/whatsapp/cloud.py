"""WhatsApp through Meta's Cloud API: messages sent through the Graph API, deliveries taken
from webhooks whose `X-Hub-Signature-256` is checked, and the webhook's verification
handshake."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from wavestack.providers.chat.port import PlatformError

OUTSIDE_WINDOW = 131047  # a free-form message more than 24 h after the customer last wrote
RATE_LIMITED = frozenset({4, 80007, 130429, 131048, 131056})
EXPIRED_TOKEN = 190


class WhatsAppError(PlatformError):
    """The Cloud API refused a call; `code` is Meta's error code."""

    def __init__(self, message: str, *, code: int = 0, status: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class Inbound:
    """A customer's message from a webhook delivery."""

    phone_number_id: str  # the business number it was sent to
    wa_id: str  # the customer's WhatsApp id (their number)
    name: str
    message_id: str
    at: datetime
    kind: str  # text, image, ...
    text: str
    reply_to: str | None


def signature_ok(app_secret: str, body: bytes, header: str | None) -> bool:
    """Whether `X-Hub-Signature-256` is `sha256=` + HMAC-SHA256(app secret, raw body)."""
    if not app_secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


def verification(params: dict[str, str], verify_token: str) -> str | None:
    """The challenge to echo for a valid subscription handshake (None: refuse it)."""
    if (
        verify_token
        and params.get("hub.mode") == "subscribe"
        and hmac.compare_digest(params.get("hub.verify_token", ""), verify_token)
    ):
        return params.get("hub.challenge", "")
    return None


def inbound_messages(payload: dict[str, Any]) -> list[Inbound]:
    """The customers' messages in a webhook delivery (statuses and the rest left out)."""
    found: list[Inbound] = []
    if payload.get("object") != "whatsapp_business_account":
        return found
    for entry in payload.get("entry") or []:
        for change in entry.get("changes") or []:
            if change.get("field") != "messages":
                continue
            value = change.get("value") or {}
            number = str((value.get("metadata") or {}).get("phone_number_id", ""))
            names = {
                str(c.get("wa_id")): str((c.get("profile") or {}).get("name") or c.get("wa_id"))
                for c in value.get("contacts") or []
            }
            for message in value.get("messages") or []:
                sender = str(message.get("from", ""))
                kind = str(message.get("type", ""))
                text = (message.get("text") or {}).get("body", "") if kind == "text" else ""
                found.append(
                    Inbound(
                        phone_number_id=number,
                        wa_id=sender,
                        name=names.get(sender, sender),
                        message_id=str(message.get("id", "")),
                        at=datetime.fromtimestamp(int(message.get("timestamp") or 0), UTC),
                        kind=kind,
                        text=str(text),
                        reply_to=(message.get("context") or {}).get("id"),
                    )
                )
    return found


class WhatsAppCloud:
    """Send as one business phone number."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        token: str,
        phone_number_id: str,
        graph_url: str = "https://graph.facebook.com/v23.0",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http = http
        self._token = token
        self._url = f"{graph_url.rstrip('/')}/{phone_number_id}/messages"
        self._sleep = sleep

    def send_text(self, to: str, text: str, *, reply_to: str | None = None) -> str:
        """A free-form text (only within 24 h of the customer's last message)."""
        body: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "text",
            "text": {"body": text[:4096], "preview_url": False},
        }
        if reply_to:
            body["context"] = {"message_id": reply_to}
        return self._send(body)

    def send_template(self, to: str, name: str, language: str, params: list[str]) -> str:
        """An approved template: what may be sent outside the 24-hour window."""
        template: dict[str, Any] = {"name": name, "language": {"code": language}}
        if params:
            template["components"] = [
                {"type": "body", "parameters": [{"type": "text", "text": p[:1024]} for p in params]}
            ]
        return self._send(
            {"messaging_product": "whatsapp", "to": to, "type": "template", "template": template}
        )

    def mark_read(self, message_id: str) -> None:
        """Show the customer their message was read."""
        self._send({"messaging_product": "whatsapp", "status": "read", "message_id": message_id})

    def _send(self, body: dict[str, Any]) -> str:
        delay = 1.0
        for _ in range(3):
            try:
                response = self._http.post(
                    self._url, json=body, headers={"Authorization": f"Bearer {self._token}"}
                )
            except httpx.HTTPError as exc:
                raise WhatsAppError(
                    f"the Cloud API is unreachable ({exc.__class__.__name__})"
                ) from exc
            if response.is_success:
                answer = response.json()
                messages = answer.get("messages") or [{}]
                return str(messages[0].get("id", ""))
            error = _error(response)
            if error.code in RATE_LIMITED or response.status_code == 429:
                self._sleep(delay)
                delay *= 2
                continue
            raise error
        raise WhatsAppError("WhatsApp is limiting our messages; try again later", code=130429)


def _error(response: httpx.Response) -> WhatsAppError:
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    code = int(error.get("code") or 0)
    message = str(error.get("message") or response.reason_phrase)
    if code == EXPIRED_TOKEN or response.status_code == 401:
        message = f"the WhatsApp token was refused ({message}); connect WhatsApp again"
    elif code == OUTSIDE_WINDOW:
        message = "more than 24 hours since the customer wrote: only a template may be sent"
    return WhatsAppError(message, code=code, status=response.status_code)
