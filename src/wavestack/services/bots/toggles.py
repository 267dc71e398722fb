"""Which commands a channel switched off."""

from __future__ import annotations

from sqlalchemy import select

from wavestack.kernel.queries import table_of
from wavestack.kernel.uow import UnitOfWork
from wavestack.services.bots.models import CommandToggle

TOGGLES = table_of(CommandToggle)


def switched_on(uow: UnitOfWork, *, org_id: str, platform: str, channel_id: str) -> set[str]:
    """Names of the features switched on in a channel (those that are off unless asked)."""
    with uow:
        rows = uow.session.scalars(
            select(TOGGLES.c.name).where(
                TOGGLES.c.org_id == org_id,
                TOGGLES.c.platform == platform,
                TOGGLES.c.channel_id == channel_id,
                TOGGLES.c.enabled.is_(True),
            )
        )
        return set(rows)


def disabled_commands(uow: UnitOfWork, *, org_id: str, platform: str, channel_id: str) -> set[str]:
    """Names of the commands switched off in a channel."""
    with uow:
        rows = uow.session.scalars(
            select(TOGGLES.c.name).where(
                TOGGLES.c.org_id == org_id,
                TOGGLES.c.platform == platform,
                TOGGLES.c.channel_id == channel_id,
                TOGGLES.c.enabled.is_(False),
            )
        )
        return set(rows)
