"""Query helpers every service uses: org-scoped lookups and counted pages.

Reads build response models straight from rows (Core), not through ORM objects: on list
endpoints the identity map and attribute instrumentation cost more than the query. The
statements are built once per shape with bind parameters and reused: building a statement
costs more than running it on SQLite.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import Select, Table, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
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


@functools.cache
def _one_for_org(table: Table) -> Select[Any]:
    return select(table).where(table.c.id == bindparam("id"), table.c.org_id == bindparam("org_id"))


@functools.cache
def _exists_for_org(table: Table) -> Select[Any]:
    return select(table.c.id).where(
        table.c.id == bindparam("id"), table.c.org_id == bindparam("org_id")
    )


def read_for_org(
    session: Session, model: type[Any], read: type[ReadT], *, org_id: str, id: str, what: str
) -> ReadT:
    """Read one row of the caller's organization into a response model (NotFound otherwise)."""
    row = (
        session.execute(_one_for_org(table_of(model)), {"id": id, "org_id": org_id})
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"{what} not found")
    return read.model_validate(dict(row))


def exists_for_org(session: Session, model: type[Any], *, org_id: str, id: str) -> bool:
    """Tell whether the organization has the row `id` (another org's row does not count)."""
    statement = _exists_for_org(table_of(model))
    return session.execute(statement, {"id": id, "org_id": org_id}).first() is not None


@functools.cache
def _page_statements(
    table: Table, columns: tuple[str, ...], newest_by: str
) -> tuple[Select[Any], Select[Any]]:
    where = [table.c[name] == bindparam(name) for name in columns]
    count = select(func.count()).select_from(table).where(*where)
    rows = (
        select(table)
        .where(*where)
        .order_by(table.c[newest_by].desc(), table.c.id.desc())
        .limit(bindparam("page_limit"))
        .offset(bindparam("page_offset"))
    )
    return count, rows


def read_page(
    session: Session,
    model: type[Any],
    read: type[ReadT],
    *,
    match: Mapping[str, Any],
    newest_by: str = "created_at",
    limit: int,
    offset: int,
) -> Page[ReadT]:
    """Return one page of rows, newest first, with the total, in two statements.

    `match` maps column names to the values rows must equal; a None value means "any". It
    must hold the caller's `org_id`: no page crosses organizations.
    """
    if not match.get("org_id"):
        raise ValueError("read_page needs the caller's org_id")
    params = {name: value for name, value in match.items() if value is not None}
    count, rows = _page_statements(table_of(model), tuple(sorted(params)), newest_by)
    total = session.scalar(count, params)
    found = session.execute(rows, {**params, "page_limit": limit, "page_offset": offset})
    return Page[read](  # type: ignore[valid-type]
        items=[read.model_validate(dict(row)) for row in found.mappings()],
        total=int(total or 0),
        limit=limit,
        offset=offset,
    )


@functools.cache
def _insert_ignoring(table: Table, returning: tuple[str, ...]) -> Any:
    columns = (table.c[name] for name in returning)
    return sqlite.insert(table).on_conflict_do_nothing().returning(*columns)


@functools.cache
def _insert_unnested(table: Table, names: tuple[str, ...], returning: tuple[str, ...]) -> Any:
    # One array per column, unnested into rows on the server: the statement stays short and
    # the same for any number of rows (psycopg would re-parse a long multi-row VALUES list
    # for every batch: its statement cache takes only short queries).
    arrays = [bindparam(name, type_=postgresql.ARRAY(table.c[name].type)) for name in names]
    rows = func.unnest(*arrays).table_valued(*names).render_derived()
    return (
        postgresql.insert(table)
        .from_select(list(names), select(*(rows.c[name] for name in names)))
        .on_conflict_do_nothing()
        .returning(*(table.c[name] for name in returning))
    )


def insert_new_returning(
    session: Session, table: Table, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]
) -> list[Any]:
    """Insert rows (dicts with the same keys), skipping any that would break a unique
    constraint; return `columns` of the rows that went in.

    `INSERT ... ON CONFLICT DO NOTHING` on both SQLite and PostgreSQL: concurrent writers of
    the same rows never fail, and exactly one of them inserts each.
    """
    if not rows:
        return []
    if session.get_bind().dialect.name == "postgresql":
        names = tuple(rows[0])
        statement = _insert_unnested(table, names, tuple(columns))
        return list(session.execute(statement, {n: [row[n] for row in rows] for n in names}))
    # With RETURNING, SQLAlchemy sends the rows as batched multi-row INSERTs from one cached
    # statement ("insertmanyvalues"), and the rows returned tell what went in.
    return list(session.execute(_insert_ignoring(table, tuple(columns)), list(rows)).all())


def insert_new(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert rows, skipping any that would break a unique constraint; returns how many went in."""
    primary_key = [column.name for column in table.primary_key.columns]
    return len(insert_new_returning(session, table, rows, primary_key))
