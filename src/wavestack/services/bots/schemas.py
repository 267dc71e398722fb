"""Shapes of the economy API (camelCase on the wire, as the other `/api/v1` services)."""

from __future__ import annotations

from pydantic import Field

from wavestack.kernel.schemas import ApiModel, UtcDateTime


class AccountOut(ApiModel):
    """One platform account of a viewer."""

    platform: str
    name: str


class ViewerOut(ApiModel):
    """A viewer's balance, level and accounts."""

    viewer_id: str
    name: str
    points: int
    xp: int
    level: int
    xp_into_level: int
    xp_for_next: int
    clips: int
    daily_streak: int
    accounts: list[AccountOut] = Field(default_factory=list)


class Leaderboard(ApiModel):
    """The top viewers by one metric."""

    metric: str
    viewers: list[ViewerOut]


class LedgerRow(ApiModel):
    """One balance change."""

    delta: int
    reason: str
    note: str | None
    created_at: UtcDateTime


class LedgerPage(ApiModel):
    """A viewer's balance changes, newest first."""

    entries: list[LedgerRow]
    total: int


class ImportReport(ApiModel):
    """What a points import did."""

    lines: int
    credited: int
    skipped: int
