"""Query helpers every service uses: org-scoped lookups and counted pages."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from wavestack.kernel.errors import NotFound

MAX_PAGE = 100


RowT = TypeVar("RowT")


def get_for_org(
    session: Session,
    model: type[RowT],
    *,
    org_id: str,
    id: str,
    what: str,
    for_update: bool = False,
) -> RowT:
    """Load a row of the caller's organization; another org's row is NotFound like a missing one."""
    row = session.get(model, id, with_for_update=for_update)
    if row is None or getattr(row, "org_id", None) != org_id:
        raise NotFound(f"{what} not found")
    return row


def page(
    session: Session, query: Select[RowT], *, limit: int, offset: int
) -> tuple[list[RowT], int]:
    """Return one page of `query` and the total count, in two statements."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = list(session.scalars(query.limit(limit).offset(offset)))
    return rows, int(total or 0)
