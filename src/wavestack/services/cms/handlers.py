"""Jobs of the CMS service."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wavestack.kernel.jobs import RetryPolicy
from wavestack.services.cms import service
from wavestack.services.cms.events import FetchAsset

if TYPE_CHECKING:
    from wavestack.bootstrap import Container


def install(container: Container) -> None:
    """Register the asset download job."""

    def fetch(job: FetchAsset) -> None:
        service.fetch_asset(
            container.uow,
            container.storage,
            container.http_client,
            job,
            max_bytes=container.settings.max_upload_bytes,
            transcoder=container.transcoder,
        )

    def give_up(job: FetchAsset, exc: Exception) -> None:
        service.mark_fetch_failed(container.uow, job, f"gave up after retries: {exc}")

    container.jobs.register_job(
        FetchAsset,
        fetch,
        RetryPolicy(retries=4, delay_seconds=5, timeout_seconds=3600),
        on_give_up=give_up,
    )
