"""Outbound HTTP clients that refuse internal destinations (checked per dial) and retry politely.

Every outbound call that a user can steer (webhooks, feeds, provider URLs) must go through
`guarded_client` or `guarded_async_client`. The address check runs inside the network backend,
on the very IPs the socket connects to, so a hostname that resolves to a public address during
validation and to 127.0.0.1 a moment later (DNS rebinding) is still refused. Redirect hops go
through the same transport and are checked the same way.
"""

from __future__ import annotations

import email.utils
import ipaddress
import math
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeAlias

import anyio
import httpcore
import httpx

if TYPE_CHECKING:
    from wavestack.kernel.config import Settings

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver: TypeAlias = Callable[[str, int], Sequence[str]]
AsyncResolver: TypeAlias = Callable[[str, int], Awaitable[Sequence[str]]]

RETRY_EXTENSION = "wavestack_retry"
"""Set `extensions={RETRY_EXTENSION: True}` on a non-idempotent request that is safe to repeat."""

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
ALLOWED_SCHEMES = frozenset({"http", "https"})

_DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
_SHARED_ADDRESS_SPACE = ipaddress.IPv4Network("100.64.0.0/10")
_UNIQUE_LOCAL = ipaddress.IPv6Network("fc00::/7")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Opening these would need an explicit allowlist entry: allow_private is about LANs and the
# local machine, and none of these is a sensible TCP peer for a LAN service.
_NEVER_IMPLIED = frozenset({"unspecified", "multicast", "reserved"})


class BlockedDestination(Exception):
    """An outbound request aimed at a scheme or address the egress policy forbids."""

    def __init__(
        self, message: str, *, host: str | None = None, address: IPAddress | None = None
    ) -> None:
        super().__init__(message)
        self.host = host
        self.address = address


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """Return the IPv4 address that an IPv6 transition address delivers to, if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def _non_public_reason(ip: IPAddress) -> str | None:
    """Name the kind of non-public address `ip` is, or return None for a public unicast one."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            # Judge the IPv4 host the packets end up at, not the IPv6 wrapper around it.
            return _non_public_reason(inner)
    # Order matters: ::1 sits inside the reserved ::/8, and Python files 240.0.0.0/4 under
    # is_private as well as is_reserved; each address should get its most specific name.
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_multicast:
        return "multicast"
    if ip.is_reserved:
        return "reserved"
    if ip.is_link_local:
        return "link-local"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED_ADDRESS_SPACE:
        return "shared address space"
    if isinstance(ip, ipaddress.IPv6Address) and ip in _UNIQUE_LOCAL:
        return "unique local"
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return "site-local"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "non-global"
    return None


def _normalize_host(host: str) -> str:
    """Return `host` in the form allowlist entries are compared in."""
    return host.strip().strip("[]").rstrip(".").lower()


def _parse_address(address: str) -> IPAddress:
    """Parse an address string from a resolver, refusing anything that is not an IP."""
    try:
        return ipaddress.ip_address(address)
    except ValueError as exc:
        raise BlockedDestination(f"resolver returned a non-IP address {address!r}") from exc


def _is_literal_of(host: str, ip: IPAddress) -> bool:
    """Say whether `host` is `ip` written as an IP literal (in any notation)."""
    try:
        return ipaddress.ip_address(_normalize_host(host)) == ip
    except ValueError:
        return False


@dataclass(frozen=True)
class EgressPolicy:
    """Which outbound destinations are reachable; public unicast addresses always are."""

    allow_private: bool = False
    allowed_hosts: tuple[str, ...] = ()
    _names: frozenset[str] = field(init=False, repr=False, compare=False)
    _networks: tuple[IPNetwork, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in self.allowed_hosts:
            candidate = _normalize_host(entry)
            if not candidate:
                continue
            try:
                networks.append(ipaddress.ip_network(candidate, strict=False))
            except ValueError as exc:
                if "/" in candidate or ":" in candidate:
                    raise ValueError(f"invalid CIDR range in allowed hosts: {entry!r}") from exc
                names.add(candidate)
        # Settings hand over lists; keep the dataclass hashable whatever came in.
        object.__setattr__(self, "allowed_hosts", tuple(self.allowed_hosts))
        object.__setattr__(self, "_names", frozenset(names))
        object.__setattr__(self, "_networks", tuple(networks))

    def check_url(self, url: str | httpx.URL) -> None:
        """Refuse a URL with a non-HTTP scheme, no host, or a forbidden literal IP host."""
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise BlockedDestination(f"invalid URL: {exc}") from exc
        if parsed.scheme not in ALLOWED_SCHEMES:
            raise BlockedDestination(f"scheme {parsed.scheme!r} is not allowed for outbound HTTP")
        host = parsed.host
        if not host:
            raise BlockedDestination("outbound URL has no host")
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return  # A hostname: its addresses are checked when the connection is dialled.
        self.check_address(host, ip)

    def check_address(self, host: str, ip: IPAddress) -> None:
        """Refuse connecting to `ip` (reached via `host`) unless it is public or allowed."""
        reason = _non_public_reason(ip)
        if reason is None:
            return
        if self.allow_private and reason not in _NEVER_IMPLIED:
            return
        if self._is_listed(host, ip):
            return
        if _is_literal_of(host, ip):
            message = f"{ip} is a {reason} address; outbound requests there are not allowed"
        else:
            message = (
                f"{host} resolves to {ip}, a {reason} address; "
                "outbound requests there are not allowed"
            )
        raise BlockedDestination(message, host=host, address=ip)

    def vet(self, host: str, addresses: Iterable[str]) -> list[IPAddress]:
        """Return the distinct resolved addresses of `host`, refusing all if any is forbidden."""
        vetted: list[IPAddress] = []
        for address in addresses:
            ip = _parse_address(address)
            if ip not in vetted:
                vetted.append(ip)
        # Checking every answer, not just the one dialled, keeps a hostile resolver from
        # mixing a public decoy with an internal target and relying on connection fallback.
        for ip in vetted:
            self.check_address(host, ip)
        return vetted

    def _is_listed(self, host: str, ip: IPAddress) -> bool:
        if _normalize_host(host) in self._names:
            return True
        candidates: list[IPAddress] = [ip]
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            candidates.append(ip.ipv4_mapped)
        return any(candidate in network for candidate in candidates for network in self._networks)


def policy_from_settings(settings: Settings) -> EgressPolicy:
    """Build the egress policy configured by `http_allow_private` and `http_allowed_hosts`."""
    return EgressPolicy(
        allow_private=settings.http_allow_private,
        allowed_hosts=tuple(settings.http_allowed_hosts),
    )


def _system_resolve(host: str, port: int) -> list[str]:
    """Resolve `host` with the operating system resolver."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def _async_system_resolve(host: str, port: int) -> list[str]:
    """Resolve `host` with the operating system resolver, off the event loop."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class GuardedBackend(httpcore.NetworkBackend):
    """Resolve, vet and only then dial: the sync network backend behind `GuardedTransport`."""

    def __init__(
        self,
        policy: EgressPolicy,
        *,
        resolve: Resolver | None = None,
        backend: httpcore.NetworkBackend | None = None,
    ) -> None:
        self._policy = policy
        self._resolve = resolve or _system_resolve
        self._backend = backend or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        """Connect to the first reachable vetted address of `host`."""
        try:
            answers = self._resolve(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = self._policy.vet(host, answers)
        options = None if socket_options is None else list(socket_options)
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for ip in addresses:
            try:
                # Dialling the literal IP is what defeats rebinding; TLS still verifies the
                # certificate against the hostname, which httpcore passes separately as SNI.
                return self._backend.connect_tcp(
                    str(ip),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        if failure is None:
            raise httpcore.ConnectError(f"{host} resolved to no addresses")
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        """Refuse: a Unix socket is a local resource by definition."""
        raise BlockedDestination(f"Unix socket {path!r} is not an allowed outbound destination")

    def sleep(self, seconds: float) -> None:
        """Sleep through the wrapped backend."""
        self._backend.sleep(seconds)


class AsyncGuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolve, vet and only then dial: the async network backend behind the async transport."""

    def __init__(
        self,
        policy: EgressPolicy,
        *,
        resolve: AsyncResolver | None = None,
        backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._policy = policy
        self._resolve = resolve or _async_system_resolve
        self._backend = backend or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Connect to the first reachable vetted address of `host`."""
        try:
            with anyio.fail_after(timeout):
                answers = await self._resolve(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = self._policy.vet(host, answers)
        options = None if socket_options is None else list(socket_options)
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for ip in addresses:
            try:
                return await self._backend.connect_tcp(
                    str(ip),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        if failure is None:
            raise httpcore.ConnectError(f"{host} resolved to no addresses")
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Refuse: a Unix socket is a local resource by definition."""
        raise BlockedDestination(f"Unix socket {path!r} is not an allowed outbound destination")

    async def sleep(self, seconds: float) -> None:
        """Sleep through the wrapped backend."""
        await self._backend.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """An httpx transport whose every request and every dial is checked against a policy."""

    def __init__(
        self,
        policy: EgressPolicy,
        *,
        verify: ssl.SSLContext | bool = True,
        limits: httpx.Limits = _DEFAULT_LIMITS,
        http2: bool = False,
        resolve: Resolver | None = None,
    ) -> None:
        # trust_env=False: egress must not be rerouted by proxy or CA variables in the env.
        ssl_context = httpx.create_ssl_context(verify=verify, trust_env=False)
        super().__init__(verify=ssl_context, trust_env=False, limits=limits, http2=http2)
        self.policy = policy
        # httpx offers no hook for the network backend, so the pool it built is replaced by an
        # identical one that dials through the guard.
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=http2,
            network_backend=GuardedBackend(policy, resolve=resolve),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Check the URL, then send the request through the guarded pool."""
        self.policy.check_url(request.url)
        return super().handle_request(request)


class AsyncGuardedTransport(httpx.AsyncHTTPTransport):
    """The async twin of `GuardedTransport`."""

    def __init__(
        self,
        policy: EgressPolicy,
        *,
        verify: ssl.SSLContext | bool = True,
        limits: httpx.Limits = _DEFAULT_LIMITS,
        http2: bool = False,
        resolve: AsyncResolver | None = None,
    ) -> None:
        ssl_context = httpx.create_ssl_context(verify=verify, trust_env=False)
        super().__init__(verify=ssl_context, trust_env=False, limits=limits, http2=http2)
        self.policy = policy
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=http2,
            network_backend=AsyncGuardedBackend(policy, resolve=resolve),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Check the URL, then send the request through the guarded pool."""
        self.policy.check_url(request.url)
        return await super().handle_async_request(request)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Return the delay a `Retry-After` value asks for in seconds, or None if it is unusable."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # RFC 9110 dates are GMT; "-0000" parses as naive.
    current = now if now is not None else datetime.now(tz=UTC)
    return max(0.0, (when - current).total_seconds())


def _may_repeat(request: httpx.Request) -> bool:
    """Say whether a request that reached the server may be sent again."""
    wanted = request.method in IDEMPOTENT_METHODS or request.extensions.get(RETRY_EXTENSION) is True
    # A streamed body has been consumed by the first attempt and cannot be replayed.
    return wanted and isinstance(request.stream, httpx.ByteStream)


class _RetryRules:
    """The retry arithmetic shared by the sync and async transports."""

    def __init__(self, retries: int, backoff: float, max_retry_after: float) -> None:
        if retries < 0:
            raise ValueError("retries must be >= 0")
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after

    def backoff_delay(self, attempt: int) -> float:
        return float(min(self.backoff * 2**attempt, self.max_retry_after))

    def response_delay(self, response: httpx.Response, attempt: int) -> float:
        requested = parse_retry_after(response.headers.get("Retry-After"))
        if requested is None:
            return self.backoff_delay(attempt)
        return float(min(requested, self.max_retry_after))

    def should_retry(self, request: httpx.Request, response: httpx.Response, attempt: int) -> bool:
        return (
            attempt < self.retries
            and response.status_code in RETRY_STATUSES
            and _may_repeat(request)
        )


# Connection failures happen before any byte of the request is sent, so repeating them is safe
# for every method; BlockedDestination is not among them and is never retried.
_CONNECT_FAILURES = (httpx.ConnectError, httpx.ConnectTimeout)


class RetryTransport(httpx.BaseTransport):
    """Retry connect failures, and 429/502/503/504 on repeatable requests, with backoff."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        retries: int = 3,
        backoff: float = 0.5,
        max_retry_after: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._inner = inner
        self._rules = _RetryRules(retries, backoff, max_retry_after)
        self._sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request`, waiting and trying again while the failure is worth retrying."""
        attempt = 0
        while True:
            try:
                response = self._inner.handle_request(request)
            except _CONNECT_FAILURES:
                if attempt >= self._rules.retries:
                    raise
                delay = self._rules.backoff_delay(attempt)
            else:
                if not self._rules.should_retry(request, response, attempt):
                    return response
                delay = self._rules.response_delay(response, attempt)
                response.close()
            self._sleep(delay)
            attempt += 1

    def close(self) -> None:
        """Close the wrapped transport."""
        self._inner.close()


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    """The async twin of `RetryTransport`."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        retries: int = 3,
        backoff: float = 0.5,
        max_retry_after: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        self._inner = inner
        self._rules = _RetryRules(retries, backoff, max_retry_after)
        self._sleep = sleep

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request`, waiting and trying again while the failure is worth retrying."""
        attempt = 0
        while True:
            try:
                response = await self._inner.handle_async_request(request)
            except _CONNECT_FAILURES:
                if attempt >= self._rules.retries:
                    raise
                delay = self._rules.backoff_delay(attempt)
            else:
                if not self._rules.should_retry(request, response, attempt):
                    return response
                delay = self._rules.response_delay(response, attempt)
                await response.aclose()
            await self._sleep(delay)
            attempt += 1

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self._inner.aclose()


def guarded_client(
    policy: EgressPolicy,
    *,
    timeout: float = 15.0,
    retries: int = 3,
    sleep: Callable[[float], None] = time.sleep,
    headers: Mapping[str, str] | None = None,
    follow_redirects: bool = True,
    max_redirects: int = 5,
    max_retry_after: float = 30.0,
) -> httpx.Client:
    """Return an `httpx.Client` that enforces `policy` on every request, hop and dial."""
    transport = RetryTransport(
        GuardedTransport(policy), retries=retries, max_retry_after=max_retry_after, sleep=sleep
    )
    return httpx.Client(
        transport=transport,
        timeout=timeout,
        headers=headers,
        follow_redirects=follow_redirects,
        max_redirects=max_redirects,
        trust_env=False,
    )


def guarded_async_client(
    policy: EgressPolicy,
    *,
    timeout: float = 15.0,
    retries: int = 3,
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    headers: Mapping[str, str] | None = None,
    follow_redirects: bool = True,
    max_redirects: int = 5,
    max_retry_after: float = 30.0,
) -> httpx.AsyncClient:
    """Return an `httpx.AsyncClient` that enforces `policy` on every request, hop and dial."""
    transport = AsyncRetryTransport(
        AsyncGuardedTransport(policy), retries=retries, max_retry_after=max_retry_after, sleep=sleep
    )
    return httpx.AsyncClient(
        transport=transport,
        timeout=timeout,
        headers=headers,
        follow_redirects=follow_redirects,
        max_redirects=max_redirects,
        trust_env=False,
    )
