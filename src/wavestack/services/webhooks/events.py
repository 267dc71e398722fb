"""Jobs of outbound webhooks."""

from __future__ import annotations

from typing import ClassVar

from wavestack.kernel.messages import Job


class DeliverWebhook(Job):
    """Send one delivery to its endpoint (one attempt; retried by the queue)."""

    job_name: ClassVar[str] = "webhooks.deliver"
    delivery_id: str
