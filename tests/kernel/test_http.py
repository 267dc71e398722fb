"""The guarded outbound HTTP client: address policy, connect-time checks, redirects, retries."""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpcore
import httpx
import pytest

from wavestack.kernel.config import Settings
from wavestack.kernel.http import (
    RETRY_EXTENSION,
    AsyncGuardedBackend,
    BlockedDestination,
    EgressPolicy,
    GuardedBackend,
    GuardedTransport,
    RetryTransport,
    guarded_async_client,
    guarded_client,
    parse_retry_after,
    policy_from_settings,
)

LOCAL = EgressPolicy(allowed_hosts=("127.0.0.1/32",))


@dataclass
class Hits:
    """Requests the test server has seen, by path."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    counts: dict[str, int] = field(default_factory=dict)

    def bump(self, path: str) -> int:
        with self.lock:
            self.counts[path] = self.counts.get(path, 0) + 1
            return self.counts[path]

    def __getitem__(self, path: str) -> int:
        with self.lock:
            return self.counts.get(path, 0)


@dataclass
class Server:
    base: str
    port: int
    hits: Hits


def _make_handler(hits: Hits) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass  # Keep pytest output clean.

        def _reply(
            self, status: int, body: bytes = b"", headers: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _dispatch(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            url = urlsplit(self.path)
            seen = hits.bump(url.path)
            if url.path == "/ok":
                self._reply(200, b"ok")
            elif url.path.startswith("/flaky"):
                if seen == 1:
                    self._reply(503, b"busy", {"Retry-After": "1"})
                else:
                    self._reply(200, b"recovered")
            elif url.path == "/limited":
                self._reply(429, b"slow down", {"Retry-After": "120"})
            elif url.path == "/bad-gateway":
                self._reply(502, b"upstream down")
            elif url.path == "/redirect":
                target = parse_qs(url.query)["to"][0]
                self._reply(302, b"", {"Location": target})
            else:
                self._reply(404, b"missing")

        do_GET = _dispatch
        do_POST = _dispatch
        do_PUT = _dispatch

    return Handler


@pytest.fixture
def server() -> Iterator[Server]:
    hits = Hits()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(hits))
    httpd.daemon_threads = True
    # A short poll interval keeps shutdown (and so each test's teardown) quick.
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    port = httpd.server_address[1]
    try:
        yield Server(base=f"http://127.0.0.1:{port}", port=int(port), hits=hits)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SleepRecorder:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.calls.append(seconds)


# --- policy -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "::1",
        "fe80::1",
        "fd00::1",
        "fec0::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::a00:1",
        "2002:7f00:1::1",
        "0.0.0.0",  # noqa: S104
        "::",
        "224.0.0.1",
        "ff02::1",
        "240.0.0.1",
        "255.255.255.255",
    ],
)
def test_default_policy_refuses_non_public_addresses(address: str) -> None:
    with pytest.raises(BlockedDestination) as caught:
        EgressPolicy().check_address("example.com", ipaddress.ip_address(address))
    assert caught.value.address == ipaddress.ip_address(address)
    assert caught.value.host == "example.com"


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "64:ff9b::808:808"]
)
def test_public_addresses_pass(address: str) -> None:
    EgressPolicy().check_address("example.com", ipaddress.ip_address(address))


def test_allow_private_opens_lan_and_loopback_but_not_multicast_or_unspecified() -> None:
    policy = EgressPolicy(allow_private=True)
    for address in ("127.0.0.1", "10.1.2.3", "169.254.169.254", "fd12::1", "::ffff:192.168.0.1"):
        policy.check_address("nas", ipaddress.ip_address(address))
    for address in ("224.0.0.1", "0.0.0.0"):  # noqa: S104
        with pytest.raises(BlockedDestination):
            policy.check_address("nas", ipaddress.ip_address(address))


def test_allowlist_matches_cidr_and_hostname_case_insensitively() -> None:
    policy = EgressPolicy(allowed_hosts=("10.0.0.0/8", "N8N.lan.", "192.168.1.7", " "))
    policy.check_address("anything", ipaddress.ip_address("10.20.30.40"))
    policy.check_address("anything", ipaddress.ip_address("::ffff:10.0.0.1"))
    policy.check_address("n8n.LAN", ipaddress.ip_address("192.168.50.50"))
    policy.check_address("printer", ipaddress.ip_address("192.168.1.7"))
    with pytest.raises(BlockedDestination):
        policy.check_address("printer", ipaddress.ip_address("192.168.1.8"))
    with pytest.raises(BlockedDestination):
        policy.check_address("n8n.lan.evil", ipaddress.ip_address("127.0.0.1"))


def test_invalid_cidr_is_rejected_early() -> None:
    with pytest.raises(ValueError, match="invalid CIDR"):
        EgressPolicy(allowed_hosts=("10.0.0.0/33",))


def test_policy_is_hashable_even_from_a_list() -> None:
    policy = EgressPolicy(allowed_hosts=["10.0.0.0/8"])  # type: ignore[arg-type]
    assert policy.allowed_hosts == ("10.0.0.0/8",)
    assert hash(policy) == hash(EgressPolicy(allowed_hosts=("10.0.0.0/8",)))


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/file", "file:///etc/passwd", "gopher://example.com/", "http:///path"],
)
def test_check_url_refuses_non_http_schemes_and_missing_hosts(url: str) -> None:
    with pytest.raises(BlockedDestination):
        EgressPolicy().check_url(url)


def test_check_url_defers_hostnames_to_connect_time() -> None:
    EgressPolicy().check_url("https://localhost/")  # Resolution happens when dialling.
    with pytest.raises(BlockedDestination, match="loopback"):
        EgressPolicy().check_url("http://[::1]:8080/")


def test_policy_from_settings() -> None:
    settings = Settings(
        http_allow_private=True,
        http_allowed_hosts=["10.0.0.0/8", "n8n.lan"],
        _env_file=None,
    )
    policy = policy_from_settings(settings)
    assert policy == EgressPolicy(allow_private=True, allowed_hosts=("10.0.0.0/8", "n8n.lan"))


# --- client: blocking and allowing ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "{base}/ok",
        "http://localhost:{port}/ok",
        "http://[::1]:{port}/ok",
        "http://[::ffff:127.0.0.1]:{port}/ok",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://2130706433:{port}/ok",
        "ftp://127.0.0.1:{port}/ok",
        "file:///etc/passwd",
    ],
)
def test_default_client_blocks_internal_destinations(server: Server, url: str) -> None:
    sleeps = SleepRecorder()
    with (
        guarded_client(EgressPolicy(), sleep=sleeps) as client,
        pytest.raises(BlockedDestination),
    ):
        client.get(url.format(base=server.base, port=server.port))
    assert server.hits["/ok"] == 0
    assert sleeps.calls == []  # A refusal is final, never retried.


@pytest.mark.parametrize(
    "policy", [LOCAL, EgressPolicy(allow_private=True)], ids=["cidr", "allow-private"]
)
def test_allowed_policy_reaches_the_server(server: Server, policy: EgressPolicy) -> None:
    with guarded_client(policy) as client:
        response = client.get(f"{server.base}/ok")
    assert response.status_code == 200
    assert response.text == "ok"


def test_allowlisted_hostname_reaches_the_server(server: Server) -> None:
    policy = EgressPolicy(allowed_hosts=("LOCALHOST",))
    with guarded_client(policy) as client:
        response = client.get(f"http://localhost:{server.port}/ok")
    assert response.status_code == 200


def test_client_ignores_proxy_environment(
    server: Server, monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed_port}")
    monkeypatch.setenv("ALL_PROXY", f"http://127.0.0.1:{closed_port}")
    with guarded_client(LOCAL) as client:
        assert client.get(f"{server.base}/ok").status_code == 200


# --- redirects ------------------------------------------------------------------------------------


def test_redirect_within_allowed_range_is_followed(server: Server) -> None:
    with guarded_client(LOCAL) as client:
        response = client.get(f"{server.base}/redirect", params={"to": f"{server.base}/ok"})
    assert response.status_code == 200
    assert server.hits["/redirect"] == 1
    assert server.hits["/ok"] == 1


@pytest.mark.parametrize(
    "target", ["http://10.255.255.1/", "http://169.254.169.254/latest/", "http://[fd00::1]/"]
)
def test_redirect_to_private_address_is_blocked(server: Server, target: str) -> None:
    with guarded_client(LOCAL) as client, pytest.raises(BlockedDestination):
        client.get(f"{server.base}/redirect", params={"to": target})
    assert server.hits["/redirect"] == 1


def test_redirect_to_non_http_scheme_is_refused(server: Server) -> None:
    with guarded_client(LOCAL) as client, pytest.raises(BlockedDestination, match="scheme"):
        client.get(f"{server.base}/redirect", params={"to": "file:///etc/passwd"})


# --- connect-time checks (DNS rebinding) ---------------------------------------------------------


def _resolver(table: dict[str, list[str]]) -> Callable[[str, int], list[str]]:
    def resolve(host: str, port: int) -> list[str]:
        return table[host]

    return resolve


def test_backend_refuses_a_public_name_that_resolves_to_loopback() -> None:
    backend = GuardedBackend(EgressPolicy(), resolve=_resolver({"public.example": ["127.0.0.1"]}))
    with pytest.raises(BlockedDestination, match=r"public\.example resolves to 127\.0\.0\.1"):
        backend.connect_tcp("public.example", 80)


def test_backend_refuses_when_any_answer_is_internal() -> None:
    backend = GuardedBackend(
        EgressPolicy(), resolve=_resolver({"mixed.example": ["93.184.216.34", "10.0.0.5"]})
    )
    with pytest.raises(BlockedDestination, match=r"10\.0\.0\.5"):
        backend.connect_tcp("mixed.example", 80)


def test_backend_dials_the_vetted_ip(server: Server) -> None:
    backend = GuardedBackend(LOCAL, resolve=_resolver({"svc.example": ["127.0.0.1"]}))
    stream = backend.connect_tcp("svc.example", server.port, timeout=5)
    try:
        stream.write(b"GET /ok HTTP/1.0\r\nHost: svc.example\r\n\r\n", timeout=5)
        assert stream.read(1024, timeout=5).startswith(b"HTTP/1.0 200")
    finally:
        stream.close()


def test_backend_falls_back_to_the_next_vetted_ip(server: Server) -> None:
    # Nothing listens on 127.0.0.2, so the first dial is refused and the second succeeds.
    answers = {"svc.example": ["127.0.0.2", "127.0.0.1"]}
    wide = EgressPolicy(allowed_hosts=("127.0.0.0/8",))
    GuardedBackend(wide, resolve=_resolver(answers)).connect_tcp("svc.example", server.port).close()
    with pytest.raises(BlockedDestination, match=r"127\.0\.0\.2"):
        GuardedBackend(LOCAL, resolve=_resolver(answers)).connect_tcp("svc.example", server.port)


def test_backend_reports_resolution_failure_as_connect_error() -> None:
    def broken(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(httpcore.ConnectError, match="cannot resolve"):
        GuardedBackend(EgressPolicy(), resolve=broken).connect_tcp("nowhere.example", 80)
    with pytest.raises(httpcore.ConnectError, match="no addresses"):
        GuardedBackend(EgressPolicy(), resolve=_resolver({"x": []})).connect_tcp("x", 80)


def test_backend_refuses_unix_sockets() -> None:
    with pytest.raises(BlockedDestination):
        GuardedBackend(EgressPolicy(allow_private=True)).connect_unix_socket("/run/docker.sock")


def test_rebinding_is_caught_through_the_client(server: Server) -> None:
    resolve = _resolver({"public.example": ["127.0.0.1"]})
    url = f"http://public.example:{server.port}/ok"
    transport = GuardedTransport(EgressPolicy(), resolve=resolve)
    with (
        httpx.Client(transport=transport, trust_env=False) as client,
        pytest.raises(BlockedDestination),
    ):
        client.get(url)
    trusted = GuardedTransport(EgressPolicy(allowed_hosts=("public.example",)), resolve=resolve)
    with httpx.Client(transport=trusted, trust_env=False) as client:
        assert client.get(url).status_code == 200
    assert server.hits["/ok"] == 1


# --- retries --------------------------------------------------------------------------------------


def test_503_is_retried_after_retry_after(server: Server) -> None:
    sleeps = SleepRecorder()
    with guarded_client(LOCAL, sleep=sleeps) as client:
        response = client.get(f"{server.base}/flaky")
    assert response.status_code == 200
    assert response.text == "recovered"
    assert sleeps.calls == [1.0]
    assert server.hits["/flaky"] == 2


def test_429_retry_after_is_capped_and_retries_run_out(server: Server) -> None:
    sleeps = SleepRecorder()
    with guarded_client(LOCAL, sleep=sleeps, retries=2, max_retry_after=30.0) as client:
        response = client.get(f"{server.base}/limited")
    assert response.status_code == 429
    assert sleeps.calls == [30.0, 30.0]
    assert server.hits["/limited"] == 3


def test_502_without_retry_after_backs_off_exponentially(server: Server) -> None:
    sleeps = SleepRecorder()
    with guarded_client(LOCAL, sleep=sleeps) as client:
        response = client.get(f"{server.base}/bad-gateway")
    assert response.status_code == 502
    assert sleeps.calls == [0.5, 1.0, 2.0]
    assert server.hits["/bad-gateway"] == 4


def test_post_is_not_retried_unless_marked(server: Server) -> None:
    sleeps = SleepRecorder()
    with guarded_client(LOCAL, sleep=sleeps) as client:
        plain = client.post(f"{server.base}/flaky/plain", json={"a": 1})
        assert plain.status_code == 503
        assert sleeps.calls == []
        assert server.hits["/flaky/plain"] == 1

        marked = client.post(
            f"{server.base}/flaky/marked", json={"a": 1}, extensions={RETRY_EXTENSION: True}
        )
    assert marked.status_code == 200
    assert sleeps.calls == [1.0]
    assert server.hits["/flaky/marked"] == 2


def test_streamed_body_is_not_replayed(server: Server) -> None:
    sleeps = SleepRecorder()

    def body() -> Iterator[bytes]:
        yield b"chunk"

    with guarded_client(LOCAL, sleep=sleeps) as client:
        response = client.put(f"{server.base}/flaky", content=body())
    assert response.status_code == 503
    assert sleeps.calls == []


def test_connect_errors_are_retried_then_raised(closed_port: int) -> None:
    sleeps = SleepRecorder()
    with guarded_client(LOCAL, sleep=sleeps) as client, pytest.raises(httpx.ConnectError):
        client.post(f"http://127.0.0.1:{closed_port}/")
    assert sleeps.calls == [0.5, 1.0, 2.0]


def test_retry_transport_rejects_negative_retries() -> None:
    with pytest.raises(ValueError, match="retries"):
        RetryTransport(httpx.MockTransport(lambda request: httpx.Response(200)), retries=-1)


def test_parse_retry_after() -> None:
    now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    later = email.utils.format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(later, now=now) == 90.0
    earlier = email.utils.format_datetime(now - timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(earlier, now=now) == 0.0
    assert parse_retry_after(" 7 ") == 7.0
    assert parse_retry_after("1.5") == 1.5
    assert parse_retry_after("-3") is None
    assert parse_retry_after("nan") is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_http_date_retry_after_is_honoured() -> None:
    sleeps = SleepRecorder()
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            when = datetime.now(tz=UTC) + timedelta(seconds=20)
            date = email.utils.format_datetime(when, usegmt=True)
            return httpx.Response(503, headers={"Retry-After": date})
        return httpx.Response(200)

    transport = RetryTransport(httpx.MockTransport(handler), sleep=sleeps)
    with httpx.Client(transport=transport) as client:
        assert client.get("https://api.example.com/").status_code == 200
    assert len(sleeps.calls) == 1
    assert 15.0 < sleeps.calls[0] <= 20.0


# --- async ---------------------------------------------------------------------------------------


def test_async_client_blocks_and_allows(server: Server) -> None:
    sleeps = SleepRecorder()

    async def scenario() -> None:
        async with guarded_async_client(EgressPolicy(), sleep=sleeps.asleep) as client:
            for url in (f"{server.base}/ok", f"http://localhost:{server.port}/ok", "ftp://x/"):
                with pytest.raises(BlockedDestination):
                    await client.get(url)
        async with guarded_async_client(LOCAL, sleep=sleeps.asleep) as client:
            ok = await client.get(f"{server.base}/ok")
            assert ok.status_code == 200
            flaky = await client.get(f"{server.base}/flaky")
            assert flaky.status_code == 200
            with pytest.raises(BlockedDestination):
                await client.get(f"{server.base}/redirect", params={"to": "http://10.9.8.7/"})

    asyncio.run(scenario())
    assert sleeps.calls == [1.0]
    assert server.hits["/ok"] == 1


def test_async_backend_refuses_rebinding_and_unix_sockets() -> None:
    async def resolve(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "169.254.169.254"]

    async def scenario() -> None:
        backend = AsyncGuardedBackend(EgressPolicy(), resolve=resolve)
        with pytest.raises(BlockedDestination, match="link-local"):
            await backend.connect_tcp("public.example", 443)
        with pytest.raises(BlockedDestination):
            await backend.connect_unix_socket("/run/docker.sock")

    asyncio.run(scenario())


def test_async_connect_errors_are_retried(closed_port: int) -> None:
    sleeps = SleepRecorder()

    async def scenario() -> None:
        async with guarded_async_client(LOCAL, sleep=sleeps.asleep, retries=1) as client:
            with pytest.raises(httpx.ConnectError):
                await client.get(f"http://127.0.0.1:{closed_port}/")

    asyncio.run(scenario())
    assert sleeps.calls == [0.5]
