"""Platform webhooks: deliveries from WhatsApp's Cloud API. They carry no bearer token: the
`X-Hub-Signature-256` signature with the app secret is what makes them trustworthy."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from wavestack.deps import container_of
from wavestack.kernel.errors import Forbidden, NotFound, PayloadTooLarge, ValidationFailed
from wavestack.providers.whatsapp import (
    WhatsAppSettings,
    inbound_messages,
    signature_ok,
    verification,
)
from wavestack.services import auth
from wavestack.services.bots.whatsapp import inbound_envelope

router = APIRouter(prefix="/api/v1/hooks", tags=["platform webhooks"])
MAX_DELIVERY = 1024 * 1024
OrgId = Annotated[str, Path(min_length=1, max_length=36)]


def _organization(request: Request, org_id: str) -> None:
    if not auth.organization_exists(container_of(request).uow(write=False), org_id):
        raise NotFound("no such organization")


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
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_DELIVERY:
        raise PayloadTooLarge("a webhook delivery is limited to 1 MB")
    body = await request.body()
    if len(body) > MAX_DELIVERY:
        raise PayloadTooLarge("a webhook delivery is limited to 1 MB")
    settings = WhatsAppSettings()
    if not signature_ok(settings.app_secret, body, request.headers.get("x-hub-signature-256")):
        raise Forbidden("the X-Hub-Signature-256 signature does not match")
    _organization(request, org_id)
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise ValidationFailed("the delivery is not JSON") from exc
    if not isinstance(payload, dict):
        raise ValidationFailed("the delivery is not a JSON object")
    messages = inbound_messages(payload)
    bus = container_of(request).bus
    for message in messages:
        bus.publish(inbound_envelope(org_id, message))
    return JSONResponse({"received": len(messages)})
