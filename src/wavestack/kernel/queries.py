"""Query helpers every service uses: org-scoped lookups and counted pages.

Reads build response models straight from rows (Core), not through ORM objects: on list
endpoints the identity map and attribute instrumentation cost more than the query.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Table, func, select
from sqlalchemy.orm import Session

from wavestack.kernel.errors import NotFound
from wavestack.kernel.schemas import Page

MAX_PAGE = 100

RowT = TypeVar("RowT")
ReadT = TypeVar("ReadT", bound=BaseModel)


def table_of(model: type[Any]) -> Table:
    """Return the table of a mapped class."""
    return cast(Table, model.__table__)


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


def read_for_org(
    session: Session, model: type[Any], read: type[ReadT], *, org_id: str, id: str, what: str
) -> ReadT:
    """Read one row of the caller's organization into a response model (NotFound otherwise)."""
    table = table_of(model)
    row = (
        session.execute(select(table).where(table.c.id == id, table.c.org_id == org_id))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"{what} not found")
    return read.model_validate(dict(row))


def read_page(
    session: Session,
    model: type[Any],
    read: type[ReadT],
    *,
    where: Sequence[ColumnElement[bool]],
    order_by: Sequence[Any],
    limit: int,
    offset: int,
) -> Page[ReadT]:
    """Return one page of rows matching `where`, with the total, in two statements."""
    table = table_of(model)
    total = session.scalar(select(func.count()).select_from(table).where(*where))
    rows = session.execute(
        select(table).where(*where).order_by(*order_by).limit(limit).offset(offset)
    ).mappings()
    return Page[read](  # type: ignore[valid-type]
        items=[read.model_validate(dict(row)) for row in rows],
        total=int(total or 0),
        limit=limit,
        offset=offset,
    )
