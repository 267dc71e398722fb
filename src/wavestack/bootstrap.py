"""The one composition root: settings in, concrete adapters wired together out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
from huey import crontab

from wavestack.kernel.auth import TokenService
from wavestack.kernel.bus import InProcessBus, LiveBus, RedisBus
from wavestack.kernel.config import Settings
from wavestack.kernel.crypto import SecretBox
from wavestack.kernel.db import Database
from wavestack.kernel.http import EgressPolicy, guarded_client, policy_from_settings
from wavestack.kernel.jobs import JobQueue, make_huey
from wavestack.kernel.keys import KeyStore
from wavestack.kernel.outbox import OutboxDispatcher, Subscribers
from wavestack.kernel.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from wavestack.kernel.semaphore import LocalSemaphores, RedisSemaphores, Semaphores
from wavestack.kernel.storage import FileStorage, LocalStorage
from wavestack.kernel.uow import UnitOfWork
from wavestack.providers.transcode import Transcoder
from wavestack.providers.transcode.client import FFmpegTranscoder, bundled_ffmpeg
from wavestack.registry import SERVICES

OUTBOX_RETENTION = timedelta(days=7)


@dataclass
class Container:
    """Everything a request, job or command needs, built once per process."""

    settings: Settings
    db: Database
    jobs: JobQueue
    bus: LiveBus
    subscribers: Subscribers
    dispatcher: OutboxDispatcher
    storage: FileStorage
    keys: KeyStore
    tokens: TokenService
    rate_limiter: RateLimiter
    secrets: SecretBox
    egress: EgressPolicy
    transcoder: Transcoder
    semaphores: Semaphores  # places shared by every process of the install (with Redis)
    closed: bool = field(default=False)
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def uow(self, *, write: bool = True) -> UnitOfWork:
        """Open a unit of work; committing it wakes the outbox dispatcher."""
        return UnitOfWork(self.db, write=write, outbox=self.dispatcher)

    def http_client(self, *, retries: int = 3, timeout: float | None = None) -> httpx.Client:
        """Return an SSRF-guarded outbound client."""
        return guarded_client(
            self.egress,
            timeout=timeout or self.settings.http_timeout_seconds,
            retries=retries,
        )

    def on_close(self, release: Callable[[], None]) -> None:
        """Run `release` when the container closes (what a service opened for it)."""
        self._closers.append(release)

    def close(self) -> None:
        """Stop background threads and release connections."""
        if self.closed:
            return
        self.closed = True
        for release in reversed(self._closers):
            release()
        self.dispatcher.stop()
        self.bus.close()
        self.db.dispose()


def _purge(dispatcher: OutboxDispatcher) -> None:
    dispatcher.purge_dispatched(older_than=OUTBOX_RETENTION)


def bootstrap(
    settings: Settings | None = None,
    *,
    immediate_jobs: bool = False,
    namespace: str = "wavestack",
    transcoder: Transcoder | None = None,
) -> Container:
    """Build the container from settings; `immediate_jobs` runs jobs inline (tests)."""
    settings = settings or Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url, pool_size=settings.db_pool_size)
    jobs = JobQueue(make_huey(settings, name=namespace, immediate=immediate_jobs))
    bus: LiveBus = (
        RedisBus(settings.redis_url, channel=f"{namespace}:events")
        if settings.redis_url
        else InProcessBus()
    )
    rate_limiter: RateLimiter = (
        RedisRateLimiter(settings.redis_url, prefix=f"{namespace}:ratelimit")
        if settings.redis_url
        else MemoryRateLimiter()
    )
    semaphores: Semaphores = (
        RedisSemaphores(settings.redis_url, prefix=f"{namespace}:semaphore")
        if settings.redis_url
        else LocalSemaphores()
    )
    subscribers = Subscribers()
    dispatcher = OutboxDispatcher(
        db, jobs, bus, subscribers, poll_seconds=settings.outbox_poll_seconds
    )
    keys = KeyStore(settings.resolved_keys_dir, key_id=settings.auth_key_id)
    container = Container(
        settings=settings,
        db=db,
        jobs=jobs,
        bus=bus,
        subscribers=subscribers,
        dispatcher=dispatcher,
        storage=LocalStorage(settings.resolved_storage_dir),
        keys=keys,
        tokens=TokenService(keys, settings),
        rate_limiter=rate_limiter,
        secrets=SecretBox.from_key_file(settings.resolved_keys_dir, settings.secret_key),
        egress=policy_from_settings(settings),
        transcoder=transcoder
        or FFmpegTranscoder(
            settings.ffmpeg or bundled_ffmpeg(),
            max_concurrent=settings.clip_max_concurrent,
            timeout_seconds=settings.clip_timeout_seconds,
        ),
        semaphores=semaphores,
    )
    for spec in SERVICES:
        if spec.install is not None:
            spec.install(container)
    jobs.register_periodic(
        "kernel.purge_outbox",
        crontab(minute="17", hour="*"),
        lambda: _purge(dispatcher),
    )
    return container
