"""Jobs of the clipper: the cut, and the sweep that rescues jobs whose worker died."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from huey import crontab

from wavestack.kernel.jobs import RetryPolicy
from wavestack.services.clipper.events import CutClip
from wavestack.services.clipper.service import ClipWorker

if TYPE_CHECKING:
    from wavestack.bootstrap import Container


def worker_of(container: Container) -> ClipWorker:
    """Build the clip worker from the container."""
    settings = container.settings
    return ClipWorker(
        uow=container.uow,
        storage=container.storage,
        transcoder=container.transcoder,
        http_client=lambda: container.http_client(retries=2, timeout=60.0),
        work_dir=settings.data_dir / "tmp" / "clips",
        roots=settings.resolved_media_roots,
        max_download_bytes=settings.max_upload_bytes,
        stale_after=timedelta(seconds=settings.clip_stale_seconds),
    )


def install(container: Container) -> None:
    """Register the cut job and the stale-job sweep."""
    worker = worker_of(container)

    def cut(job: CutClip) -> None:
        worker.run(job.job_id)

    def give_up(job: CutClip, exc: Exception) -> None:
        worker.fail(job.job_id, f"gave up after retries: {exc}")

    container.jobs.register_job(
        CutClip,
        cut,
        # FFmpeg failures end the job inside `run`; what raises is transient (a locked
        # database, a full disk) and worth another try.
        RetryPolicy(retries=2, delay_seconds=5),
        on_give_up=give_up,
    )

    def recover() -> None:
        worker.recover_stale()

    container.jobs.register_periodic("clipper.recover_stale", crontab(minute="*"), recover)
