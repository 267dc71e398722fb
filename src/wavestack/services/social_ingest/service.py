"""Use cases of social ingest: store, announce and delete messages, page through them, search."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence
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

from wavestack.kernel.bus import LiveBus
from wavestack.kernel.clock import as_utc, utcnow
from wavestack.kernel.errors import NotFound, ValidationFailed
from wavestack.kernel.logging import get_logger
from wavestack.kernel.messages import Envelope
from wavestack.kernel.queries import insert_new_returning, table_of
from wavestack.kernel.uow import UnitOfWork
from wavestack.services.social_ingest.events import StreamWentLive, StreamWentOffline
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

log = get_logger(__name__)
MESSAGES = table_of(ChatMessage)
# Enough for a long stream's chat; more is refused rather than silently cut.
MAX_STRETCH = 500_000


@dataclass(frozen=True)
class ChatRecord:
    """A message reduced to what analysis needs."""

    ts: datetime
    author: str
    text: str


def _row(org_id: str, event: MessageEvent, now: datetime) -> dict[str, object]:
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
        "created_at": now,
    }


class Ingested:
    """What `ingest` did: the counts `POST /api/v1/ingest` answers, and what to `announce`."""

    def __init__(
        self,
        result: IngestResult,
        changed: list[MessageEvent],
        edited: dict[tuple[str, str], StoredMessage],
    ) -> None:
        self.result = result
        self._changed = changed
        self._edited = edited

    def __bool__(self) -> bool:
        return bool(self._changed)

    @functools.cached_property
    def messages(self) -> list[StoredMessage]:
        """The messages this call stored or edited, in batch order: not those another
        concurrent copy of the batch stored first, nor repeats, nor messages deleted before.

        Built on first use: a pipeline with nobody listening never pays for them.
        """
        return [self._edited.get((e.platform, e.id)) or _from_event(e) for e in self._changed]


def ingest(uow: UnitOfWork, *, org_id: str, events: list[MessageEvent]) -> Ingested:
    """Store messages; a repeat is skipped, a repeat with new text is an edit.

    A message deleted earlier stays deleted: its repeats, edited or not, count as duplicates.
    Pass the result to `announce` once the transaction has committed.
    """
    latest: dict[tuple[str, str], MessageEvent] = {(e.platform, e.id): e for e in events}
    now = utcnow()
    with uow:
        # Insert first: chat is almost all new messages, so one statement usually does it.
        # Which rows went in, not just how many: when copies of a batch race, only the copy
        # that stored a message announces it.
        inserted = {
            (row.platform, row.platform_message_id)
            for row in insert_new_returning(
                uow.session,
                MESSAGES,
                [_row(org_id, e, now) for e in latest.values()],
                ("platform", "platform_message_id"),
            )
        }
        by_platform: dict[str, list[str]] = {}  # repeats: maybe edits, maybe deleted
        for key in latest:
            if key not in inserted:
                by_platform.setdefault(key[0], []).append(key[1])
        stored: dict[tuple[str, str], tuple[str, bool]] = {}  # key -> (text, deleted)
        for platform, message_ids in by_platform.items():
            # Equality on (org, platform) and IN on the id: a walk of the unique index.
            found = uow.session.execute(
                select(
                    MESSAGES.c.platform_message_id, MESSAGES.c.text, MESSAGES.c.deleted_at
                ).where(
                    MESSAGES.c.org_id == org_id,
                    MESSAGES.c.platform == platform,
                    MESSAGES.c.platform_message_id.in_(message_ids),
                )
            )
            stored.update(
                ((platform, message_id), (text, deleted_at is not None))
                for message_id, text, deleted_at in found
            )
        edited: dict[tuple[str, str], StoredMessage] = {}
        for key, event in latest.items():
            if key not in stored:
                continue
            text, deleted = stored[key]
            if deleted or text == event.text:
                continue
            # `deleted_at IS NULL` again: a deletion may have committed since the read above.
            row = uow.session.execute(
                update(MESSAGES)
                .where(
                    MESSAGES.c.org_id == org_id,
                    MESSAGES.c.platform == event.platform,
                    MESSAGES.c.platform_message_id == event.id,
                    MESSAGES.c.deleted_at.is_(None),
                )
                .values(text=event.text, edited_at=now)
                .returning(*MESSAGES.c)
            ).first()
            if row is not None:
                edited[key] = _stored(row)
        uow.commit()
    changed = [event for key, event in latest.items() if key in edited or key in inserted]
    accepted = len(inserted)
    return Ingested(
        IngestResult(
            accepted=accepted,
            duplicates=len(events) - accepted - len(edited),
            edited=len(edited),
        ),
        changed,
        edited,
    )


def _from_event(event: MessageEvent) -> StoredMessage:
    return StoredMessage(
        id=event.id,
        platform=event.platform,
        channel=event.channel,
        author=event.author,
        text=event.text,
        ts=event.ts,
        meta=event.meta,
    )


MESSAGES_STORED = "social_ingest.messages_stored"


def announce(bus: LiveBus, org_id: str, messages: Sequence[StoredMessage] | Ingested) -> None:
    """Tell live listeners (the message stream) about messages just stored or edited.

    Call it after the transaction that stored them has committed, with what `ingest` gave:
    `done = ingest(uow, ...)` then `announce(container.bus, org_id, done)` (the messages are
    only built when someone listens). When
    `ingest` ran inside an outer unit of work, announce after that one commits. Publishes
    one envelope of type `social_ingest.messages_stored` with data `{"messages": [...]}`,
    each message as `GET /api/v1/messages` shows it. Best effort like the bus itself: nothing
    to send sends nothing, and a bus failure is logged, never raised (the messages are
    stored; listeners can read them back).
    """
    if not messages:
        return
    try:
        # Turning every message into JSON costs more than storing it: skip it for nobody.
        if not bus.has_listeners():
            return
        stored = messages.messages if isinstance(messages, Ingested) else messages
        data = {"messages": [m.model_dump(mode="json", by_alias=True) for m in stored]}
        bus.publish(Envelope(type=MESSAGES_STORED, org_id=org_id, data=data))
    except Exception:
        log.exception("announcing stored messages failed")


# SQLite allows 32766 bound parameters per statement; stay well below.
_DELETE_CHUNK = 1000


def delete_messages(
    uow: UnitOfWork, *, org_id: str, platform: str, message_ids: Sequence[str]
) -> int:
    """Mark messages deleted (a platform or moderator removed them); return how many were not yet.

    Deleted messages leave lists, search and analytics, and ingesting them again does not
    bring them back. Unknown ids and messages deleted before are skipped.
    """
    wanted = list(dict.fromkeys(message_ids))
    now = utcnow()
    deleted = 0
    with uow:
        for first in range(0, len(wanted), _DELETE_CHUNK):
            deleted += len(
                uow.session.execute(
                    update(MESSAGES)
                    .where(
                        MESSAGES.c.org_id == org_id,
                        MESSAGES.c.platform == platform,
                        MESSAGES.c.platform_message_id.in_(wanted[first : first + _DELETE_CHUNK]),
                        MESSAGES.c.deleted_at.is_(None),
                    )
                    .values(deleted_at=now)
                    .returning(MESSAGES.c.seq)
                ).all()
            )
        uow.commit()
    return deleted


def delete_message(uow: UnitOfWork, *, org_id: str, platform: str, message_id: str) -> None:
    """Mark one message deleted; deleting it again is harmless, an unknown one is NotFound."""
    with uow:
        if not delete_messages(uow, org_id=org_id, platform=platform, message_ids=[message_id]):
            known = uow.session.scalar(
                select(MESSAGES.c.seq).where(
                    MESSAGES.c.org_id == org_id,
                    MESSAGES.c.platform == platform,
                    MESSAGES.c.platform_message_id == message_id,
                )
            )
            if known is None:
                raise NotFound("message not found")
        uow.commit()


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


@dataclass(frozen=True)
class OwnMessage:
    """A message the channel's owner (the broadcaster) wrote."""

    seq: int
    org_id: str
    platform: str
    text: str


def broadcaster_messages(
    uow: UnitOfWork, *, after: int, span: int = 50_000
) -> tuple[list[OwnMessage], int]:
    """Messages written by broadcasters (every organization), stored after position `after`,
    at most `span` positions on; and the position to read from next time. Deleted messages
    are left out."""
    with uow:
        last = uow.session.scalar(select(func.max(MESSAGES.c.seq))) or 0
        until = min(after + span, int(last))
        rows = uow.session.execute(
            select(MESSAGES.c.seq, MESSAGES.c.org_id, MESSAGES.c.platform, MESSAGES.c.text)
            .where(
                MESSAGES.c.seq > after,
                MESSAGES.c.seq <= until,
                MESSAGES.c.author_role == "broadcaster",
                MESSAGES.c.deleted_at.is_(None),
            )
            .order_by(MESSAGES.c.seq)
        )
        return [OwnMessage(*row) for row in rows], max(until, after)


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
# Relevance is ranked among the newest matches, at most this many: a word in a third of a
# million messages would otherwise be ranked a third of a million times per search.
SEARCH_CANDIDATES = 2000


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
            # Newest first, the planner walks the key backwards for common words (cheap) and
            # the GIN index for rare ones.
            newest = (
                select(MESSAGES.c.seq)
                .where(_SEARCH_VECTOR.op("@@")(query), *where)
                .order_by(MESSAGES.c.seq.desc())
                .limit(SEARCH_CANDIDATES)
                .subquery("newest")
            )
            rank: ColumnElement[Any] = func.ts_rank_cd(_SEARCH_VECTOR, query)
            statement = select(MESSAGES, rank.label("rank")).join(
                newest, newest.c.seq == MESSAGES.c.seq
            )
        else:
            # Each word quoted: user input never reaches FTS5's query syntax.
            match = " ".join('"' + word.replace('"', '""') + '"' for word in words)
            fts: ColumnElement[Any] = literal_column("social_ingest_messages_fts")
            # bm25() exists only in the query that matches; FTS5 yields rowids newest first.
            scored = (
                select(MESSAGES.c.seq, (-func.bm25(fts)).label("score"))
                .select_from(MESSAGES.join(_FTS, _FTS.c.rowid == MESSAGES.c.seq))
                .where(fts.op("MATCH")(match), *where)
                .order_by(_FTS.c.rowid.desc())
                .limit(SEARCH_CANDIDATES)
                .subquery("newest")
            )
            rank = scored.c.score
            statement = select(MESSAGES, rank.label("rank")).join(
                scored, scored.c.seq == MESSAGES.c.seq
            )
        rows = uow.session.execute(
            statement.order_by(rank.desc(), MESSAGES.c.ts.desc()).limit(limit)
        ).all()
    hits = [SearchHit(**_stored(row).model_dump(), rank=round(float(row.rank), 4)) for row in rows]
    return SearchResult(messages=hits, count=len(hits))


# --- platform events --------------------------------------------------------------------------

EVENTS = table_of(PlatformEvent)


STREAM_EVENTS: dict[str, type[StreamWentLive] | type[StreamWentOffline]] = {
    "stream_start": StreamWentLive,
    "stream_end": StreamWentOffline,
}


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
        stored = insert_new_returning(
            uow.session, EVENTS, rows, ("platform", "event_type", "channel_id")
        )
        # The stream monitor's news leaves as events too (webhooks, the live bus).
        for platform, kind, channel_id in stored:
            if kind in STREAM_EVENTS:
                uow.publish(
                    STREAM_EVENTS[kind](org_id=org_id, platform=platform, channel_id=channel_id)
                )
        uow.commit()
    return EventRecorded(accepted=len(stored), duplicates=len(events) - len(stored))


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
