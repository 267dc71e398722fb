"""Process roles: the API server, job workers, the scheduler, the chat bots on the connected
platforms, or all of them in one process."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum

import uvicorn
from uvicorn.supervisors import Multiprocess

from wavestack.adapters import ChatAdapters
from wavestack.app import ONLY_ENV, create_app
from wavestack.bootstrap import Container
from wavestack.kernel.logging import get_logger
from wavestack.services import auth
from wavestack.services.publishing import PublishScheduler

log = get_logger(__name__)


class Role(StrEnum):
    """What a process does."""

    api = "api"
    worker = "worker"
    scheduler = "scheduler"
    bots = "bots"


ALL_ROLES = frozenset(Role)
SWITCH_INTERVAL_SECONDS = 0.0005
FIRST_RUN_FILE = "first-run-credentials.json"


def ensure_first_run_credentials(container: Container) -> dict[str, str] | None:
    """On an empty database create a default organization and an admin client; return them."""
    if auth.count_organizations(container.uow(write=False)) > 0:
        return None
    # One transaction: an organization without its client would never get credentials.
    with container.uow() as uow:
        org = auth.create_organization(uow, auth.OrganizationCreate(name="Default"))
        creds = auth.create_client(
            uow, auth.ClientCreate(org_id=org.id, name="first-run", scopes=["admin"])
        )
        uow.commit()
    record = {
        "org_id": org.id,
        "org_slug": org.slug,
        "client_id": creds.client_id,
        "client_secret": creds.client_secret,
    }
    path = container.settings.data_dir / FIRST_RUN_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(record, fh, indent=2)
    return record


@contextmanager
def background_roles(container: Container, roles: frozenset[Role]) -> Iterator[None]:
    """Run the outbox dispatcher and job consumers for the roles while the block runs."""
    consumer = None
    if roles & {Role.worker, Role.scheduler}:
        workers = container.settings.worker_threads if Role.worker in roles else 1
        consumer = container.jobs.consumer(workers=workers, periodic=Role.scheduler in roles)
        consumer.start()
    # Every role that writes dispatches the outbox; leases keep several dispatchers apart.
    container.dispatcher.start()
    publisher = PublishScheduler(container.uow) if Role.scheduler in roles else None
    if publisher is not None:
        publisher.start()
    adapters = ChatAdapters(container) if Role.bots in roles else None
    if adapters is not None:
        for line in adapters.start():
            log.info("bots", status=line)
    try:
        yield
    finally:
        if adapters is not None:
            adapters.stop()
        if publisher is not None:
            publisher.stop()
        container.dispatcher.stop()
        if consumer is not None:
            consumer.stop(graceful=True)


def _run_api_processes(container: Container, only: set[str] | None) -> None:
    settings = container.settings
    # Each API process builds its own container from the environment; hand it what the
    # command line changed.
    os.environ.update(
        WAVESTACK_DATA_DIR=str(settings.data_dir.resolve()),
        WAVESTACK_DATABASE_URL=settings.resolved_database_url,
        WAVESTACK_HOST=settings.host,
        WAVESTACK_PORT=str(settings.port),
    )
    if settings.redis_url:
        os.environ["WAVESTACK_REDIS_URL"] = settings.redis_url
    os.environ[ONLY_ENV] = ",".join(sorted(only or ()))
    config = uvicorn.Config(
        "wavestack.app:app_from_environment",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.api_workers,
        log_config=None,
        access_log=False,
    )
    Multiprocess(config, sockets=[config.bind_socket()]).run()


def serve(container: Container, *, roles: frozenset[Role], only: set[str] | None) -> None:
    """Run the given roles until interrupted (Ctrl-C or SIGTERM), then stop cleanly."""
    # uvicorn re-raises the captured Ctrl-C once it has shut down; by then all is stopped.
    with contextlib.suppress(KeyboardInterrupt):
        _serve(container, roles=roles, only=only)
    log.info("stopped")


def _serve(container: Container, *, roles: frozenset[Role], only: set[str] | None) -> None:
    settings = container.settings
    # Request threads give up the GIL on every database call; with the default 5 ms switch
    # interval each of them then waits up to 5 ms behind the busy event loop to get it back.
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    # Everything built so far lives as long as the process: keep the collector from
    # re-scanning it on every full collection.
    gc.freeze()
    with background_roles(container, roles):
        if Role.api in roles and settings.api_workers > 1:
            _run_api_processes(container, only)
        elif Role.api in roles:
            config = uvicorn.Config(
                create_app(container, only=only),
                host=settings.host,
                port=settings.port,
                log_config=None,
                access_log=False,
                proxy_headers=False,
            )
            server = uvicorn.Server(config)
            server.run()
            if not server.started:
                raise SystemExit(f"could not start the API on {settings.host}:{settings.port}")
        else:
            stop = threading.Event()
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, lambda *_: stop.set())
            log.info("running", roles=sorted(roles))
            stop.wait()
