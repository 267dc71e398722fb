"""Jobs of publishing: one publish job per (queue item, platform)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wavestack.kernel.jobs import RetryPolicy
from wavestack.services.publishing import service
from wavestack.services.publishing.events import PublishToPlatform
from wavestack.services.publishing.local import LocalPublisher
from wavestack.services.publishing.publishers import Publisher
from wavestack.services.publishing.settings import PublishingSettings

if TYPE_CHECKING:
    from wavestack.bootstrap import Container


def publishers_of(container: Container) -> dict[str, Publisher]:
    """Every platform publishing can reach, by name."""
    settings = container.settings
    local = LocalPublisher(
        settings.data_dir / "published",
        container.storage,
        public_url=settings.resolved_public_url,
        feed_items=PublishingSettings().feed_items,
    )
    return {local.platform: local}


def install(container: Container) -> None:
    """Register the publish job."""
    publishers = publishers_of(container)

    def publish(job: PublishToPlatform) -> None:
        service.publish(container.uow, publishers, job)

    def give_up(job: PublishToPlatform, exc: Exception) -> None:
        service.fail(container.uow, job, f"gave up after retries: {exc}")

    container.jobs.register_job(
        PublishToPlatform,
        publish,
        # A refusal ends the delivery inside `publish`; what raises is transient.
        RetryPolicy(retries=3, delay_seconds=5, backoff=2.0),
        on_give_up=give_up,
    )
