"""Background jobs on Huey: SQLite in the data dir by default, Redis when configured."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.api import TaskWrapper
from huey.consumer import Consumer

from wavestack.kernel.config import Settings
from wavestack.kernel.logging import get_logger
from wavestack.kernel.messages import Job

log = get_logger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failing job is tried again."""

    retries: int = 3
    delay_seconds: float = 2.0
    backoff: float = 2.0
    timeout_seconds: float | None = None


def make_huey(settings: Settings, *, name: str = "wavestack", immediate: bool = False) -> Huey:
    """Pick the Huey backend from the settings."""
    if immediate:
        return Huey(name, immediate=True, utc=True)
    if settings.redis_url:
        return RedisHuey(name, url=settings.redis_url, utc=True)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(settings.data_dir / "jobs.db"), utc=True, timeout=10)


class _QuietConsumer(Consumer):  # type: ignore[misc]
    """A consumer run in threads of a host process: the host owns the signal handlers."""

    def _set_signal_handlers(self) -> None:
        return None


class JobQueue:
    """Register job types once, enqueue them by name, and run consumers."""

    def __init__(self, huey: Huey) -> None:
        self.huey = huey
        self._tasks: dict[str, TaskWrapper] = {}

    @property
    def immediate(self) -> bool:
        """Tell whether jobs run inline at enqueue time (tests)."""
        return bool(self.huey.immediate)

    def register(
        self,
        name: str,
        run: Callable[[dict[str, Any]], None],
        policy: RetryPolicy | None = None,
        *,
        on_give_up: Callable[[dict[str, Any], Exception], None] | None = None,
    ) -> None:
        """Register a task that receives the job payload as a JSON-able dict.

        `on_give_up` runs when the last retry fails too, so the job can record a final failure
        instead of leaving its subject waiting forever.
        """
        policy = policy or RetryPolicy()

        def task(payload: dict[str, Any], task: Any = None) -> None:
            try:
                run(payload)
            except Exception as exc:
                if on_give_up is not None and task is not None and not task.retries:
                    on_give_up(payload, exc)
                raise

        task.__name__ = name
        self._tasks[name] = self.huey.task(
            retries=policy.retries,
            retry_delay=policy.delay_seconds,
            retry_backoff=policy.backoff,
            timeout=policy.timeout_seconds,
            context=True,
            name=name,
        )(task)

    def register_job(
        self,
        job_type: type[Job],
        handler: Callable[[Any], None],
        policy: RetryPolicy | None = None,
        *,
        on_give_up: Callable[[Any, Exception], None] | None = None,
    ) -> None:
        """Register a typed job: the payload is validated into `job_type` before `handler` runs."""
        self.register(
            job_type.job_name,
            lambda payload: handler(job_type.model_validate(payload)),
            policy,
            on_give_up=(
                None
                if on_give_up is None
                else lambda payload, exc: on_give_up(job_type.model_validate(payload), exc)
            ),
        )

    def register_periodic(self, name: str, schedule: crontab, run: Callable[[], None]) -> None:
        """Run `run` on a cron schedule (minute resolution) in the scheduler role."""

        def task() -> None:
            run()

        task.__name__ = name
        self.huey.periodic_task(schedule, name=name)(task)

    def enqueue(self, name: str, payload: dict[str, Any], *, eta: datetime | None = None) -> str:
        """Queue a registered task now or at `eta`; returns the Huey task id."""
        task = self._tasks.get(name)
        if task is None:
            raise KeyError(f"no job registered as {name!r}")
        result = task.schedule(args=(payload,), eta=eta) if eta is not None else task(payload)
        return str(result.id) if result is not None else ""

    def consumer(self, *, workers: int, periodic: bool) -> Consumer:
        """Create a thread consumer; `periodic` only in the one scheduler process."""
        return _QuietConsumer(
            self.huey,
            workers=workers,
            periodic=periodic,
            worker_type="thread",
            initial_delay=0.05,
            backoff=1.5,
            max_delay=0.5,
            check_worker_health=True,
        )
