"""Use cases of outbound webhooks: register endpoints, fan events out, deliver signed requests."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets as token_source
import time
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import bindparam, select

from wavestack.kernel.clock import utcnow
from wavestack.kernel.crypto import SecretBox
from wavestack.kernel.db import Database
from wavestack.kernel.errors import ValidationFailed
from wavestack.kernel.http import BlockedDestination, EgressPolicy
from wavestack.kernel.messages import Envelope
from wavestack.kernel.queries import get_for_org, read_for_org, read_page, table_of
from wavestack.kernel.schemas import Page
from wavestack.kernel.uow import UnitOfWork
from wavestack.services.webhooks.events import DeliverWebhook
from wavestack.services.webhooks.models import WebhookDelivery, WebhookEndpoint
from wavestack.services.webhooks.schemas import (
    DeliveryRead,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
)

SIGNATURE_HEADER = "X-WaveStack-Signature"


def sign(secret: str, body: bytes) -> str:
    """Return the signature header value of a body: `sha256=<hex hmac>`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def matches(patterns: list[str], event_type: str) -> bool:
    """Tell whether an event type is selected by `*`, `area.*` or an exact type."""
    area = event_type.split(".", 1)[0]
    return any(p in ("*", event_type, f"{area}.*") for p in patterns)


def create_webhook(
    uow: UnitOfWork, box: SecretBox, egress: EgressPolicy, *, org_id: str, data: WebhookCreate
) -> WebhookCreated:
    """Register a webhook; its URL must be one the egress policy lets us call."""
    url = str(data.url)
    try:
        egress.check_url(url)
    except BlockedDestination as exc:
        raise ValidationFailed(
            f"url: {exc}", details=[{"field": "url", "message": str(exc)}]
        ) from exc
    secret = data.secret or "whsec_" + token_source.token_urlsafe(32)
    with uow:
        endpoint = WebhookEndpoint(
            org_id=org_id,
            url=url,
            events=data.events,
            description=data.description,
            secret_encrypted=box.encrypt(secret),
        )
        uow.session.add(endpoint)
        uow.commit()
        read = WebhookRead.model_validate(endpoint)
        return WebhookCreated.model_validate({**read.model_dump(), "secret": secret})


def list_webhooks(uow: UnitOfWork, *, org_id: str, limit: int, offset: int) -> Page[WebhookRead]:
    """List the organization's webhooks."""
    with uow:
        return read_page(
            uow.session,
            WebhookEndpoint,
            WebhookRead,
            match={"org_id": org_id},
            limit=limit,
            offset=offset,
        )


def get_webhook(uow: UnitOfWork, *, org_id: str, webhook_id: str) -> WebhookRead:
    """Return one webhook."""
    with uow:
        return read_for_org(
            uow.session, WebhookEndpoint, WebhookRead, org_id=org_id, id=webhook_id, what="webhook"
        )


def delete_webhook(uow: UnitOfWork, *, org_id: str, webhook_id: str) -> None:
    """Remove a webhook and its delivery log."""
    with uow:
        endpoint = get_for_org(
            uow.session, WebhookEndpoint, org_id=org_id, id=webhook_id, what="webhook"
        )
        for delivery in uow.session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)
        ):
            uow.session.delete(delivery)
        uow.session.delete(endpoint)
        uow.commit()


def list_deliveries(
    uow: UnitOfWork, *, org_id: str, webhook_id: str, limit: int, offset: int
) -> Page[DeliveryRead]:
    """List a webhook's deliveries, newest first."""
    with uow:
        get_for_org(uow.session, WebhookEndpoint, org_id=org_id, id=webhook_id, what="webhook")
        return read_page(
            uow.session,
            WebhookDelivery,
            DeliveryRead,
            match={"org_id": org_id, "webhook_id": webhook_id},
            limit=limit,
            offset=offset,
        )


_ENDPOINTS = table_of(WebhookEndpoint)
_ANY_ACTIVE_ENDPOINT = (
    select(_ENDPOINTS.c.id)
    .where(_ENDPOINTS.c.org_id == bindparam("org_id"), _ENDPOINTS.c.active.is_(True))
    .limit(1)
)


def has_endpoints(db: Database, *, org_id: str) -> bool:
    """Tell whether the organization has any active webhook (checked before queuing a fan-out)."""
    # Asked for every event that leaves the outbox: one prebuilt statement on a pooled
    # connection costs a third of a unit of work.
    with db.read_engine.connect() as conn:
        return conn.execute(_ANY_ACTIVE_ENDPOINT, {"org_id": org_id}).first() is not None


def fan_out(uow: UnitOfWork, envelope: Envelope) -> int:
    """Create a delivery per matching endpoint of the event's organization; idempotent."""
    with uow:
        endpoints = uow.session.scalars(
            select(WebhookEndpoint).where(
                WebhookEndpoint.org_id == envelope.org_id, WebhookEndpoint.active.is_(True)
            )
        )
        targets = [e for e in endpoints if matches(e.events, envelope.type)]
        if not targets:
            return 0
        already = set(
            uow.session.scalars(
                select(WebhookDelivery.webhook_id).where(WebhookDelivery.event_id == envelope.id)
            )
        )
        created = 0
        for endpoint in targets:
            if endpoint.id in already:
                continue
            delivery = WebhookDelivery(
                org_id=envelope.org_id,
                webhook_id=endpoint.id,
                event_id=envelope.id,
                event_type=envelope.type,
                payload=envelope.model_dump(mode="json"),
            )
            uow.session.add(delivery)
            uow.session.flush()
            uow.enqueue(DeliverWebhook(delivery_id=delivery.id))
            created += 1
        uow.commit()
        return created


class DeliveryFailed(Exception):
    """An attempt failed in a way worth retrying."""


def deliver(
    uow_factory: Callable[[], UnitOfWork],
    box: SecretBox,
    client_factory: Callable[[], httpx.Client],
    job: DeliverWebhook,
    *,
    max_attempts: int,
) -> None:
    """Make one attempt at a delivery; raises DeliveryFailed so the job queue retries it."""
    with uow_factory() as uow:
        delivery = uow.session.get(WebhookDelivery, job.delivery_id)
        if delivery is None or delivery.status != "pending":
            return  # already delivered or given up: a duplicate job is a no-op
        endpoint = uow.session.get(WebhookEndpoint, delivery.webhook_id)
        if endpoint is None or not endpoint.active:
            return
        url, secret = endpoint.url, box.decrypt(endpoint.secret_encrypted)
        body = json.dumps(delivery.payload, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "WaveStack-Webhooks/1",
            "X-WaveStack-Event": delivery.event_type,
            "X-WaveStack-Event-Id": delivery.event_id,
            "X-WaveStack-Delivery": delivery.id,
            "X-WaveStack-Timestamp": str(int(time.time())),
            SIGNATURE_HEADER: sign(secret, body),
        }
    started = time.perf_counter()
    status_code: int | None = None
    error: str | None = None
    retryable = True
    try:
        # No client-side retries: each attempt is logged, and the job queue does the backoff.
        with client_factory() as client:
            response = client.post(url, content=body, headers=headers)
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
            retryable = status_code in (408, 409, 425, 429) or status_code >= 500
    except BlockedDestination as exc:
        error, retryable = f"blocked: {exc}", False
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    attempt: dict[str, Any] = {
        "at": utcnow().isoformat(),
        "statusCode": status_code,
        "error": error,
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }
    with uow_factory() as uow:
        delivery = uow.session.get(WebhookDelivery, job.delivery_id)
        if delivery is None or delivery.status != "pending":
            return
        delivery.attempts += 1
        delivery.last_status_code = status_code
        delivery.last_error = error
        delivery.history = [*delivery.history, attempt][-max_attempts:]
        if error is None:
            delivery.status = "delivered"
            delivery.delivered_at = utcnow()
        elif not retryable or delivery.attempts >= max_attempts:
            delivery.status = "failed"
        uow.commit()
        if delivery.status == "pending":
            raise DeliveryFailed(error or "delivery failed")
