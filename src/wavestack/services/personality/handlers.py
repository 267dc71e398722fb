"""Jobs of the personality: learning the broadcasters' own chat messages as they come."""

from __future__ import annotations

from typing import TYPE_CHECKING

from huey import crontab

from wavestack.services.personality import memory, service
from wavestack.services.personality.settings import PersonalitySettings

if TYPE_CHECKING:
    from wavestack.bootstrap import Container


def install(container: Container) -> None:
    """Learn new broadcaster messages every five minutes (in the scheduler role)."""

    def learn() -> None:
        service.learn_from_chat(
            container.uow(),
            settings=PersonalitySettings(),
            store=memory.store_for(container.settings.chroma_url),
        )

    container.jobs.register_periodic("personality.learn_from_chat", crontab(minute="*/5"), learn)
