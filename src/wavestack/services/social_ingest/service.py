"""Use cases of social ingest: store messages idempotently, page through them, read a stretch."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Table,
    column,
    distinct,
    func,
    literal_column,
    select,
    update,
)
from sqlalchemy import table as sa_table

from wavestack.kernel.clock import as_utc, utcnow
from wavestack.kernel.errors import NotFound, ValidationFailed
from wavestack.kernel.queries import insert_new, table_of
from wavestack.kernel.uow import UnitOfWork
from wavestack.services.social_ingest.models import ChatMessage, PlatformEvent
from wavestack.services.social_ingest.schemas import (
    AuthorRef,
    ChannelDay,
    ChannelRef,
    ChatterCount,
    Counted,
    EventPage,
    EventRecorded,
    IngestResult,
    MessageEvent,
    MessagePage,
    PlatformEventIn,
    SearchHit,
    SearchResult,
    StoredEvent,
    StoredMessage,
    UserAnalytics,
)
from wavestack.services.social_ingest.text import emotes_of, hashtags_of

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
    latest: dict[tuple[str, str], MessageEvent] = {(e.platform, e.id): e for e in events}
    by_platform: dict[str, list[str]] = {}  # the last copy of a message wins
    for key in latest:
        by_platform.setdefault(key[0], []).append(key[1])
    with uow:
        stored: dict[tuple[str, str], str] = {}
        for platform, message_ids in by_platform.items():
            # Equality on (org, platform) and IN on the id: a walk of the unique index.
            found = uow.session.execute(
                select(MESSAGES.c.platform_message_id, MESSAGES.c.text).where(
                    MESSAGES.c.org_id == org_id,
                    MESSAGES.c.platform == platform,
                    MESSAGES.c.platform_message_id.in_(message_ids),
                )
            )
            stored.update(((platform, message_id), text) for message_id, text in found)
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


def _matching(
    table: Table,
    org_id: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    **equal: str | None,
) -> list[ColumnElement[bool]]:
    """Rows of the organization equal to the values given (None: any), in [since, until)."""
    where = [table.c.org_id == org_id]
    where += [table.c[name] == value for name, value in equal.items() if value is not None]
    if since is not None:
        where.append(table.c.ts >= since)
    if until is not None:
        where.append(table.c.ts < until)
    return where


def _filters(
    org_id: str,
    platform: str | None,
    channel_id: str | None,
    user_id: str | None,
    since: datetime | None,
    until: datetime | None,
) -> list[ColumnElement[bool]]:
    """Messages not deleted, by platform, channel, author and time."""
    where = _matching(
        MESSAGES,
        org_id,
        since=since,
        until=until,
        platform=platform,
        channel_id=channel_id,
        author_id=user_id,
    )
    return [*where, MESSAGES.c.deleted_at.is_(None)]


def _stored(row: Row[Any]) -> StoredMessage:
    return StoredMessage(
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
            .order_by(MESSAGES.c.ts.desc(), MESSAGES.c.seq.desc())
            .limit(limit)
            .offset(offset)
        )
        messages = [_stored(row) for row in rows]
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


# --- analytics ------------------------------------------------------------------------------

# Emote, hashtag and activity counts read the most recent messages up to this many.
ANALYSIS_SAMPLE = 50_000
TOP = 10


def _top(counter: Counter[str]) -> list[Counted]:
    return [Counted(name=name, count=count) for name, count in counter.most_common(TOP)]


def user_analytics(
    uow: UnitOfWork, *, org_id: str, user_id: str, platform: str | None
) -> UserAnalytics:
    """How one chatter talks: volume, length, when, which emotes and hashtags."""
    where = _filters(org_id, platform, None, user_id, None, None)
    with uow:
        count, average, first, last = uow.session.execute(
            select(
                func.count(),
                func.avg(func.length(MESSAGES.c.text)),
                func.min(MESSAGES.c.ts),
                func.max(MESSAGES.c.ts),
            ).where(*where)
        ).one()
        if not count:
            raise NotFound("no messages from this user")
        rows = uow.session.execute(
            select(MESSAGES.c.ts, MESSAGES.c.text, MESSAGES.c.meta, MESSAGES.c.author_name)
            .where(*where)
            .order_by(MESSAGES.c.ts.desc())
            .limit(ANALYSIS_SAMPLE)
        ).all()
    hours: Counter[int] = Counter()
    days: Counter[int] = Counter()
    emotes: Counter[str] = Counter()
    hashtags: Counter[str] = Counter()
    for ts, text, meta, _name in rows:
        hours[ts.hour] += 1
        days[ts.isoweekday()] += 1
        emotes.update(emotes_of(text, meta))
        hashtags.update(hashtags_of(text))
    return UserAnalytics(
        user_id=user_id,
        platform=platform,
        name=rows[0].author_name,
        message_count=int(count),
        average_length=round(float(average or 0), 2),
        active_hours=dict(sorted(hours.items())),
        active_days=dict(sorted(days.items())),
        top_emotes=_top(emotes),
        top_hashtags=_top(hashtags),
        first_seen=as_utc(first),
        last_seen=as_utc(last),
    )


def channel_day(
    uow: UnitOfWork, *, org_id: str, channel_id: str, platform: str | None, day: date
) -> ChannelDay:
    """One channel's day (UTC): messages, unique chatters, top chatters and emotes."""
    since = datetime.combine(day, time.min, tzinfo=UTC)
    where = _filters(org_id, platform, channel_id, None, since, since + timedelta(days=1))
    with uow:
        messages, chatters = uow.session.execute(
            select(func.count(), func.count(distinct(MESSAGES.c.author_id))).where(*where)
        ).one()
        top_users = _chatter_counts(uow, where, limit=TOP)
        texts = uow.session.execute(
            select(MESSAGES.c.text, MESSAGES.c.meta).where(*where).limit(ANALYSIS_SAMPLE)
        ).all()
    emotes: Counter[str] = Counter()
    for text, meta in texts:
        emotes.update(emotes_of(text, meta))
    return ChannelDay(
        channel_id=channel_id,
        platform=platform,
        date=day.isoformat(),
        messages=int(messages),
        unique_chatters=int(chatters),
        top_users=top_users,
        top_emotes=_top(emotes),
    )


def _chatter_counts(
    uow: UnitOfWork, where: list[ColumnElement[bool]], *, limit: int
) -> list[ChatterCount]:
    messages = func.count().label("messages")
    rows = uow.session.execute(
        select(
            MESSAGES.c.platform,
            MESSAGES.c.author_id,
            func.max(MESSAGES.c.author_name),
            messages,
        )
        .where(*where)
        .group_by(MESSAGES.c.platform, MESSAGES.c.author_id)
        .order_by(messages.desc(), MESSAGES.c.author_id)
        .limit(limit)
    )
    return [
        ChatterCount(user_id=author_id, name=name, platform=platform, value=int(value))
        for platform, author_id, name, value in rows
    ]


def leaderboard(
    uow: UnitOfWork,
    *,
    org_id: str,
    metric: str,
    platform: str | None,
    channel_id: str | None,
    limit: int,
) -> list[ChatterCount]:
    """The most active chatters by `metric` (messages; points and XP come with the economy)."""
    if metric != "messages":
        raise ValidationFailed(
            f"metric: {metric!r} is not known; `messages` is",
            details=[{"field": "metric", "message": "unknown metric"}],
        )
    with uow:
        return _chatter_counts(
            uow, _filters(org_id, platform, channel_id, None, None, None), limit=limit
        )


# --- full-text search -------------------------------------------------------------------------

_SEARCH_WORD = re.compile(r"\w+")
_FTS = sa_table("social_ingest_messages_fts", column("rowid"))
_SEARCH_VECTOR: ColumnElement[Any] = literal_column("social_ingest_messages.search")


def search_messages(
    uow: UnitOfWork,
    *,
    org_id: str,
    q: str,
    platform: str | None,
    channel_id: str | None,
    limit: int,
) -> SearchResult:
    """Messages containing every word of `q`, most relevant first."""
    words = _SEARCH_WORD.findall(q)
    if not words:
        raise ValidationFailed(
            "q: give at least one word to search for",
            details=[{"field": "q", "message": "no searchable words"}],
        )
    where = _filters(org_id, platform, channel_id, None, None, None)
    with uow:
        if uow.session.get_bind().dialect.name == "postgresql":
            query = func.plainto_tsquery("simple", " ".join(words))
            rank: ColumnElement[Any] = func.ts_rank_cd(_SEARCH_VECTOR, query)
            statement = select(MESSAGES, rank.label("rank")).where(
                _SEARCH_VECTOR.op("@@")(query), *where
            )
        else:
            # Each word quoted: user input never reaches FTS5's query syntax.
            match = " ".join('"' + word.replace('"', '""') + '"' for word in words)
            rank = -func.bm25(literal_column("social_ingest_messages_fts"))
            statement = (
                select(MESSAGES, rank.label("rank"))
                .select_from(MESSAGES.join(_FTS, _FTS.c.rowid == MESSAGES.c.seq))
                .where(literal_column("social_ingest_messages_fts").op("MATCH")(match), *where)
            )
        rows = uow.session.execute(
            statement.order_by(rank.desc(), MESSAGES.c.ts.desc()).limit(limit)
        ).all()
    hits = [SearchHit(**_stored(row).model_dump(), rank=round(float(row.rank), 4)) for row in rows]
    return SearchResult(messages=hits, count=len(hits))


# --- platform events --------------------------------------------------------------------------

EVENTS = table_of(PlatformEvent)


def record_events(uow: UnitOfWork, *, org_id: str, events: list[PlatformEventIn]) -> EventRecorded:
    """Store platform events; one already stored (same platform and id) is skipped."""
    rows = [
        {
            "org_id": org_id,
            "platform": e.platform,
            "platform_event_id": e.id,
            "event_type": e.event_type,
            "channel_id": e.channel_id,
            "user_id": e.user_id,
            "user_name": e.user_name,
            "amount": e.amount,
            "data": e.data,
            "ts": e.ts,
            "created_at": utcnow(),
        }
        for e in {(e.platform, e.id): e for e in events}.values()
    ]
    with uow:
        accepted = insert_new(uow.session, EVENTS, rows)
        uow.commit()
    return EventRecorded(accepted=accepted, duplicates=len(events) - accepted)


def list_events(
    uow: UnitOfWork,
    *,
    org_id: str,
    platform: str | None,
    event_type: str | None,
    channel_id: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> EventPage:
    """Page through platform events, newest first."""
    where = _matching(
        EVENTS,
        org_id,
        since=since,
        until=until,
        platform=platform,
        event_type=event_type,
        channel_id=channel_id,
    )
    with uow:
        count = int(uow.session.scalar(select(func.count()).select_from(EVENTS).where(*where)) or 0)
        rows = uow.session.execute(
            select(EVENTS)
            .where(*where)
            .order_by(EVENTS.c.ts.desc(), EVENTS.c.seq.desc())
            .limit(limit)
            .offset(offset)
        ).all()
    found = [
        StoredEvent(
            id=row.platform_event_id,
            platform=row.platform,
            event_type=row.event_type,
            channel_id=row.channel_id,
            user_id=row.user_id,
            user_name=row.user_name,
            amount=row.amount,
            data=row.data,
            ts=row.ts,
        )
        for row in rows
    ]
    return EventPage(events=found, count=count, has_more=offset + len(found) < count)
