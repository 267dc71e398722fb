"""The bots' durable state: viewers and their one economy, custom commands, timers, and the
games that must outlive a restart (giveaways, polls, reminders)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from wavestack.kernel.clock import utcnow
from wavestack.kernel.db import Base
from wavestack.kernel.ids import new_id

LedgerKey = BigInteger().with_variant(Integer(), "sqlite")


class Viewer(Base):
    """One person across platforms: the balance, XP and daily streak live here.

    The CHECK keeps a balance from going negative even if a use case forgets to.
    """

    __tablename__ = "bots_viewers"
    __table_args__ = (
        CheckConstraint("points >= 0", name="points_not_negative"),
        Index("ix_bots_viewers_org_points", "org_id", "points"),
        Index("ix_bots_viewers_org_xp", "org_id", "xp"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(String(36))
    display_name: Mapped[str] = mapped_column(String(200))
    points: Mapped[int] = mapped_column(BigInteger, default=0)
    xp: Mapped[int] = mapped_column(BigInteger, default=0)
    clips: Mapped[int] = mapped_column(Integer, default=0)
    watch_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    daily_last: Mapped[date | None] = mapped_column(Date)
    daily_streak: Mapped[int] = mapped_column(Integer, default=0)
    merged_into: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Account(Base):
    """A viewer's account on one platform; linking points several accounts at one viewer.

    An imported balance may arrive with a user name only: such an account is `provisional`
    until that user first chats and it learns the platform's user id.
    """

    __tablename__ = "bots_accounts"
    __table_args__ = (
        UniqueConstraint("org_id", "platform", "platform_user_id"),
        Index("ix_bots_accounts_name", "org_id", "platform", "name_key"),
        Index("ix_bots_accounts_viewer", "viewer_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(String(36))
    platform: Mapped[str] = mapped_column(String(16))
    platform_user_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    viewer_id: Mapped[str] = mapped_column(ForeignKey("bots_viewers.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerEntry(Base):
    """One change of a balance and why; `ref` makes a change happen at most once."""

    __tablename__ = "bots_ledger"
    __table_args__ = (
        UniqueConstraint("org_id", "ref"),
        Index("ix_bots_ledger_viewer", "org_id", "viewer_id", "seq"),
    )

    seq: Mapped[int] = mapped_column(LedgerKey, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(String(36))
    viewer_id: Mapped[str] = mapped_column(String(36))
    delta: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(200))
    ref: Mapped[str | None] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LinkCode(Base):
    """A one-time code that joins the account entering it to the viewer who asked for it."""

    __tablename__ = "bots_link_codes"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(36))
    viewer_id: Mapped[str] = mapped_column(String(36))
    platform: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime]


class CustomCommand(Base):
    """A command a channel's moderators made with `!addcom`; its response may use variables."""

    __tablename__ = "bots_custom_commands"
    __table_args__ = (UniqueConstraint("org_id", "platform", "channel_id", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(String(36))
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(32))
    response: Mapped[str] = mapped_column(Text)
    permission: Mapped[str] = mapped_column(String(16), default="everyone")
    cooldown_seconds: Mapped[int] = mapped_column(Integer, default=5)
    uses: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommandToggle(Base):
    """A command switched off (or back on) in one channel."""

    __tablename__ = "bots_command_toggles"

    org_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)


class Timer(Base):
    """A message repeated in a channel every `interval_seconds` once `min_lines` were chatted."""

    __tablename__ = "bots_timers"
    __table_args__ = (UniqueConstraint("org_id", "platform", "channel_id", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(String(36))
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    interval_seconds: Mapped[int] = mapped_column(Integer)
    min_lines: Mapped[int] = mapped_column(Integer, default=0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Giveaway(Base):
    """A giveaway: open until `ends_at`, then drawn once (and maybe rerolled)."""

    __tablename__ = "bots_giveaways"
    __table_args__ = (Index("ix_bots_giveaways_due", "status", "ends_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(String(36))
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(128))
    prize: Mapped[str] = mapped_column(String(200))
    winners: Mapped[int] = mapped_column(Integer, default=1)
    min_points: Mapped[int] = mapped_column(BigInteger, default=0)
    required_role: Mapped[str] = mapped_column(String(16), default="everyone")
    subscriber_luck: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="open")
    drawn: Mapped[list[str]] = mapped_column(default=list)
    ends_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GiveawayEntry(Base):
    """One viewer in a giveaway, with the weight their role gave them."""

    __tablename__ = "bots_giveaway_entries"

    giveaway_id: Mapped[str] = mapped_column(
        ForeignKey("bots_giveaways.id", ondelete="CASCADE"), primary_key=True
    )
    viewer_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Poll(Base):
    """A poll with 2 to 10 options; one vote per viewer, changeable until it closes."""

    __tablename__ = "bots_polls"
    __table_args__ = (Index("ix_bots_polls_due", "status", "ends_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(String(36))
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(128))
    question: Mapped[str] = mapped_column(String(300))
    options: Mapped[list[str]]
    status: Mapped[str] = mapped_column(String(16), default="open")
    ends_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PollVote(Base):
    """A viewer's vote: the index of an option."""

    __tablename__ = "bots_poll_votes"

    poll_id: Mapped[str] = mapped_column(
        ForeignKey("bots_polls.id", ondelete="CASCADE"), primary_key=True
    )
    viewer_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    option: Mapped[int] = mapped_column(Integer)


class Reminder(Base):
    """A message to send a viewer at `due_at`; `sent_at` makes it fire once."""

    __tablename__ = "bots_reminders"
    __table_args__ = (Index("ix_bots_reminders_due", "sent_at", "due_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(String(36))
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[str] = mapped_column(String(128))
    user_name: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(String(500))
    due_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
