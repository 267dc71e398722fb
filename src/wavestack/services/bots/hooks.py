"""Platform webhooks: deliveries from WhatsApp's Cloud API and updates Telegram pushes. They
carry no bearer token: WhatsApp's `X-Hub-Signature-256` (HMAC with the app secret) and
Telegram's `X-Telegram-Bot-Api-Secret-Token` are what make them trustworthy."""

from __future__ import annotations

import hmac
import json
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from wavestack.deps import container_of
from wavestack.kernel.errors import Forbidden, NotFound, PayloadTooLarge, ValidationFailed
from wavestack.providers.telegram import TelegramSettings
from wavestack.providers.whatsapp import (
    WhatsAppSettings,
    inbound_messages,
    signature_ok,
    verification,
)
from wavestack.services import auth
from wavestack.services.bots.telegram import pushed_envelope
from wavestack.services.bots.whatsapp import inbound_envelope

router = APIRouter(prefix="/api/v1/hooks", tags=["platform webhooks"])
MAX_DELIVERY = 1024 * 1024
OrgId = Annotated[str, Path(min_length=1, max_length=36)]


def _organization(request: Request, org_id: str) -> None:
    if not auth.organization_exists(container_of(request).uow(write=False), org_id):
        raise NotFound("no such organization")


async def _delivery(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_DELIVERY:
        raise PayloadTooLarge("a webhook delivery is limited to 1 MB")
    body = await request.body()
    if len(body) > MAX_DELIVERY:
        raise PayloadTooLarge("a webhook delivery is limited to 1 MB")
    return body


def _json_object(body: bytes) -> dict[str, object]:
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise ValidationFailed("the delivery is not JSON") from exc
    if not isinstance(payload, dict):
        raise ValidationFailed("the delivery is not a JSON object")
    return payload


@router.post("/telegram/{org_id}")
async def telegram_update(request: Request, org_id: OrgId) -> Response:
    """An update Telegram pushes (webhook mode), checked by its secret token."""
    body = await _delivery(request)
    secret = TelegramSettings().webhook_secret
    given = request.headers.get("x-telegram-bot-api-secret-token", "")
    if not secret or not hmac.compare_digest(given, secret):
        raise Forbidden("the X-Telegram-Bot-Api-Secret-Token does not match")
    _organization(request, org_id)
    container_of(request).bus.publish(pushed_envelope(org_id, _json_object(body)))
    return JSONResponse({"received": 1})


@router.get("/whatsapp/{org_id}")
async def whatsapp_verify(request: Request, org_id: OrgId) -> Response:
    """Meta's subscription handshake: echo `hub.challenge` when the verify token matches."""
    _organization(request, org_id)
    challenge = verification(dict(request.query_params), WhatsAppSettings().verify_token)
    if challenge is None:
        raise Forbidden("the verify token does not match WAVESTACK_WHATSAPP_VERIFY_TOKEN")
    return PlainTextResponse(challenge)


@router.post("/whatsapp/{org_id}")
async def whatsapp_delivery(request: Request, org_id: OrgId) -> Response:
    """A delivery: its signature checked, its customer messages handed to the bots."""
    body = await _delivery(request)
    settings = WhatsAppSettings()
    if not signature_ok(settings.app_secret, body, request.headers.get("x-hub-signature-256")):
        raise Forbidden("the X-Hub-Signature-256 signature does not match")
    _organization(request, org_id)
    messages = inbound_messages(_json_object(body))
    bus = container_of(request).bus
    for message in messages:
        bus.publish(inbound_envelope(org_id, message))
    return JSONResponse({"received": len(messages)})
