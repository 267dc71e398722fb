"""Connected accounts: stored with encrypted tokens, listed, removed, and an access token
handed out fresh (refreshed shortly before it expires, by whichever process needs it first)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from wavestack.kernel.clock import utcnow
from wavestack.kernel.crypto import SecretBox
from wavestack.kernel.errors import NotFound
from wavestack.kernel.ids import new_id
from wavestack.kernel.queries import table_of
from wavestack.kernel.uow import UnitOfWork
from wavestack.providers.oauth import OAuthError, TokenSet
from wavestack.services.connections.models import Connection
from wavestack.services.connections.schemas import ConnectionRead

CONNECTIONS = table_of(Connection)
REFRESH_MARGIN = timedelta(minutes=5)


class ConnectionUnusable(Exception):
    """No usable account: never connected, or its grant was revoked (connect it again)."""


@dataclass(frozen=True)
class Credentials:
    """What an adapter needs to act as the account."""

    connection_id: str
    account_id: str
    account_name: str
    access_token: str
    scopes: list[str]


def save(
    uow: UnitOfWork,
    box: SecretBox,
    *,
    org_id: str,
    platform: str,
    account_id: str,
    account_name: str,
    tokens: TokenSet,
) -> ConnectionRead:
    """Store (or replace) the tokens of an account; connecting again revives a revoked one."""
    now = utcnow()
    values = {
        "account_name": account_name,
        "scopes": list(tokens.scopes),
        "access_token_encrypted": box.encrypt(tokens.access_token),
        "refresh_token_encrypted": box.encrypt(tokens.refresh_token)
        if tokens.refresh_token
        else None,
        "expires_at": tokens.expires_at,
        "status": "active",
        "status_reason": None,
        "updated_at": now,
    }
    key = (
        CONNECTIONS.c.org_id == org_id,
        CONNECTIONS.c.platform == platform,
        CONNECTIONS.c.account_id == account_id,
    )
    with uow:
        changed = uow.session.execute(update(CONNECTIONS).where(*key).values(**values))
        if changed.rowcount == 0:  # type: ignore[attr-defined]
            uow.session.execute(
                CONNECTIONS.insert().values(
                    id=new_id(),
                    org_id=org_id,
                    platform=platform,
                    account_id=account_id,
                    created_at=now,
                    **values,
                )
            )
        row = uow.session.execute(select(CONNECTIONS).where(*key)).one()
        uow.commit()
    return ConnectionRead.model_validate(row)


def list_connections(uow: UnitOfWork, *, org_id: str) -> list[ConnectionRead]:
    """The organization's accounts, by platform."""
    with uow:
        rows = uow.session.execute(
            select(CONNECTIONS)
            .where(CONNECTIONS.c.org_id == org_id)
            .order_by(CONNECTIONS.c.platform, CONNECTIONS.c.account_name)
        ).all()
    return [ConnectionRead.model_validate(row) for row in rows]


def organizations_on(uow: UnitOfWork, platform: str) -> list[str]:
    """The organizations with a working connection to a platform (the bots to start)."""
    with uow:
        rows = uow.session.execute(
            select(CONNECTIONS.c.org_id)
            .where(CONNECTIONS.c.platform == platform, CONNECTIONS.c.status == "active")
            .distinct()
            .order_by(CONNECTIONS.c.org_id)
        ).scalars()
        return list(rows)


def remove(uow: UnitOfWork, *, org_id: str, connection_id: str) -> None:
    """Forget an account and its tokens."""
    with uow:
        gone = uow.session.execute(
            delete(CONNECTIONS).where(
                CONNECTIONS.c.org_id == org_id, CONNECTIONS.c.id == connection_id
            )
        )
        if gone.rowcount != 1:  # type: ignore[attr-defined]
            raise NotFound("no such connection")
        uow.commit()


def credentials(
    uow: UnitOfWork,
    box: SecretBox,
    *,
    org_id: str,
    platform: str,
    refresh: Callable[[str], TokenSet],
    force_refresh: bool = False,
    now: datetime | None = None,
) -> Credentials:
    """The account's access token, refreshed first when it expires within five minutes (or
    when `force_refresh`: the platform just answered 401). A refused refresh marks the
    connection revoked and says to connect again."""
    now = now or utcnow()
    with uow:
        row = uow.session.execute(
            select(CONNECTIONS)
            .where(CONNECTIONS.c.org_id == org_id, CONNECTIONS.c.platform == platform)
            .order_by(CONNECTIONS.c.updated_at.desc())
            .limit(1)
            .with_for_update()  # one process refreshes; the others wait and read its result
        ).one_or_none()
        if row is None:
            raise ConnectionUnusable(f"{platform} is not connected (wavestack connect {platform})")
        if row.status != "active":
            raise ConnectionUnusable(
                f"the {platform} connection of {row.account_name} stopped working "
                f"({row.status_reason}); connect it again (wavestack connect {platform})"
            )
        access = box.decrypt(row.access_token_encrypted)
        expiring = row.expires_at is not None and row.expires_at - now <= REFRESH_MARGIN
        if (expiring or force_refresh) and row.refresh_token_encrypted:
            try:
                fresh = refresh(box.decrypt(row.refresh_token_encrypted))
            except OAuthError as exc:
                if not exc.revoked:
                    raise
                uow.session.execute(
                    update(CONNECTIONS)
                    .where(CONNECTIONS.c.id == row.id)
                    .values(status="revoked", status_reason=str(exc)[:500], updated_at=now)
                )
                uow.commit()
                raise ConnectionUnusable(
                    f"{platform} refused to renew the access of {row.account_name}: connect it "
                    f"again (wavestack connect {platform})"
                ) from exc
            access = fresh.access_token
            uow.session.execute(
                update(CONNECTIONS)
                .where(CONNECTIONS.c.id == row.id)
                .values(
                    access_token_encrypted=box.encrypt(fresh.access_token),
                    refresh_token_encrypted=box.encrypt(fresh.refresh_token)
                    if fresh.refresh_token
                    else row.refresh_token_encrypted,
                    expires_at=fresh.expires_at,
                    scopes=fresh.scopes or row.scopes,
                    updated_at=now,
                )
            )
        uow.commit()
    return Credentials(row.id, row.account_id, row.account_name, access, list(row.scopes))
