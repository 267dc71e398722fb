"""Durability: work committed before a process is killed still happens after a restart."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import pytest

from support import RecordingServer, make_tenant, process_env
from wavestack.bootstrap import bootstrap
from wavestack.runtime import Role, background_roles
from wavestack.services.cms import get_asset

# Registers an asset by URL (which queues a download job), optionally moves the outbox
# into the job queue, then dies with SIGKILL: no cleanup, no graceful shutdown.
KILLED_PROCESS = """
import os, signal, sys
from wavestack.bootstrap import bootstrap
from wavestack.kernel.config import Settings
from wavestack.services.cms import service
from wavestack.services.cms.schemas import AssetRegister

namespace, org_id, url, stage = sys.argv[1:5]
container = bootstrap(Settings(), namespace=namespace)
asset = service.register_asset(
    container.uow(), org_id=org_id, data=AssetRegister(source_url=url)
)
if stage == "queued":
    assert container.dispatcher.dispatch_pending() == 2  # the event and the job
print(asset.id, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.parametrize("stage", ["committed", "queued"])
def test_job_survives_sigkill(settings_factory: Any, namespace: str, stage: str) -> None:
    """`committed`: killed before the outbox was sent; `queued`: killed with the job queued."""
    settings = settings_factory(http_allowed_hosts=["127.0.0.1/32"])
    setup = bootstrap(settings, namespace=namespace)
    tenant = make_tenant(setup, "Durable")
    setup.close()
    source = RecordingServer(body=b"video-bytes" * 100, content_type="video/mp4")
    with source.running():
        killed = subprocess.run(
            [
                sys.executable,
                "-c",
                KILLED_PROCESS,
                namespace,
                tenant.org_id,
                f"{source.url}/v.mp4",
                stage,
            ],
            env=process_env(settings),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert killed.returncode == -9, killed.stderr
        asset_id = killed.stdout.strip()
        assert source.requests == []  # nothing ran before the kill

        restarted = bootstrap(settings, namespace=namespace)
        try:
            with background_roles(restarted, frozenset({Role.worker, Role.scheduler})):
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline:
                    asset = get_asset(
                        restarted.uow(write=False), org_id=tenant.org_id, asset_id=asset_id
                    )
                    if asset.status != "pending":
                        break
                    time.sleep(0.05)
            assert asset.status == "ready", asset.error
            assert asset.size_bytes == 1100
            assert len(source.requests) == 1
        finally:
            restarted.jobs.huey.flush()
            restarted.close()


# Queues a clip, runs its worker right here, and dies with SIGKILL once FFmpeg is cutting.
KILLED_CLIP = """
import os, signal, sys, threading, time
from sqlalchemy import text
from wavestack.bootstrap import bootstrap
from wavestack.kernel.config import Settings
from wavestack.services import clipper

namespace, org_id = sys.argv[1:3]
container = bootstrap(Settings(), namespace=namespace)
job_id = clipper.create_job(
    container.uow(),
    org_id=org_id,
    data=clipper.ClipRequest(source="long.mp4", start_sec=0, duration_sec=30, out_ext="webm"),
    roots=container.settings.resolved_media_roots,
    egress=container.egress,
    transcoder=container.transcoder,
).job_id
print(job_id, flush=True)

def kill_when_cutting():
    while True:
        time.sleep(0.05)
        with container.db.engine.connect() as conn:
            progress = conn.execute(
                text("SELECT progress FROM clipper_jobs WHERE id = :id"), {"id": job_id}
            ).scalar()
        if progress and progress > 0:
            os.kill(os.getpid(), signal.SIGKILL)

threading.Thread(target=kill_when_cutting, daemon=True).start()
clipper.worker_of(container).run(job_id)
"""


def test_a_clip_job_whose_worker_was_killed_is_retried(
    settings_factory: Any, namespace: str
) -> None:
    from media import make_video
    from wavestack.services import clipper

    settings = settings_factory(clip_stale_seconds=3)
    setup = bootstrap(settings, namespace=namespace)
    tenant = make_tenant(setup, "Durable clips")
    setup.close()
    root = settings.resolved_media_roots[0]
    make_video(root / "long.mp4", seconds=30, size=(640, 360), numbered=False)
    env = {**process_env(settings), "WAVESTACK_CLIP_STALE_SECONDS": "3"}
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_CLIP, namespace, tenant.org_id],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert killed.returncode == -9, killed.stderr
    job_id = killed.stdout.strip()

    restarted = bootstrap(settings, namespace=namespace)
    try:
        status = clipper.get_status(restarted.uow(write=False), org_id=tenant.org_id, job_id=job_id)
        assert status.status == "processing"  # what the dead worker left behind
        with background_roles(restarted, frozenset({Role.worker, Role.scheduler})):
            worker = clipper.worker_of(restarted)
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                worker.recover_stale()  # what the scheduler runs every minute
                status = clipper.get_status(
                    restarted.uow(write=False), org_id=tenant.org_id, job_id=job_id
                )
                if status.status in ("complete", "failed"):
                    break
                time.sleep(0.5)
        assert status.status == "complete", status.error
        assert status.result is not None
        assert status.result.duration == pytest.approx(30, abs=0.1)
    finally:
        restarted.jobs.huey.flush()
        restarted.close()
