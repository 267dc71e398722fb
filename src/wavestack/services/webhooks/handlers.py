"""Reactions of outbound webhooks: every event fans out to matching endpoints."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wavestack.kernel.jobs import RetryPolicy
from wavestack.kernel.messages import Envelope
from wavestack.services.webhooks import service
from wavestack.services.webhooks.events import DeliverWebhook

if TYPE_CHECKING:
    from wavestack.bootstrap import Container


def install(container: Container) -> None:
    """Subscribe to all events and register the delivery job."""
    settings = container.settings

    def fan_out(envelope: Envelope) -> None:
        service.fan_out(container.uow(), envelope)

    def deliver(job: DeliverWebhook) -> None:
        service.deliver(
            container.uow,
            container.secrets,
            lambda: container.http_client(retries=0, timeout=10.0),
            job,
            max_attempts=settings.webhook_max_attempts,
        )

    def wanted(envelope: Envelope) -> bool:
        return service.has_endpoints(container.db, org_id=envelope.org_id)

    container.subscribers.add("webhooks.fan_out", {"*"}, fan_out, wants=wanted)
    container.jobs.register_job(
        DeliverWebhook,
        deliver,
        RetryPolicy(
            retries=settings.webhook_max_attempts,
            delay_seconds=settings.webhook_retry_delay_seconds,
            backoff=2.0,
        ),
    )
