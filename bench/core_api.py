"""Content-queue API load: a create/list/get mix at fixed request rates against a real server.

Starts `wavestack up` on a free port (SQLite by default; `--postgres URL [--redis URL]` for the
scaled-out backends), then offers requests open-loop at each rate: every request has a planned
send time, and its latency counts from that time, so a stalled server cannot hide its queueing.

    python bench/core_api.py --rates 100,250,500 --seconds 20
    python bench/core_api.py --postgres postgresql://postgres@127.0.0.1:5432/test \\
        --redis redis://127.0.0.1:6379/0
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

MIX = (("create", 0.2), ("list", 0.5), ("get", 0.3))


@dataclass
class Run:
    rate: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    started: float = 0.0
    finished: float = 0.0

    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0

    def report(self) -> dict[str, float]:
        lat = sorted(self.latencies_ms)
        quantiles = statistics.quantiles(lat, n=100) if len(lat) >= 100 else [max(lat)] * 99
        return {
            "rate": self.rate,
            "requests": len(lat),
            "errors": self.errors,
            "achieved_rps": round(len(lat) / (self.finished - self.started), 1),
            "p50_ms": round(quantiles[49], 2),
            "p99_ms": round(quantiles[98], 2),
            "max_ms": round(lat[-1], 2),
            # CPU per request, the server's processes and this load generator's.
            "server_cpu_ms": round(1000 * self.server_cpu_s / len(lat), 2),
            "client_cpu_ms": round(1000 * self.client_cpu_s / len(lat), 2),
        }


def process_tree_cpu_seconds(root: int) -> float:
    """CPU time (user + system) of a process and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [child for child, parent in parents.items() if parent == pid]
        tree.update(children)
        frontier.extend(children)
    return sum(times.get(pid, 0.0) for pid in tree)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, port: int, args: argparse.Namespace) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAVESTACK_")}
    env.update(
        WAVESTACK_DATA_DIR=str(data_dir),
        WAVESTACK_RATE_LIMIT_CORE="100000000",
        WAVESTACK_LOG_LEVEL="WARNING",
        WAVESTACK_LOG_FORMAT="json",
    )
    env["WAVESTACK_API_WORKERS"] = str(args.workers)
    if args.postgres:
        env["WAVESTACK_DATABASE_URL"] = args.postgres
    if args.redis:
        env["WAVESTACK_REDIS_URL"] = args.redis
    cmd = [sys.executable, "-m", "wavestack", "up", "--port", str(port)]
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("server did not start")


def token(base: str, data_dir: Path, cli_env: dict[str, str]) -> str:
    creds_file = data_dir / "first-run-credentials.json"
    if creds_file.exists():
        creds = json.loads(creds_file.read_text())
    else:  # PostgreSQL that already had organizations: make a fresh one

        def cli(*args: str) -> dict[str, str]:
            out = subprocess.run(
                [sys.executable, "-m", "wavestack", *args],
                env=cli_env,
                capture_output=True,
                text=True,
                check=True,
            )
            return dict(json.loads(out.stdout))

        org = cli("org", "create", f"bench-{time.time_ns()}")
        creds = cli("client", "create", "--org", org["id"])
    response = httpx.post(
        f"{base}/api/auth/token",
        json={"client_id": creds["client_id"], "client_secret": creds["client_secret"]},
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


class Connection:
    """One keep-alive HTTP/1.1 connection speaking just enough of the protocol.

    httpx costs about a millisecond of CPU per request, which on this 2-core machine would
    make the load generator, not the server, the bottleneck.
    """

    def __init__(self, host: str, port: int, bearer: str) -> None:
        self.host, self.port = host, port
        self.auth = f"Authorization: Bearer {bearer}\r\n".encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: bytes = b""
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n".encode()
            + self.auth
            + headers
            + (b"Content-Type: application/json\r\n" if body else b"")
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
        )
        self.writer.write(head + body)
        status_line = await self.reader.readline()
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        payload = await self.reader.readexactly(length) if length else b""
        return int(status_line.split()[1]), payload


async def offer_load(
    conns: list[Connection],
    rate: int,
    seconds: float,
    refs: dict[str, str],
    ids: list[str],
    server_pid: int,
) -> Run:
    run = Run(rate)
    rng = random.Random(rate)
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    total = int(rate * seconds)
    queue: asyncio.Queue[tuple[float, str] | None] = asyncio.Queue()
    create_body = {**refs, "title": "Bench clip", "platforms": ["local"]}

    async def worker(conn: Connection) -> None:
        n = 0
        while (job := await queue.get()) is not None:
            planned, kind = job
            n += 1
            try:
                if kind == "create":
                    key = f"Idempotency-Key: b-{rate}-{id(conn)}-{n}-{time.time_ns()}\r\n"
                    body = json.dumps(create_body).encode()
                    status, payload = await conn.request("POST", "/api/queue", body, key.encode())
                    if status == 201:
                        ids.append(json.loads(payload)["id"])
                elif kind == "list":
                    status, _ = await conn.request("GET", "/api/queue?limit=20")
                else:
                    status, _ = await conn.request("GET", f"/api/queue/{rng.choice(ids)}")
                ok = status < 400
            except (OSError, asyncio.IncompleteReadError, ValueError):
                ok, conn.writer = False, None
            if ok:
                run.latencies_ms.append((time.perf_counter() - planned) * 1000)
            else:
                run.errors += 1

    workers = [asyncio.create_task(worker(c)) for c in conns]
    server_cpu, client_cpu = process_tree_cpu_seconds(server_pid), time.process_time()
    run.started = time.perf_counter()
    for i in range(total):
        planned = run.started + i / rate
        delay = planned - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((planned, rng.choices(kinds, weights)[0]))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    run.finished = time.perf_counter()
    run.server_cpu_s = process_tree_cpu_seconds(server_pid) - server_cpu
    run.client_cpu_s = time.process_time() - client_cpu
    return run


async def bench(
    host: str,
    port: int,
    bearer: str,
    rates: list[int],
    seconds: float,
    connections: int,
    server_pid: int,
) -> list[dict[str, float]]:
    setup = Connection(host, port, bearer)
    _, project = await setup.request("POST", "/api/projects", json.dumps({"name": "b"}).encode())
    async with httpx.AsyncClient(base_url=f"http://{host}:{port}") as client:
        files = {"file": ("clip.mp4", b"\x00" * 1024, "video/mp4")}
        auth = {"Authorization": f"Bearer {bearer}"}
        asset = (await client.post("/api/assets", files=files, headers=auth)).json()
    refs = {"projectId": json.loads(project)["id"], "assetId": asset["id"]}
    ids: list[str] = []
    for n in range(50):  # something to list and get from the start
        body = json.dumps({**refs, "title": "Seed", "platforms": ["local"]}).encode()
        key = f"Idempotency-Key: seed-{n}-{time.time_ns()}\r\n".encode()
        ids.append(json.loads((await setup.request("POST", "/api/queue", body, key))[1])["id"])
    conns = [Connection(host, port, bearer) for _ in range(connections)]
    await offer_load(conns, 50, 2, refs, ids, server_pid)  # warm-up
    # The load generator's own full collections would show up as server latency.
    gc.collect()
    gc.freeze()
    results = []
    for rate in rates:
        run = await offer_load(conns, rate, seconds, refs, ids, server_pid)
        results.append(run.report())
        print(json.dumps(results[-1]), flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", default="100,250,500", help="requests/s, comma-separated")
    parser.add_argument("--seconds", type=float, default=20.0, help="duration of each rate")
    parser.add_argument("--postgres", help="PostgreSQL URL (default: SQLite in a temp dir)")
    parser.add_argument("--redis", help="Redis URL for jobs, events and rate limits")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections")
    parser.add_argument("--workers", type=int, default=1, help="API processes of the server")
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        port = free_port()
        server = start_server(data_dir, port, args)
        base = f"http://127.0.0.1:{port}"
        cli_env = {**os.environ, "WAVESTACK_DATA_DIR": str(data_dir)}
        if args.postgres:
            cli_env["WAVESTACK_DATABASE_URL"] = args.postgres
        bearer = token(base, data_dir, cli_env)
        try:
            backend = "postgresql" if args.postgres else "sqlite"
            print(
                f"# backend={backend} api_workers={args.workers} seconds={args.seconds} "
                f"mix={dict(MIX)}",
                flush=True,
            )
            asyncio.run(
                bench(
                    "127.0.0.1",
                    port,
                    bearer,
                    rates,
                    args.seconds,
                    args.connections,
                    server.pid,
                )
            )
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
