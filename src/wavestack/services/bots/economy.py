"""The one economy: viewers across platforms, a durable points ledger, XP levels, daily claims.

Every balance change is a conditional UPDATE of the viewer row plus a ledger row, in the
caller's transaction: a debit that would go below zero changes nothing, and two concurrent
daily claims cannot both pass the `daily_last < today` test (PostgreSQL re-checks the WHERE
on the locked row; SQLite runs one writer at a time).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, case, delete, func, select, update

from wavestack.kernel.clock import utcnow
from wavestack.kernel.errors import NotFound, ValidationFailed
from wavestack.kernel.ids import new_id
from wavestack.kernel.queries import insert_new, insert_new_returning, table_of
from wavestack.kernel.uow import UnitOfWork
from wavestack.services.bots.models import Account, LedgerEntry, LinkCode, Viewer

VIEWERS = table_of(Viewer)
ACCOUNTS = table_of(Account)
LEDGER = table_of(LedgerEntry)
LINK_CODES = table_of(LinkCode)

DAILY_BASE = 100
DAILY_STREAK_BONUS = 50  # per full week of streak
LINK_CODE_TTL = timedelta(minutes=10)
LINK_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread

# The statements of the chat hot path, built once: commands run them thousands of times.
# (Bind names differ from column names: UPDATE reserves those for its SET clause.)
_THIS_VIEWER = (VIEWERS.c.org_id == bindparam("org"), VIEWERS.c.id == bindparam("viewer"))
READ_VIEWER = select(VIEWERS).where(*_THIS_VIEWER)
ADD_POINTS = update(VIEWERS).where(*_THIS_VIEWER).values(points=VIEWERS.c.points + bindparam("n"))
TAKE_POINTS = (
    update(VIEWERS)
    .where(*_THIS_VIEWER, VIEWERS.c.points >= bindparam("n"))
    .values(points=VIEWERS.c.points - bindparam("n"))
)
WRITE_LEDGER = LEDGER.insert()
ACCOUNT_BY_NAME = (
    select(ACCOUNTS.c.viewer_id)
    .where(
        ACCOUNTS.c.org_id == bindparam("org_id"),
        ACCOUNTS.c.platform == bindparam("platform"),
        ACCOUNTS.c.name_key == bindparam("name_key"),
    )
    .limit(1)
)
ACCOUNTS_BY_ID = select(ACCOUNTS.c.platform_user_id, ACCOUNTS.c.viewer_id).where(
    ACCOUNTS.c.org_id == bindparam("org_id"),
    ACCOUNTS.c.platform == bindparam("platform"),
    ACCOUNTS.c.platform_user_id.in_(bindparam("user_ids", expanding=True)),
)


class InsufficientPoints(ValidationFailed):
    """A debit larger than the balance."""

    code = "INSUFFICIENT_POINTS"


@dataclass(frozen=True)
class AccountRef:
    """A chatter as a platform knows them."""

    platform: str
    user_id: str
    name: str


@dataclass(frozen=True)
class Standing:
    """A viewer's balance and level."""

    viewer_id: str
    name: str
    points: int
    xp: int
    level: int
    xp_into_level: int
    xp_for_next: int
    clips: int
    daily_streak: int


@dataclass(frozen=True)
class DailyClaim:
    """What a daily claim paid, or when the next one opens."""

    paid: int
    streak: int
    next_at: datetime | None


def xp_to_next(level: int) -> int:
    """XP needed to go from `level` to `level + 1` (MEE6's curve)."""
    return 5 * level * level + 50 * level + 100


def level_of(xp: int) -> tuple[int, int, int]:
    """Return (level, XP gathered within it, XP the next level needs)."""
    level = 0
    while xp >= xp_to_next(level):
        xp -= xp_to_next(level)
        level += 1
    return level, xp, xp_to_next(level)


def daily_amount(streak: int) -> int:
    """100 points, plus 50 for each full week once the streak reaches 7 days."""
    return DAILY_BASE + (streak // 7) * DAILY_STREAK_BONUS


def _name_key(name: str) -> str:
    return name.strip().lstrip("@").casefold()


def resolve_accounts(
    uow: UnitOfWork, *, org_id: str, accounts: Iterable[AccountRef]
) -> dict[tuple[str, str], str]:
    """Map (platform, user id) to viewer ids, creating viewers for accounts seen first.

    An account imported by name only is adopted by the first chatter of that name.
    """
    wanted = {(a.platform, a.user_id): a for a in accounts}
    with uow:
        found = _stored_accounts(uow, org_id, list(wanted))
        missing = [account for key, account in wanted.items() if key not in found]
        if missing:
            found.update(_adopt_provisional(uow, org_id, missing))
            fresh = [a for a in missing if (a.platform, a.user_id) not in found]
            if fresh:
                found.update(_create_accounts(uow, org_id, fresh, provisional=False))
                # Accounts a concurrent writer created first: theirs are the viewers.
                lost = [(a.platform, a.user_id) for a in fresh]
                lost = [key for key in lost if key not in found]
                if lost:
                    found.update(_stored_accounts(uow, org_id, lost))
    return found


def has_account(uow: UnitOfWork, *, org_id: str, platform: str, user_id: str) -> bool:
    """Whether a platform account is known: it has chatted here before (its first message
    made it) or had points imported."""
    with uow:
        found = uow.session.execute(
            ACCOUNTS_BY_ID, {"org_id": org_id, "platform": platform, "user_ids": [user_id]}
        ).first()
    return found is not None


def _stored_accounts(
    uow: UnitOfWork, org_id: str, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    by_platform: dict[str, list[str]] = {}
    for platform, user_id in keys:
        by_platform.setdefault(platform, []).append(user_id)
    found: dict[tuple[str, str], str] = {}
    for platform, user_ids in by_platform.items():
        rows = uow.session.execute(
            ACCOUNTS_BY_ID, {"org_id": org_id, "platform": platform, "user_ids": user_ids}
        )
        found.update(((platform, user_id), viewer) for user_id, viewer in rows)
    return found


def _adopt_provisional(
    uow: UnitOfWork, org_id: str, missing: list[AccountRef]
) -> dict[tuple[str, str], str]:
    """Give imported name-only accounts to the chatters who now turn up with those names."""
    by_name = {(a.platform, _name_key(a.name)): a for a in missing}
    waiting = uow.session.execute(
        select(ACCOUNTS.c.id, ACCOUNTS.c.platform, ACCOUNTS.c.name_key, ACCOUNTS.c.viewer_id).where(
            ACCOUNTS.c.org_id == org_id,
            ACCOUNTS.c.provisional.is_(True),
            ACCOUNTS.c.name_key.in_({name for _, name in by_name}),
        )
    ).all()
    adopted: dict[tuple[str, str], str] = {}
    for row in waiting:
        account = by_name.get((row.platform, row.name_key))
        if account is None:
            continue
        uow.session.execute(
            update(ACCOUNTS)
            .where(ACCOUNTS.c.id == row.id, ACCOUNTS.c.provisional.is_(True))
            .values(platform_user_id=account.user_id, provisional=False, name=account.name)
        )
        adopted[(account.platform, account.user_id)] = row.viewer_id
    return adopted


def _create_accounts(
    uow: UnitOfWork, org_id: str, accounts: list[AccountRef], *, provisional: bool
) -> dict[tuple[str, str], str]:
    """Create a viewer for each account; returns the viewers of the accounts that went in."""
    now = utcnow()
    viewers = [new_id() for _ in accounts]
    uow.session.execute(
        VIEWERS.insert(),
        [
            {
                "id": viewer_id,
                "org_id": org_id,
                "display_name": a.name,
                "points": 0,
                "xp": 0,
                "clips": 0,
                "watch_seconds": 0,
                "daily_streak": 0,
                "created_at": now,
            }
            for viewer_id, a in zip(viewers, accounts, strict=True)
        ],
    )
    # Another process may have created the same account a moment ago: its row wins, and the
    # viewer made here stays empty and unreferenced.
    created = insert_new_returning(
        uow.session,
        ACCOUNTS,
        [
            {
                "id": new_id(),
                "org_id": org_id,
                "platform": a.platform,
                "platform_user_id": a.user_id,
                "name": a.name,
                "name_key": _name_key(a.name),
                "provisional": provisional,
                "viewer_id": viewer_id,
                "created_at": now,
            }
            for viewer_id, a in zip(viewers, accounts, strict=True)
        ],
        ("platform", "platform_user_id", "viewer_id"),
    )
    return {(row.platform, row.platform_user_id): row.viewer_id for row in created}


def _viewer_of(uow: UnitOfWork, org_id: str, account: AccountRef) -> str:
    viewer_id = uow.session.scalar(
        select(ACCOUNTS.c.viewer_id).where(
            ACCOUNTS.c.org_id == org_id,
            ACCOUNTS.c.platform == account.platform,
            ACCOUNTS.c.platform_user_id == account.user_id,
        )
    )
    if viewer_id is None:
        raise NotFound("no such account")
    return str(viewer_id)


def viewer_for(uow: UnitOfWork, *, org_id: str, account: AccountRef) -> str:
    """Return the viewer id of one account, creating it on first sight."""
    return resolve_accounts(uow, org_id=org_id, accounts=[account])[
        (account.platform, account.user_id)
    ]


def find_account(uow: UnitOfWork, *, org_id: str, platform: str, name: str) -> str | None:
    """Return the viewer id of the account with this name on a platform, if known."""
    with uow:
        found = uow.session.scalar(
            ACCOUNT_BY_NAME, {"org_id": org_id, "platform": platform, "name_key": _name_key(name)}
        )
    return None if found is None else str(found)


def _ledger(
    uow: UnitOfWork,
    org_id: str,
    viewer_id: str,
    delta: int,
    reason: str,
    *,
    note: str | None = None,
    ref: str | None = None,
) -> bool:
    row = {
        "org_id": org_id,
        "viewer_id": viewer_id,
        "delta": delta,
        "reason": reason,
        "note": note,
        "ref": ref,
        "created_at": utcnow(),
    }
    if ref is None:
        # Nothing to deduplicate: a plain INSERT, cheaper than ON CONFLICT ... RETURNING.
        uow.session.execute(WRITE_LEDGER, row)
        return True
    return insert_new(uow.session, LEDGER, [row]) == 1


def credit(
    uow: UnitOfWork,
    *,
    org_id: str,
    viewer_id: str,
    amount: int,
    reason: str,
    note: str | None = None,
    ref: str | None = None,
) -> bool:
    """Add points; with a `ref` seen before nothing happens and False is returned."""
    if amount < 0:
        raise ValidationFailed("a credit must not be negative")
    with uow:
        if not _ledger(uow, org_id, viewer_id, amount, reason, note=note, ref=ref):
            return False
        _add(uow, org_id, viewer_id, amount)
    return True


def _add(uow: UnitOfWork, org_id: str, viewer_id: str, amount: int) -> None:
    changed = uow.session.execute(ADD_POINTS, {"org": org_id, "viewer": viewer_id, "n": amount})
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound("no such viewer")


def debit(
    uow: UnitOfWork,
    *,
    org_id: str,
    viewer_id: str,
    amount: int,
    reason: str,
    note: str | None = None,
) -> None:
    """Take points away, or raise InsufficientPoints and change nothing."""
    if amount <= 0:
        raise ValidationFailed("a debit must be positive")
    with uow:
        _take(uow, org_id, viewer_id, amount)
        _ledger(uow, org_id, viewer_id, -amount, reason, note=note)


def _take(uow: UnitOfWork, org_id: str, viewer_id: str, amount: int) -> None:
    changed = uow.session.execute(TAKE_POINTS, {"org": org_id, "viewer": viewer_id, "n": amount})
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise InsufficientPoints(f"not enough points for {amount}")


def transfer(
    uow: UnitOfWork, *, org_id: str, sender: str, receiver: str, amount: int, note: str
) -> None:
    """Move points between viewers in one transaction, all or nothing."""
    if amount <= 0:
        raise ValidationFailed("give a positive number of points")
    if sender == receiver:
        raise ValidationFailed("you cannot give points to yourself")
    with uow:
        # Touch the two rows in id order: two opposite transfers cannot deadlock.
        for viewer_id in sorted((sender, receiver)):
            if viewer_id == sender:
                _take(uow, org_id, sender, amount)
            else:
                _add(uow, org_id, receiver, amount)
        _ledger(uow, org_id, sender, -amount, "give", note=note)
        _ledger(uow, org_id, receiver, amount, "give", note=note)
        uow.commit()


_NEXT_STREAK = case(
    (VIEWERS.c.daily_last == bindparam("yesterday"), VIEWERS.c.daily_streak + 1), else_=1
)
# One statement claims the day, extends or restarts the streak and pays: the WHERE lets only
# the first claim of a day through, however many race.
CLAIM_DAILY = (
    update(VIEWERS)
    .where(
        *_THIS_VIEWER,
        VIEWERS.c.daily_last.is_(None) | (VIEWERS.c.daily_last < bindparam("today")),
    )
    .values(
        daily_streak=_NEXT_STREAK,
        daily_last=bindparam("today"),
        points=VIEWERS.c.points + DAILY_BASE + (_NEXT_STREAK // 7) * DAILY_STREAK_BONUS,
    )
    .returning(VIEWERS.c.daily_streak)
)


def claim_daily(uow: UnitOfWork, *, org_id: str, viewer_id: str, today: date) -> DailyClaim:
    """Pay the daily bonus once per day; a claim the day after the last extends the streak."""
    params = {
        "org": org_id,
        "viewer": viewer_id,
        "today": today,
        "yesterday": today - timedelta(days=1),
    }
    with uow:
        claimed = uow.session.execute(CLAIM_DAILY, params).first()
        if claimed is None:
            streak = uow.session.scalar(
                select(VIEWERS.c.daily_streak).where(
                    VIEWERS.c.org_id == org_id, VIEWERS.c.id == viewer_id
                )
            )
            tomorrow = datetime.combine(today + timedelta(days=1), datetime.min.time())
            return DailyClaim(paid=0, streak=int(streak or 0), next_at=tomorrow)
        streak = int(claimed.daily_streak)
        paid = daily_amount(streak)
        _ledger(uow, org_id, viewer_id, paid, "daily", note=f"streak {streak}")
        uow.commit()
    return DailyClaim(paid=paid, streak=streak, next_at=None)


@dataclass(frozen=True)
class Accrual:
    """Points and XP earned by one viewer since the last flush."""

    points: int = 0
    xp: int = 0
    watch_seconds: int = 0


def apply_accruals(
    uow: UnitOfWork, *, org_id: str, accruals: Mapping[str, Accrual], reason: str
) -> None:
    """Add what many viewers earned, with one ledger row per viewer, in the caller's transaction."""
    if not accruals:
        return
    with uow:
        uow.session.execute(
            update(VIEWERS)
            .where(VIEWERS.c.org_id == org_id, VIEWERS.c.id == bindparam("vid"))
            .values(
                points=VIEWERS.c.points + bindparam("p"),
                xp=VIEWERS.c.xp + bindparam("x"),
                watch_seconds=VIEWERS.c.watch_seconds + bindparam("w"),
            ),
            [
                {"vid": v, "p": a.points, "x": a.xp, "w": a.watch_seconds}
                for v, a in sorted(accruals.items())
            ],
        )
        now = utcnow()
        rows = [
            {
                "org_id": org_id,
                "viewer_id": v,
                "delta": a.points,
                "reason": reason,
                "note": None,
                "ref": None,
                "created_at": now,
            }
            for v, a in accruals.items()
            if a.points
        ]
        if rows:
            uow.session.execute(LEDGER.insert(), rows)


def count_clip(uow: UnitOfWork, *, org_id: str, viewer_id: str) -> None:
    """Count a clip the viewer made, for the clips leaderboard."""
    with uow:
        uow.session.execute(
            update(VIEWERS)
            .where(VIEWERS.c.org_id == org_id, VIEWERS.c.id == viewer_id)
            .values(clips=VIEWERS.c.clips + 1)
        )


def standing(uow: UnitOfWork, *, org_id: str, viewer_id: str) -> Standing:
    """Return a viewer's balance and level."""
    with uow:
        row = uow.session.execute(READ_VIEWER, {"org": org_id, "viewer": viewer_id}).first()
    if row is None:
        raise NotFound("no such viewer")
    return _standing(row)


def _standing(row: Row[Any]) -> Standing:
    level, into, needed = level_of(int(row.xp))
    return Standing(
        viewer_id=row.id,
        name=row.display_name,
        points=int(row.points),
        xp=int(row.xp),
        level=level,
        xp_into_level=into,
        xp_for_next=needed,
        clips=int(row.clips),
        daily_streak=int(row.daily_streak),
    )


LEADERBOARD_COLUMNS = {"points": VIEWERS.c.points, "level": VIEWERS.c.xp, "clips": VIEWERS.c.clips}


def leaderboard(uow: UnitOfWork, *, org_id: str, metric: str, limit: int) -> list[Standing]:
    """The top viewers by points, level (XP) or clips made."""
    column = LEADERBOARD_COLUMNS.get(metric)
    if column is None:
        raise ValidationFailed(f"metric must be one of {', '.join(LEADERBOARD_COLUMNS)}")
    with uow:
        rows = uow.session.execute(
            select(VIEWERS)
            .where(VIEWERS.c.org_id == org_id, VIEWERS.c.merged_into.is_(None), column > 0)
            .order_by(column.desc(), VIEWERS.c.created_at)
            .limit(limit)
        ).all()
    return [_standing(row) for row in rows]


def start_link(uow: UnitOfWork, *, org_id: str, viewer_id: str, platform: str) -> str:
    """Issue a one-time code the viewer enters on another platform within ten minutes."""
    code = "".join(secrets.choice(LINK_ALPHABET) for _ in range(6))
    with uow:
        uow.session.execute(
            delete(LINK_CODES).where(
                LINK_CODES.c.org_id == org_id, LINK_CODES.c.viewer_id == viewer_id
            )
        )
        uow.session.execute(
            LINK_CODES.insert().values(
                code=code,
                org_id=org_id,
                viewer_id=viewer_id,
                platform=platform,
                expires_at=utcnow() + LINK_CODE_TTL,
            )
        )
        uow.commit()
    return code


def complete_link(uow: UnitOfWork, *, org_id: str, code: str, viewer_id: str) -> str:
    """Join the viewer entering `code` into the one who issued it; returns the joined viewer id.

    The entering viewer's points, XP and clips move over (as ledger rows) and all their
    accounts now point at the issuer: from here on they share one balance and one level.
    """
    code = code.strip().upper()
    with uow:
        issued = uow.session.execute(
            delete(LINK_CODES)
            .where(
                LINK_CODES.c.org_id == org_id,
                LINK_CODES.c.code == code,
                LINK_CODES.c.expires_at > utcnow(),
            )
            .returning(LINK_CODES.c.viewer_id, LINK_CODES.c.platform)
        ).first()
        if issued is None:
            raise ValidationFailed("that link code is unknown or expired; run !link again")
        target = str(issued.viewer_id)
        if target == viewer_id:
            raise ValidationFailed("enter the code on your other platform's chat")
        source = uow.session.execute(
            select(VIEWERS).where(VIEWERS.c.org_id == org_id, VIEWERS.c.id == viewer_id)
        ).first()
        if source is None:
            raise NotFound("no such viewer")
        points = int(source.points)
        if points:
            _take(uow, org_id, viewer_id, points)
            _ledger(uow, org_id, viewer_id, -points, "link", note=f"joined {target}")
            _add(uow, org_id, target, points)
            _ledger(uow, org_id, target, points, "link", note=f"joined {viewer_id}")
        uow.session.execute(
            update(VIEWERS)
            .where(VIEWERS.c.org_id == org_id, VIEWERS.c.id == target)
            .values(
                xp=VIEWERS.c.xp + int(source.xp),
                clips=VIEWERS.c.clips + int(source.clips),
                watch_seconds=VIEWERS.c.watch_seconds + int(source.watch_seconds),
            )
        )
        uow.session.execute(
            update(VIEWERS)
            .where(VIEWERS.c.org_id == org_id, VIEWERS.c.id == viewer_id)
            .values(xp=0, clips=0, watch_seconds=0, merged_into=target)
        )
        uow.session.execute(
            update(ACCOUNTS)
            .where(ACCOUNTS.c.org_id == org_id, ACCOUNTS.c.viewer_id == viewer_id)
            .values(viewer_id=target)
        )
        uow.commit()
    return target


def accounts_of(uow: UnitOfWork, *, org_id: str, viewer_id: str) -> list[tuple[str, str]]:
    """The (platform, name) accounts of a viewer."""
    with uow:
        rows = uow.session.execute(
            select(ACCOUNTS.c.platform, ACCOUNTS.c.name)
            .where(ACCOUNTS.c.org_id == org_id, ACCOUNTS.c.viewer_id == viewer_id)
            .order_by(ACCOUNTS.c.platform)
        )
        return [(p, n) for p, n in rows]


def ledger_total(uow: UnitOfWork, *, org_id: str, viewer_id: str) -> int:
    """The sum of a viewer's ledger rows (equals the balance; tests check the invariant)."""
    with uow:
        total = uow.session.scalar(
            select(func.coalesce(func.sum(LEDGER.c.delta), 0)).where(
                LEDGER.c.org_id == org_id, LEDGER.c.viewer_id == viewer_id
            )
        )
    return int(total or 0)


@dataclass(frozen=True)
class ImportRow:
    """One line of a points export: who, where, how many."""

    line: int
    user: str
    platform: str
    points: int


def import_points(uow: UnitOfWork, *, org_id: str, batch: str, rows: list[ImportRow]) -> int:
    """Credit imported balances; a line already imported from the same file is skipped.

    Users are matched by name on their platform; one never seen gets a provisional account
    that their first chat message claims. Returns how many lines were credited.
    """
    with uow:
        credited = 0
        for row in rows:
            viewer_id = find_account(uow, org_id=org_id, platform=row.platform, name=row.user)
            if viewer_id is None:
                account = AccountRef(
                    platform=row.platform, user_id=f"name:{_name_key(row.user)}", name=row.user
                )
                _create_accounts(uow, org_id, [account], provisional=True)
                viewer_id = _viewer_of(uow, org_id, account)
            if row.points and credit(
                uow,
                org_id=org_id,
                viewer_id=viewer_id,
                amount=row.points,
                reason="import",
                ref=f"import:{batch}:{row.line}",
            ):
                credited += 1
        uow.commit()
    return credited


def ledger_page(
    uow: UnitOfWork, *, org_id: str, viewer_id: str, limit: int, offset: int
) -> tuple[list[tuple[int, str, str | None, datetime]], int]:
    """A viewer's ledger rows, newest first, and how many there are."""
    where = (LEDGER.c.org_id == org_id, LEDGER.c.viewer_id == viewer_id)
    with uow:
        total = uow.session.scalar(select(func.count()).select_from(LEDGER).where(*where))
        rows = uow.session.execute(
            select(LEDGER.c.delta, LEDGER.c.reason, LEDGER.c.note, LEDGER.c.created_at)
            .where(*where)
            .order_by(LEDGER.c.seq.desc())
            .limit(limit)
            .offset(offset)
        )
        return [(int(d), r, n, c) for d, r, n, c in rows], int(total or 0)
