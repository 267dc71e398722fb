"""Durability: work committed before a process is killed still happens after a restart."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

import pytest

from support import RecordingServer, make_tenant
from wavestack.bootstrap import bootstrap
from wavestack.kernel.config import Settings
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


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAVESTACK_")}
    env.update(
        WAVESTACK_ENV="test",
        WAVESTACK_DATA_DIR=str(settings.data_dir),
        WAVESTACK_DATABASE_URL=settings.resolved_database_url,
        WAVESTACK_HTTP_ALLOWED_HOSTS=",".join(settings.http_allowed_hosts),
        WAVESTACK_LOG_LEVEL="WARNING",
    )
    if settings.redis_url:
        env["WAVESTACK_REDIS_URL"] = settings.redis_url
    return env


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
            env=_env(settings),
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
