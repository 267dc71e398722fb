"""Auto-mod's use cases: word lists, decisions with escalation, violations, the audit trail."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update

from wavestack.kernel.clock import utcnow
from wavestack.kernel.errors import NotFound, ValidationFailed
from wavestack.kernel.ids import new_id
from wavestack.kernel.queries import insert_new, table_of
from wavestack.kernel.uow import UnitOfWork
from wavestack.services import bots
from wavestack.services.auto_mod.filters import TermFilter
from wavestack.services.auto_mod.images import NsfwDetector, judge_image
from wavestack.services.auto_mod.judge import Judge, Judgement, is_exempt
from wavestack.services.auto_mod.models import AuditEntry, ChannelSettings, FilterTerm, Violation
from wavestack.services.auto_mod.schemas import (
    AuditEntryOut,
    AuditPage,
    CheckRequest,
    CheckResponse,
    DetectionOut,
    ImageCheckIn,
    ImageCheckResponse,
    Scores,
)
from wavestack.services.auto_mod.settings import ModerationSettings
from wavestack.services.auto_mod.toxicity import ToxicityModel, bundled_model

TERMS = table_of(FilterTerm)
VIOLATIONS = table_of(Violation)
AUDIT = table_of(AuditEntry)
SETTINGS = table_of(ChannelSettings)
KINDS = ("word", "phrase")
VIOLATION_WINDOW = timedelta(hours=24)


def add_terms(uow: UnitOfWork, *, org_id: str, kind: str, terms: Iterable[str]) -> int:
    """Ban words or phrases; returns how many were new."""
    if kind not in KINDS:
        raise ValidationFailed(f"kind must be one of {', '.join(KINDS)}")
    cleaned = sorted({t.strip().casefold() for t in terms if t.strip()})
    if not cleaned or any(len(t) > 200 for t in cleaned):
        raise ValidationFailed("give 1 to 200 characters per term")
    now = utcnow()
    rows = [
        {"id": new_id(), "org_id": org_id, "kind": kind, "term": t, "created_at": now}
        for t in cleaned
    ]
    with uow:
        added = insert_new(uow.session, TERMS, rows)
        uow.commit()
    return added


def remove_terms(uow: UnitOfWork, *, org_id: str, kind: str, terms: Iterable[str]) -> int:
    """Lift bans; returns how many there were."""
    wanted = [t.strip().casefold() for t in terms]
    with uow:
        gone = uow.session.execute(
            delete(TERMS).where(
                TERMS.c.org_id == org_id, TERMS.c.kind == kind, TERMS.c.term.in_(wanted)
            )
        )
        uow.commit()
    return int(gone.rowcount)  # type: ignore[attr-defined]


def list_terms(uow: UnitOfWork, *, org_id: str) -> dict[str, list[str]]:
    """The banned words and phrases, alphabetically."""
    with uow:
        rows = uow.session.execute(
            select(TERMS.c.kind, TERMS.c.term)
            .where(TERMS.c.org_id == org_id)
            .order_by(TERMS.c.kind, TERMS.c.term)
        ).all()
    listed: dict[str, list[str]] = {"words": [], "phrases": []}
    for kind, term in rows:
        listed[f"{kind}s"].append(term)
    return listed


@dataclass(frozen=True)
class Message:
    """The message a decision is about."""

    platform: str
    channel_id: str
    user_id: str
    username: str
    text: str


@dataclass(frozen=True)
class Decision:
    """What to do about a message, with the chatter's standing violations counted in."""

    action: str  # none | warn | delete | timeout | ban
    duration_seconds: int
    violations_in_window: int
    audit_seq: int | None

    @property
    def should_delete(self) -> bool:
        """Every action but `none` removes the message."""
        return self.action != "none"

    @property
    def should_timeout(self) -> bool:
        """A timeout is the action."""
        return self.action == "timeout"

    @property
    def should_ban(self) -> bool:
        """A ban is the action."""
        return self.action == "ban"


def escalate(settings: ModerationSettings, count: int) -> tuple[str, int]:
    """The action for a chatter's `count`-th violation in the window, and its duration."""
    if settings.auto_ban and count >= settings.violations_for_ban:
        return "ban", 0
    if settings.auto_timeout:
        step = settings.ladder[min(count, len(settings.ladder)) - 1]
        name, _, seconds = step.partition(":")
        return name, int(seconds or 0)
    return ("delete", 0) if settings.auto_delete else ("none", 0)


def decide(
    uow: UnitOfWork,
    *,
    org_id: str,
    message: Message,
    judgement: Judgement,
    settings: ModerationSettings,
    now: datetime | None = None,
) -> Decision:
    """Record a flagged message as a violation, pick the action on the ladder, audit it."""
    if not judgement.flagged:
        return Decision("none", 0, 0, None)
    now = now or utcnow()
    with uow:
        count = 1 + int(
            uow.session.scalar(
                select(func.count())
                .select_from(VIOLATIONS)
                .where(
                    VIOLATIONS.c.org_id == org_id,
                    VIOLATIONS.c.platform == message.platform,
                    VIOLATIONS.c.user_id == message.user_id,
                    VIOLATIONS.c.revoked.is_(False),
                    VIOLATIONS.c.expires_at > now,
                )
            )
            or 0
        )
        action, seconds = escalate(settings, count)
        audit = AuditEntry(
            org_id=org_id,
            platform=message.platform,
            channel_id=message.channel_id,
            user_id=message.user_id,
            username=message.username,
            message=message.text[:10_000],
            violations=list(judgement.violations),
            scores=dict(judgement.scores),
            reason=judgement.reason[:500],
            action=action,
            duration_seconds=seconds,
            created_at=now,
        )
        uow.session.add(audit)
        uow.session.flush()
        uow.session.add(
            Violation(
                org_id=org_id,
                platform=message.platform,
                channel_id=message.channel_id,
                user_id=message.user_id,
                rules=list(judgement.violations),
                audit_seq=audit.seq,
                created_at=now,
                expires_at=now + VIOLATION_WINDOW,
            )
        )
        seq = audit.seq
        uow.commit()
    return Decision(action, seconds, count, seq)


def undo(uow: UnitOfWork, *, org_id: str, seq: int, by: str, false_positive: bool) -> None:
    """A moderator took an action back; its violation stops counting, the audit keeps it."""
    with uow:
        changed = uow.session.execute(
            update(AUDIT)
            .where(AUDIT.c.org_id == org_id, AUDIT.c.seq == seq, AUDIT.c.undone_at.is_(None))
            .values(undone_at=utcnow(), undone_by=by, false_positive=false_positive)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            raise NotFound("no such decision, or it was undone already")
        uow.session.execute(
            update(VIOLATIONS)
            .where(VIOLATIONS.c.org_id == org_id, VIOLATIONS.c.audit_seq == seq)
            .values(revoked=True)
        )
        uow.commit()


def active_violations(
    uow: UnitOfWork, *, org_id: str, user_id: str, now: datetime | None = None
) -> int:
    """How many violations of a chatter still count."""
    now = now or utcnow()
    with uow:
        return int(
            uow.session.scalar(
                select(func.count())
                .select_from(VIOLATIONS)
                .where(
                    VIOLATIONS.c.org_id == org_id,
                    VIOLATIONS.c.user_id == user_id,
                    VIOLATIONS.c.revoked.is_(False),
                    VIOLATIONS.c.expires_at > now,
                )
            )
            or 0
        )


# --- checking messages over the API -------------------------------------------------------

TERMS_TTL_SECONDS = 10.0  # another process's word-list change reaches this one within this


class Judges:
    """One judge per organization in this process: its word lists and its chat history."""

    def __init__(self, toxicity: ToxicityModel | None) -> None:
        self._toxicity = toxicity
        self._judges: dict[str, tuple[float, Judge]] = {}
        self._settings: dict[tuple[str, str, str], tuple[float, ModerationSettings]] = {}
        self._lock = threading.Lock()

    def for_org(self, uow: UnitOfWork, org_id: str) -> Judge:
        """The organization's judge, with word lists at most a few seconds old."""
        now = time.monotonic()
        with self._lock:
            loaded = self._judges.get(org_id)
        if loaded is not None and now - loaded[0] < TERMS_TTL_SECONDS:
            return loaded[1]
        listed = list_terms(uow, org_id=org_id)
        terms = TermFilter(listed["words"], listed["phrases"])
        with self._lock:
            judge = loaded[1] if loaded is not None else Judge(toxicity=self._toxicity)
            judge.terms = terms
            self._judges[org_id] = (now, judge)
        return judge

    def forget(self, org_id: str) -> None:
        """Reload the organization's lists and settings on next use (they changed here)."""
        with self._lock:
            self._judges.pop(org_id, None)
            for key in [key for key in self._settings if key[0] == org_id]:
                del self._settings[key]

    def settings(
        self, uow: UnitOfWork, org_id: str, platform: str, channel_id: str
    ) -> ModerationSettings:
        """A channel's settings, at most a few seconds old."""
        key = (org_id, platform, channel_id)
        now = time.monotonic()
        with self._lock:
            cached = self._settings.get(key)
        if cached is not None and now - cached[0] < TERMS_TTL_SECONDS:
            return cached[1]
        found = settings_for(uow, org_id=org_id, platform=platform, channel_id=channel_id)
        with self._lock:
            self._settings[key] = (now, found)
        return found


@functools.cache
def install_defaults() -> ModerationSettings:
    """The settings of this install (`WAVESTACK_AUTO_MOD_*`, read once)."""
    return ModerationSettings()


@functools.cache
def process_judges() -> Judges:
    """This process's judges, with the bundled toxicity model (loaded once)."""
    return Judges(bundled_model())


def settings_for(
    uow: UnitOfWork, *, org_id: str, platform: str, channel_id: str
) -> ModerationSettings:
    """The seed's defaults, then the organization's (`*`), then the channel's overrides."""
    with uow:
        rows = dict(
            uow.session.execute(
                select(SETTINGS.c.channel, SETTINGS.c.overrides).where(
                    SETTINGS.c.org_id == org_id,
                    SETTINGS.c.channel.in_(["*", f"{platform}:{channel_id}"]),
                )
            ).all()
        )
    merged = {**rows.get("*", {}), **rows.get(f"{platform}:{channel_id}", {})}
    return install_defaults().with_overrides(merged) if merged else install_defaults()


def save_settings(
    uow: UnitOfWork, *, org_id: str, channel: str, overrides: dict[str, Any]
) -> dict[str, Any]:
    """Store a channel's (or `*`: every channel's) overrides, replacing earlier ones."""
    with uow:
        uow.session.execute(
            delete(SETTINGS).where(SETTINGS.c.org_id == org_id, SETTINGS.c.channel == channel)
        )
        if overrides:
            uow.session.execute(
                SETTINGS.insert().values(
                    org_id=org_id, channel=channel, overrides=overrides, updated_at=utcnow()
                )
            )
        uow.commit()
    return overrides


def check(
    uow: UnitOfWork,
    *,
    org_id: str,
    judges: Judges,
    request: CheckRequest,
    emotes: int = 0,
    now: float | None = None,
) -> CheckResponse:
    """Judge a message, count it against its author, and say what to do (`now`: monotonic
    seconds, the chat pipeline's clock)."""
    settings = judges.settings(uow, org_id, request.platform, request.channel_id)
    judge = judges.for_org(uow, org_id)
    channel = f"{request.platform}:{request.channel_id}"
    first_time = False
    if not is_exempt(request.user_roles) and not judge.watch.knows(channel, request.user_id):
        first_time = not bots.has_account(
            uow,
            org_id=org_id,
            platform=request.platform,
            user_id=request.user_id,
        )
    judgement = judge.judge(
        request.message,
        channel=channel,
        user=request.user_id,
        username=request.username,
        roles=request.user_roles,
        now=time.monotonic() if now is None else now,
        emotes=emotes,
        first_time=first_time,
        settings=settings,
    )
    decision = decide(
        uow,
        org_id=org_id,
        message=Message(
            request.platform,
            request.channel_id,
            request.user_id,
            request.username or request.user_id,
            request.message,
        ),
        judgement=judgement,
        settings=settings,
    )
    actions = [] if decision.action == "none" else [decision.action]
    return CheckResponse(
        should_delete=decision.should_delete,
        should_timeout=decision.should_timeout,
        should_ban=decision.should_ban,
        timeout_duration=decision.duration_seconds,
        violations=judgement.violations,
        scores=Scores(
            filter=judgement.scores.get("filter", 0.0),
            toxicity=judgement.scores.get("toxicity", 0.0),
            spam=judgement.scores.get("spam", 0.0),
        ),
        actions=actions,
        reason=judgement.reason,
        violations_in_window=decision.violations_in_window,
        audit_id=decision.audit_seq,
        protective_mode=judgement.protected,
        join_wave=judgement.wave,
    )


def check_image(
    uow: UnitOfWork,
    *,
    org_id: str,
    judges: Judges,
    data: bytes,
    about: ImageCheckIn,
    detector: NsfwDetector | None = None,
) -> ImageCheckResponse:
    """Judge an image by the channel's settings (the install's without one); with a chatter
    named, an NSFW image is recorded, escalated and audited as a message would be."""
    settings = (
        judges.settings(uow, org_id, about.platform, about.channel_id)
        if about.platform and about.channel_id
        else install_defaults()
    )
    judged = judge_image(data, settings=settings, detector=detector)
    answer = ImageCheckResponse(
        nsfw=judged.nsfw,
        score=judged.score,
        threshold=settings.nsfw_threshold,
        classes=judged.classes,
        detections=[
            DetectionOut(label=d.label, score=round(d.score, 4), box=list(d.box))
            for d in judged.detections
        ],
        width=judged.width,
        height=judged.height,
        reason=judged.reason,
    )
    if not (judged.nsfw and about.platform and about.channel_id and about.user_id):
        return answer
    decision = decide(
        uow,
        org_id=org_id,
        message=Message(
            about.platform,
            about.channel_id,
            about.user_id,
            about.username or about.user_id,
            f"[image] {about.url or 'uploaded'}",
        ),
        judgement=Judgement(
            violations=["nsfw"], scores={"nsfw": judged.score}, reason=judged.reason
        ),
        settings=settings,
    )
    return answer.model_copy(
        update={
            "should_delete": decision.should_delete,
            "should_timeout": decision.should_timeout,
            "should_ban": decision.should_ban,
            "timeout_duration": decision.duration_seconds,
            "actions": [] if decision.action == "none" else [decision.action],
            "audit_id": decision.audit_seq,
        }
    )


def clear_violations(uow: UnitOfWork, *, org_id: str, user_id: str) -> int:
    """Forgive a chatter: their violations stop counting (the audit keeps its entries)."""
    with uow:
        changed = uow.session.execute(
            update(VIOLATIONS)
            .where(
                VIOLATIONS.c.org_id == org_id,
                VIOLATIONS.c.user_id == user_id,
                VIOLATIONS.c.revoked.is_(False),
            )
            .values(revoked=True)
        )
        uow.commit()
    return int(changed.rowcount)  # type: ignore[attr-defined]


def audit_page(
    uow: UnitOfWork,
    *,
    org_id: str,
    channel_id: str | None,
    user_id: str | None,
    action: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> AuditPage:
    """Decisions, newest first, filtered by channel, chatter, action and time."""
    where = [AUDIT.c.org_id == org_id]
    for column, value in (("channel_id", channel_id), ("user_id", user_id), ("action", action)):
        if value is not None:
            where.append(AUDIT.c[column] == value)
    if since is not None:
        where.append(AUDIT.c.created_at >= since)
    if until is not None:
        where.append(AUDIT.c.created_at < until)
    with uow:
        total = uow.session.scalar(select(func.count()).select_from(AUDIT).where(*where))
        rows = uow.session.execute(
            select(AUDIT).where(*where).order_by(AUDIT.c.seq.desc()).limit(limit).offset(offset)
        ).all()
    return AuditPage(
        entries=[AuditEntryOut.model_validate(row, from_attributes=True) for row in rows],
        total=int(total or 0),
    )
