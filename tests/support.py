"""Test helpers: a synchronous client for the ASGI app, tenants with tokens, small servers."""

from __future__ import annotations

import http.server
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import anyio
import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal
from sqlalchemy import text

from wavestack.bootstrap import Container
from wavestack.kernel.clock import as_utc
from wavestack.kernel.config import Settings
from wavestack.services import auth


class SyncASGIClient:
    """Drive the ASGI app in-process through httpx, from synchronous tests."""

    def __init__(self, app: Any, portal: BlockingPortal) -> None:
        self._portal = portal
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self._portal.call(lambda: self._client.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)

    def concurrently(self, calls: list[tuple[str, str, dict[str, Any]]]) -> list[httpx.Response]:
        """Send several requests at once and return the responses in order."""

        async def run() -> list[httpx.Response]:
            results: list[httpx.Response | None] = [None] * len(calls)

            async def one(i: int, method: str, url: str, kwargs: dict[str, Any]) -> None:
                results[i] = await self._client.request(method, url, **kwargs)

            async with anyio.create_task_group() as tg:
                for i, (method, url, kwargs) in enumerate(calls):
                    tg.start_soon(one, i, method, url, kwargs)
            return [r for r in results if r is not None]

        return self._portal.call(run)

    def close(self) -> None:
        self._portal.call(self._client.aclose)


@contextmanager
def asgi_client(app: Any) -> Iterator[SyncASGIClient]:
    """Yield a synchronous client bound to an app, with its own event loop thread."""
    with start_blocking_portal() as portal:
        client = SyncASGIClient(app, portal)
        try:
            yield client
        finally:
            client.close()


@dataclass
class Tenant:
    """An organization with an admin client and a token for it."""

    org_id: str
    client_id: str
    client_secret: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_tenant(container: Container, name: str, scopes: list[str] | None = None) -> Tenant:
    """Create an organization and a client through the service functions, and issue a token."""
    org = auth.create_organization(container.uow(), auth.OrganizationCreate(name=name))
    creds = auth.create_client(
        container.uow(), auth.ClientCreate(org_id=org.id, scopes=scopes or ["admin"])
    )
    token = container.tokens.issue(
        client_id=creds.client_id, org_id=org.id, scopes=scopes or ["admin"]
    )
    return Tenant(org.id, creds.client_id, creds.client_secret, token)


@dataclass
class Recorded:
    """One request a RecordingServer received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class RecordingServer:
    """A local HTTP server that records requests and answers from a script of status codes."""

    statuses: list[int] = field(default_factory=lambda: [200])
    body: bytes = b"ok"
    content_type: str = "text/plain"
    requests: list[Recorded] = field(default_factory=list)
    url: str = ""
    on_request: Callable[[Recorded], None] | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def _next_status(self) -> int:
        with self._lock:
            return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]

    @contextmanager
    def running(self) -> Iterator[RecordingServer]:
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                entry = Recorded(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                with recorder._lock:
                    recorder.requests.append(entry)
                if recorder.on_request is not None:
                    recorder.on_request(entry)
                status = recorder._next_status()
                self.send_response(status)
                self.send_header("Content-Type", recorder.content_type)
                self.send_header("Content-Length", str(len(recorder.body)))
                self.end_headers()
                self.wfile.write(recorder.body)

            do_GET = do_POST = _handle

            def log_message(self, format: str, *args: Any) -> None:
                return

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()


def wait_until(condition: Callable[[], object], timeout: float = 6.0) -> None:
    """Poll until `condition()` holds (work done by another thread), failing after `timeout`."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def make_project(api: SyncASGIClient, tenant: Tenant, name: str = "Show") -> str:
    response = api.post("/api/projects", headers=tenant.headers, json={"name": name})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def make_asset(
    api: SyncASGIClient,
    tenant: Tenant,
    file: tuple[str, bytes, str] = ("clip.mp4", b"\x00\x00\x00\x18ftypmp42 video", "video/mp4"),
) -> str:
    """Upload an asset (name, bytes, type: a small video unless told); its id."""
    files = {"file": file}
    response = api.post("/api/assets", headers=tenant.headers, files=files)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def outbox_events(
    container: Container, org_id: str, prefix: str
) -> list[tuple[str, dict[str, Any]]]:
    """The events named `prefix...` in an organization's outbox, oldest first."""
    with container.db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT name, payload FROM kernel_outbox "
                "WHERE org_id = :org AND name LIKE :like ORDER BY id"
            ),
            {"org": org_id, "like": f"{prefix}%"},
        ).all()
    return [(name, json.loads(p) if isinstance(p, str) else p) for name, p in rows]


def set_asset_status(container: Container, asset_id: str, status: str) -> None:
    """Put an asset in a state (pending: its bytes still coming) without fetching anything."""
    with container.db.engine.begin() as conn:
        conn.execute(
            text("UPDATE cms_assets SET status = :s WHERE id = :id"), {"s": status, "id": asset_id}
        )


def free_port() -> int:
    """A local TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def set_settings(monkeypatch: Any, prefix: str, values: dict[str, str]) -> None:
    """Set `WAVESTACK_<PREFIX>_<NAME>` variables for the settings a container reads."""
    for name, value in values.items():
        monkeypatch.setenv(f"WAVESTACK_{prefix}_{name}", value)


def outbox_job_etas(container: Container, name: str) -> list[datetime | None]:
    """When each queued job of this name is due, in UTC (None: at once), oldest first."""
    with container.db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT eta FROM kernel_outbox WHERE kind = 'job' AND name = :name ORDER BY id"),
            {"name": name},
        ).all()
    return [
        None
        if eta is None
        else as_utc(eta if isinstance(eta, datetime) else datetime.fromisoformat(eta))
        for (eta,) in rows
    ]


def process_env(settings: Settings) -> dict[str, str]:
    """The environment of a child process working on the same database, data and Redis."""
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
