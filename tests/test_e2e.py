"""End to end: `wavestack up` as a process, credentials from the CLI, the queue over HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from support import free_port
from wavestack.kernel.config import Settings

pytestmark = pytest.mark.slow


def _env(settings: Settings, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAVESTACK_")}
    env.update(WAVESTACK_DATA_DIR=str(data_dir), WAVESTACK_LOG_FORMAT="json")
    if settings.database_url and settings.database_url.startswith("postgresql"):
        env["WAVESTACK_DATABASE_URL"] = settings.database_url
    if settings.redis_url:
        env["WAVESTACK_REDIS_URL"] = settings.redis_url
    return env


def _start_up(
    env: dict[str, str], data_dir: Path, *args: str, capture: bool = False
) -> tuple[subprocess.Popen[str], str]:
    """Start `wavestack up` on a free port and wait until it answers its health check."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wavestack",
            "up",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            *args,
        ],
        env=env,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        stderr=subprocess.STDOUT if capture else subprocess.DEVNULL,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert server.poll() is None, server.stdout.read() if server.stdout else ""
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return server, base
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.2)


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "wavestack", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_up_cli_and_queue_over_http(settings_factory: Any, tmp_path: Path, backend: str) -> None:
    settings = settings_factory()
    data_dir = tmp_path / "e2e-data"
    env = _env(settings, data_dir)
    if backend == "sqlite":
        env.pop("WAVESTACK_DATABASE_URL", None)  # the default: a SQLite file in the data dir
    server, base = _start_up(env, data_dir, capture=True)
    try:
        assert httpx.get(f"{base}/api/docs").status_code == 200
        first_run = json.loads((data_dir / "first-run-credentials.json").read_text())
        assert first_run["client_secret"].startswith("wss_")

        org = json.loads(_cli(env, "org", "create", "E2E Creator", "--slug", "e2e"))
        assert org["slug"] == "e2e"
        assert set(org) == {"id", "name", "slug"}
        scopes = "queue:write projects:write assets:write ai:write"
        client = json.loads(_cli(env, "client", "create", "--org", org["id"], "--scopes", scopes))
        assert client["org_id"] == org["id"]
        assert client["scopes"] == scopes.split()
        token = _cli(
            env,
            "token",
            "--client-id",
            client["client_id"],
            "--client-secret",
            client["client_secret"],
        )
        headers = {"Authorization": f"Bearer {token}"}

        with httpx.Client(base_url=base, headers=headers, timeout=10) as http:
            project = http.post("/api/projects", json={"name": "Stream"}).json()
            asset = http.post(
                "/api/assets",
                files={"file": ("clip.mp4", b"\x00" * 2048, "video/mp4")},
                data={"projectId": project["id"]},
            ).json()
            body = {
                "projectId": project["id"],
                "assetId": asset["id"],
                "title": "Best moment",
                "platforms": ["youtube", "local"],
                "hashtags": ["#gaming"],
                "scheduleAt": "2999-01-01T00:00:00Z",  # stays queued: changed, then canceled
            }
            created = http.post("/api/queue", json=body, headers={"Idempotency-Key": "e2e-1"})
            assert created.status_code == 201, created.text
            item = created.json()
            replay = http.post("/api/queue", json=body, headers={"Idempotency-Key": "e2e-1"})
            assert replay.status_code == 200
            assert replay.json()["id"] == item["id"]
            listed = http.get("/api/queue").json()
            assert listed["total"] == 1
            assert listed["items"][0]["id"] == item["id"]
            assert http.get(f"/api/queue/{item['id']}").json()["hashtags"] == ["gaming"]
            patched = http.patch(f"/api/queue/{item['id']}", json={"title": "Even better"})
            assert patched.json()["title"] == "Even better"
            canceled = http.delete(f"/api/queue/{item['id']}")
            assert canceled.json()["status"] == "canceled"
            assert http.get("/api/queue?status=canceled").json()["total"] == 1

            # A post for `local` shows in the feed at its time.
            due = datetime.now(UTC) + timedelta(seconds=2)
            soon = {**body, "title": "Going out soon", "platforms": ["local"]}
            soon["scheduleAt"] = due.isoformat()
            queued = http.post("/api/queue", json=soon, headers={"Idempotency-Key": "e2e-2"})
            assert queued.status_code == 201, queued.text
            feed_url = f"/published/{org['id']}/feed.xml"
            deadline = time.monotonic() + 30
            while b"Going out soon" not in (feed := http.get(feed_url)).content:
                assert time.monotonic() < deadline, "the post never reached the feed"
                time.sleep(0.2)
            assert datetime.now(UTC) >= due
            published = http.get(f"/api/queue/{queued.json()['id']}").json()
            assert published["status"] == "published"
            assert feed.headers["content-type"].startswith("application/rss+xml")

            # With no keys and no Ollama, chat answers in the voice learned from samples.
            samples = [
                {"role": "viewer", "message": "when does the stream start?"},
                {"role": "creator", "message": "stream starts at 8, bring snacks 🔥"},
                {"role": "creator", "message": "ranked grind tonight, lets gooo"},
            ]
            learned = http.post("/api/v1/learn", json={"content": samples})
            assert learned.json()["learned"] == 2, learned.text
            asked = {"userId": "viewer", "message": "what time does the stream start?"}
            answer = http.post("/api/v1/chat", json=asked).json()
            assert answer["response"] == "stream starts at 8, bring snacks 🔥", answer
            assert answer["provider"] == "past-replies"
    finally:
        server.send_signal(signal.SIGINT)
        try:
            code = server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            raise
        output = server.stdout.read() if server.stdout else ""
        if server.stdout:
            server.stdout.close()
    assert code == 0, output
    assert "First start" in output


def test_up_with_several_api_processes(tmp_path: Path) -> None:
    data_dir = tmp_path / "multi"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAVESTACK_")}
    env.update(WAVESTACK_LOG_FORMAT="json")
    server, base = _start_up(env, data_dir, "--workers", "2")
    try:
        creds = json.loads((data_dir / "first-run-credentials.json").read_text())
        token = httpx.post(
            f"{base}/api/auth/token",
            json={"client_id": creds["client_id"], "client_secret": creds["client_secret"]},
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        # Several requests so both processes answer; each verifies the token on its own.
        for n in range(10):
            response = httpx.post(f"{base}/api/projects", json={"name": f"p{n}"}, headers=headers)
            assert response.status_code == 201
        assert httpx.get(f"{base}/api/projects", headers=headers).json()["total"] == 10
    finally:
        server.send_signal(signal.SIGINT)
        code = server.wait(timeout=30)
    assert code == 0
