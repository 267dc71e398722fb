"""Jobs of the personality: learning the broadcasters' own chat messages as they come."""

from __future__ import annotations

from typing import TYPE_CHECKING

from huey import crontab

from wavestack.services.personality import service, stores
from wavestack.services.personality.settings import PersonalitySettings

if TYPE_CHECKING:
    from wavestack.bootstrap import Container


def install(container: Container) -> None:
    """Learn new broadcaster messages every five minutes (in the scheduler role); the
    memory store is let go when the container closes."""
    container.on_close(stores.hold_for(container.settings))

    def learn() -> None:
        service.learn_from_chat(
            container.uow(),
            settings=PersonalitySettings(),
            store=stores.memory_store(container.settings),
        )

    container.jobs.register_periodic("personality.learn_from_chat", crontab(minute="*/5"), learn)
