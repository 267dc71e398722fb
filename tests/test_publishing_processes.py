"""Two publishing worker processes on one database never publish a (queue item, platform)
twice: their claims skip each other's rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL), and a
publish job delivered to both (as a retried or duplicated job would be) goes out once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from support import SyncASGIClient, Tenant, make_asset, make_project, process_env
from wavestack.kernel.config import Settings

# Claims two items at a time and publishes them (jobs inline), then runs the publish job of
# every item again; each publish the platform receives is a line in the log.
WORKER = """
import json, os, sys, time
from pathlib import Path
from wavestack.bootstrap import bootstrap
from wavestack.kernel.config import Settings
from wavestack.services.publishing import PublishScheduler, handlers
from wavestack.services.publishing.events import PublishToPlatform
from wavestack.services.publishing.service import publish

log, start, namespace = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
jobs = json.loads(sys.argv[4])
real = handlers.publishers_of

class Counted:
    platform = "local"

    def __init__(self, local):
        self.local = local

    def publish(self, item, assets):
        with log.open("a") as out:
            out.write(f"{item.id} {os.getpid()}\\n")
        return self.local.publish(item, assets)

def counting(container):
    found = real(container)
    return {**found, "local": Counted(found["local"])}

handlers.publishers_of = counting
container = bootstrap(Settings(), immediate_jobs=True, namespace=namespace)
publishers = counting(container)
while not start.exists():
    time.sleep(0.01)
scheduler = PublishScheduler(container.uow)
while scheduler.run_once():
    pass
for org_id, item_id in jobs:
    job = PublishToPlatform(org_id=org_id, item_id=item_id, platform="local")
    publish(container.uow, publishers, job)
container.close()
"""


def test_two_worker_processes_publish_each_item_once(
    api: SyncASGIClient, settings: Settings, tenant: Tenant, namespace: str, tmp_path: Path
) -> None:
    project, asset = make_project(api, tenant), make_asset(api, tenant)
    items = []
    for number in range(24):
        body = {
            "projectId": project,
            "assetId": asset,
            "title": f"Post {number}",
            "platforms": ["local"],
            "idempotencyKey": f"twice-{number}",
        }
        queued = api.post("/api/queue", headers=tenant.headers, json=body)
        assert queued.status_code == 201
        items.append(queued.json()["id"])
    log, start = tmp_path / "published.log", tmp_path / "start"
    jobs = json.dumps([[tenant.org_id, item] for item in items])
    env = {**process_env(settings), "WAVESTACK_PUBLISHING_BATCH": "2"}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(log), str(start), f"{namespace}-{n}", jobs],
            env=env,
            stderr=subprocess.PIPE,
        )
        for n in range(2)
    ]
    start.touch()
    for worker in workers:
        _, errors = worker.communicate(timeout=120)
        assert worker.returncode == 0, errors.decode()[-2000:]

    published = [line.split()[0] for line in log.read_text().splitlines()]
    assert sorted(published) == sorted(items)  # every item once, none twice
    done = api.get("/api/queue?limit=100", headers=tenant.headers).json()["items"]
    assert {i["status"] for i in done} == {"published"}
    assert api.get("/api/posts?limit=100", headers=tenant.headers).json()["total"] == 24
