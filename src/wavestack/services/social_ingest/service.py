"""Use cases of social ingest: store messages idempotently, page through them, read a stretch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, tuple_, update

from wavestack.kernel.clock import utcnow
from wavestack.kernel.ids import new_id
from wavestack.kernel.queries import insert_new, table_of
from wavestack.kernel.uow import UnitOfWork
from wavestack.services.social_ingest.models import ChatMessage
from wavestack.services.social_ingest.schemas import (
    AuthorRef,
    ChannelRef,
    IngestResult,
    MessageEvent,
    MessagePage,
    StoredMessage,
)

MESSAGES = table_of(ChatMessage)
# Enough for a long stream's chat; more is refused rather than silently cut.
MAX_STRETCH = 500_000


@dataclass(frozen=True)
class ChatRecord:
    """A message reduced to what analysis needs."""

    ts: datetime
    author: str
    text: str


def _row(org_id: str, event: MessageEvent) -> dict[str, object]:
    return {
        "id": new_id(),
        "org_id": org_id,
        "platform": event.platform,
        "platform_message_id": event.id,
        "channel_id": event.channel.id,
        "channel_name": event.channel.name,
        "author_id": event.author.id,
        "author_name": event.author.name,
        "author_role": event.author.role,
        "is_mod": event.author.is_mod,
        "text": event.text,
        "ts": event.ts,
        "meta": event.meta,
        "edited_at": None,
        "deleted_at": None,
        "created_at": utcnow(),
    }


def ingest(uow: UnitOfWork, *, org_id: str, events: list[MessageEvent]) -> IngestResult:
    """Store messages; a repeat is skipped, a repeat with new text is an edit."""
    latest = {(event.platform, event.id): event for event in events}  # the last copy wins
    with uow:
        stored = {
            (platform, message_id): text
            for platform, message_id, text in uow.session.execute(
                select(MESSAGES.c.platform, MESSAGES.c.platform_message_id, MESSAGES.c.text).where(
                    MESSAGES.c.org_id == org_id,
                    tuple_(MESSAGES.c.platform, MESSAGES.c.platform_message_id).in_(list(latest)),
                )
            )
        }
        fresh = [_row(org_id, e) for key, e in latest.items() if key not in stored]
        accepted = insert_new(uow.session, MESSAGES, fresh)
        edits = [e for key, e in latest.items() if key in stored and stored[key] != e.text]
        for event in edits:
            uow.session.execute(
                update(MESSAGES)
                .where(
                    MESSAGES.c.org_id == org_id,
                    MESSAGES.c.platform == event.platform,
                    MESSAGES.c.platform_message_id == event.id,
                )
                .values(text=event.text, edited_at=utcnow())
            )
        uow.commit()
    return IngestResult(
        accepted=accepted, duplicates=len(events) - accepted - len(edits), edited=len(edits)
    )


def _filters(
    org_id: str,
    platform: str | None,
    channel_id: str | None,
    user_id: str | None,
    since: datetime | None,
    until: datetime | None,
) -> list[ColumnElement[bool]]:
    where = [MESSAGES.c.org_id == org_id, MESSAGES.c.deleted_at.is_(None)]
    if platform is not None:
        where.append(MESSAGES.c.platform == platform)
    if channel_id is not None:
        where.append(MESSAGES.c.channel_id == channel_id)
    if user_id is not None:
        where.append(MESSAGES.c.author_id == user_id)
    if since is not None:
        where.append(MESSAGES.c.ts >= since)
    if until is not None:
        where.append(MESSAGES.c.ts < until)
    return where


def list_messages(
    uow: UnitOfWork,
    *,
    org_id: str,
    platform: str | None = None,
    channel_id: str | None = None,
    user_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int,
    offset: int,
) -> MessagePage:
    """Page through messages, newest first."""
    where = _filters(org_id, platform, channel_id, user_id, since, until)
    with uow:
        count = uow.session.scalar(select(func.count()).select_from(MESSAGES).where(*where))
        rows = uow.session.execute(
            select(MESSAGES)
            .where(*where)
            .order_by(MESSAGES.c.ts.desc(), MESSAGES.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        messages = [
            StoredMessage(
                id=row.platform_message_id,
                platform=row.platform,
                channel=ChannelRef(id=row.channel_id, name=row.channel_name),
                author=AuthorRef(
                    id=row.author_id, name=row.author_name, role=row.author_role, is_mod=row.is_mod
                ),
                text=row.text,
                ts=row.ts,
                meta=row.meta,
                edited_at=row.edited_at,
            )
            for row in rows
        ]
    total = int(count or 0)
    return MessagePage(messages=messages, count=total, has_more=offset + len(messages) < total)


def chat_between(
    uow: UnitOfWork,
    *,
    org_id: str,
    platform: str,
    channel_id: str,
    since: datetime,
    until: datetime,
) -> list[ChatRecord]:
    """A channel's messages in [since, until), oldest first (for highlight detection)."""
    where = _filters(org_id, platform, channel_id, None, since, until)
    with uow:
        rows = uow.session.execute(
            select(MESSAGES.c.ts, MESSAGES.c.author_name, MESSAGES.c.text)
            .where(*where)
            .order_by(MESSAGES.c.ts)
            .limit(MAX_STRETCH)
        )
        return [ChatRecord(ts, author, text) for ts, author, text in rows]
