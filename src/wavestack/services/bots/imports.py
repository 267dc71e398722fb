"""Reading a points export from another bot (StreamElements, Streamlabs, Nightbot, ...)."""

from __future__ import annotations

import csv
import hashlib
import io
from typing import get_args

from wavestack.kernel.errors import ValidationFailed
from wavestack.kernel.uow import UnitOfWork
from wavestack.services.bots.economy import ImportRow, import_points
from wavestack.services.bots.schemas import ImportReport
from wavestack.services.social_ingest import Platform

PLATFORMS = frozenset(get_args(Platform))
USER_COLUMNS = ("user", "username", "name", "user_name", "login", "display_name")
POINT_COLUMNS = ("points", "balance", "amount", "current")
MAX_POINTS = 10**12
MAX_ERRORS = 20


def parse_points_csv(text: str, *, platform: str | None) -> list[ImportRow]:
    """Rows of `user,platform,points` (a header naming the columns is optional).

    Every bad line is reported, with its number, and then nothing is imported.
    """
    if platform is not None and platform not in PLATFORMS:
        raise ValidationFailed(f"platform must be one of {', '.join(sorted(PLATFORMS))}")
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if not rows:
        raise ValidationFailed("the CSV has no rows")
    columns = _columns(rows[0])
    start = 1 if columns is not None else 0
    user_at, platform_at, points_at = columns or (0, 1, 2)
    if columns is None and len(rows[0]) == 2:
        user_at, platform_at, points_at = 0, None, 1
    parsed: list[ImportRow] = []
    errors: list[dict[str, object]] = []
    for number, row in enumerate(rows[start:], start + 1):
        try:
            parsed.append(_row(number, row, user_at, platform_at, points_at, platform))
        except ValueError as exc:
            errors.append({"line": number, "error": str(exc)})
    if errors:
        raise ValidationFailed(
            f"{len(errors)} line(s) of the CSV are invalid; nothing was imported",
            details=errors[:MAX_ERRORS],
        )
    return parsed


def _columns(header: list[str]) -> tuple[int, int | None, int] | None:
    names = [cell.strip().casefold() for cell in header]
    user = next((i for i, n in enumerate(names) if n in USER_COLUMNS), None)
    points = next((i for i, n in enumerate(names) if n in POINT_COLUMNS), None)
    if user is None or points is None:
        return None
    return user, (names.index("platform") if "platform" in names else None), points


def _row(
    number: int,
    row: list[str],
    user_at: int,
    platform_at: int | None,
    points_at: int,
    default_platform: str | None,
) -> ImportRow:
    cells = [cell.strip() for cell in row]
    width = max(user_at, points_at, platform_at or 0) + 1
    if len(cells) < width:
        raise ValueError(f"expected {width} columns, found {len(cells)}")
    user = cells[user_at].lstrip("@")
    if not user or len(user) > 200:
        raise ValueError("the user name must be 1 to 200 characters")
    platform = cells[platform_at].casefold() if platform_at is not None else default_platform
    if not platform or platform not in PLATFORMS:
        raise ValueError(f"unknown platform {platform or '(none)'!r}; pass ?platform= or a column")
    try:
        points = int(float(cells[points_at].replace(",", "")))
    except ValueError:
        raise ValueError(f"points must be a number, not {cells[points_at]!r}") from None
    if not 0 <= points <= MAX_POINTS:
        raise ValueError("points must be between 0 and 10^12")
    return ImportRow(line=number, user=user, platform=platform, points=points)


def import_csv(uow: UnitOfWork, *, org_id: str, text: str, platform: str | None) -> ImportReport:
    """Import a points CSV; importing the same file again credits nothing twice."""
    rows = parse_points_csv(text, platform=platform)
    batch = hashlib.sha256(text.encode()).hexdigest()[:24]
    credited = import_points(uow, org_id=org_id, batch=batch, rows=rows)
    return ImportReport(lines=len(rows), credited=credited, skipped=len(rows) - credited)
