"""Use cases of the content queue: idempotent creation, listing, changes while queued, cancel."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError

from wavestack.kernel.clock import utcnow
from wavestack.kernel.errors import Conflict, IdempotencyKeyReused, ValidationFailed
from wavestack.kernel.queries import get_for_org, read_for_org, read_page
from wavestack.kernel.schemas import Page
from wavestack.kernel.uow import UnitOfWork
from wavestack.services import cms
from wavestack.services.content_queue import rules, slots
from wavestack.services.content_queue.events import (
    QueueItemCanceled,
    QueueItemCreated,
    QueueItemUpdated,
)
from wavestack.services.content_queue.models import QueueItem
from wavestack.services.content_queue.schemas import (
    Delivery,
    PlatformOptions,
    QueueItemCreate,
    QueueItemRead,
    QueueItemUpdate,
    QueueStatus,
)


def request_fingerprint(data: QueueItemCreate) -> str:
    """Hash the request as the client meant it, so a replay can be told from a reuse."""
    body = data.model_dump(mode="json", exclude={"idempotency_key"})
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _field_error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", details=[{"field": field, "message": message}])


def _check_refs(
    uow: UnitOfWork,
    *,
    org_id: str,
    project_id: str | None,
    asset_id: str | None,
    extra_asset_ids: list[str] | None = None,
    options: PlatformOptions | None = None,
) -> None:
    if project_id is not None and not cms.project_exists(uow, org_id=org_id, project_id=project_id):
        raise _field_error("projectId", "no such project in this organization")
    if asset_id is not None and not cms.asset_exists(uow, org_id=org_id, asset_id=asset_id):
        raise _field_error("assetId", "no such asset in this organization")
    for extra in extra_asset_ids or []:
        if not cms.asset_exists(uow, org_id=org_id, asset_id=extra):
            raise _field_error("extraAssetIds", f"no asset {extra} in this organization")
    youtube = options.youtube if options is not None else None
    if youtube is not None and youtube.thumbnail_asset_id is not None:
        field = "options.youtube.thumbnailAssetId"
        if not cms.asset_exists(uow, org_id=org_id, asset_id=youtube.thumbnail_asset_id):
            raise _field_error(field, "no such asset in this organization")
        thumbnail = cms.get_asset(uow, org_id=org_id, asset_id=youtube.thumbnail_asset_id)
        if thumbnail.mime_type not in ("image/jpeg", "image/png"):
            raise _field_error(field, "YouTube thumbnails are JPEG or PNG images")
        if (thumbnail.size_bytes or 0) > rules.YOUTUBE_THUMBNAIL_BYTES:
            raise _field_error(field, "YouTube thumbnails are at most 2 MiB")
    if youtube is not None and youtube.publish_at is not None and youtube.publish_at < utcnow():
        raise _field_error("options.youtube.publishAt", "is in the past")


def media_facts(asset: cms.AssetRead) -> dict[str, object]:
    """What the platform rules check of an asset."""
    return {
        "mimeType": asset.mime_type,
        "sizeBytes": asset.size_bytes,
        "duration": asset.duration,
        "width": asset.width,
        "height": asset.height,
    }


def _check_fit(uow: UnitOfWork, item: QueueItem) -> None:
    """422 when the content does not fit one of its platforms."""
    if item.extra_asset_ids and not item.asset_id:
        raise _field_error("extraAssetIds", "come after assetId: give that first")
    assets = [
        cms.get_asset(uow, org_id=item.org_id, asset_id=asset_id) for asset_id in item.media_ids
    ]
    found = rules.problems(
        item.platforms,
        title=item.title,
        caption=item.caption,
        hashtags=item.hashtags,
        assets=[media_facts(asset) for asset in assets],
        options=PlatformOptions.model_validate(item.options).model_dump(
            mode="json", by_alias=True, exclude_none=True
        ),
    )
    if found:
        raise ValidationFailed(
            "; ".join(problem.message for problem in found),
            details=[problem.detail() for problem in found],
        )


def _when(
    uow: UnitOfWork,
    org_id: str,
    asked: datetime | str | None,
    platforms: list[str],
    item_id: str | None,
) -> datetime | None:
    """The time to publish: as asked (not in the past), or the next free posting slot."""
    now = utcnow()
    if isinstance(asked, str):  # "next_slot", the one word the schema allows
        return slots.next_slot(
            uow, org_id=org_id, platforms=platforms, now=now, ignore_item=item_id
        )
    _check_schedule(asked, now)
    return asked


def _check_schedule(schedule_at: datetime | None, now: datetime) -> None:
    if schedule_at is not None and schedule_at < now:
        raise _field_error("scheduleAt", "is in the past")


_BY_KEY = select(QueueItem).where(
    QueueItem.org_id == bindparam("org_id"), QueueItem.idempotency_key == bindparam("key")
)


def _by_key(uow: UnitOfWork, org_id: str, key: str) -> QueueItem | None:
    return uow.session.scalar(_BY_KEY, {"org_id": org_id, "key": key})


def _replay(item: QueueItem, fingerprint: str) -> QueueItemRead:
    if item.request_hash != fingerprint:
        raise IdempotencyKeyReused(
            "this idempotency key was used with a different request",
            details={"itemId": item.id},
        )
    return QueueItemRead.model_validate(item)


def resolve_idempotency_key(body_key: str | None, header_key: str | None) -> str:
    """Pick the idempotency key from the body or the header; one is required, both must agree."""
    header_key = header_key.strip() if header_key else None
    if body_key and header_key and body_key != header_key:
        raise _field_error("idempotencyKey", "differs from the Idempotency-Key header")
    key = body_key or header_key
    if not key:
        raise _field_error(
            "idempotencyKey", "is required (in the body or the Idempotency-Key header)"
        )
    if len(key) > 255:
        raise _field_error("idempotencyKey", "must be at most 255 characters")
    return key


def create_item(
    uow: UnitOfWork, *, org_id: str, data: QueueItemCreate, key: str
) -> tuple[QueueItemRead, bool]:
    """Queue content; the same key and request again returns the first item (created=False)."""
    fingerprint = request_fingerprint(data)
    try:
        with uow:
            existing = _by_key(uow, org_id, key)
            if existing is not None:
                return _replay(existing, fingerprint), False
            _check_refs(
                uow,
                org_id=org_id,
                project_id=data.project_id,
                asset_id=data.asset_id,
                extra_asset_ids=data.extra_asset_ids,
                options=data.options,
            )
            schedule_at = _when(uow, org_id, data.schedule_at, list(data.platforms), None)
            item = QueueItem(
                org_id=org_id,
                project_id=data.project_id,
                asset_id=data.asset_id,
                extra_asset_ids=list(data.extra_asset_ids),
                title=data.title,
                caption=data.caption,
                hashtags=data.hashtags,
                platforms=list(data.platforms),
                options=_stored(data.options),
                schedule_at=schedule_at,
                idempotency_key=key,
                request_hash=fingerprint,
            )
            _check_fit(uow, item)
            uow.session.add(item)
            uow.session.flush()
            uow.publish(
                QueueItemCreated(
                    org_id=org_id,
                    item_id=item.id,
                    project_id=item.project_id,
                    asset_id=item.asset_id,
                    platforms=item.platforms,
                    schedule_at=item.schedule_at.isoformat() if item.schedule_at else None,
                )
            )
            uow.commit()
            return QueueItemRead.model_validate(item), True
    except IntegrityError:
        # A concurrent request with the same key won the insert: answer as a replay of it.
        with uow:
            existing = _by_key(uow, org_id, key)
            if existing is None:
                raise
            return _replay(existing, fingerprint), False


def list_items(
    uow: UnitOfWork,
    *,
    org_id: str,
    status: QueueStatus | None,
    project_id: str | None,
    limit: int,
    offset: int,
) -> Page[QueueItemRead]:
    """List queue items, newest first."""
    with uow:
        return read_page(
            uow.session,
            QueueItem,
            QueueItemRead,
            match={"org_id": org_id, "status": status, "project_id": project_id},
            limit=limit,
            offset=offset,
        )


def get_item(uow: UnitOfWork, *, org_id: str, item_id: str) -> QueueItemRead:
    """Return one queue item."""
    with uow:
        return read_for_org(
            uow.session, QueueItem, QueueItemRead, org_id=org_id, id=item_id, what="queue item"
        )


def update_item(
    uow: UnitOfWork, *, org_id: str, item_id: str, data: QueueItemUpdate
) -> QueueItemRead:
    """Change a queued item; once publishing began it is a conflict."""
    changes = data.model_dump(exclude_unset=True)
    required = {"project_id", "extra_asset_ids", "title", "platforms", "hashtags"}
    nulls = sorted(f for f in required if f in changes and changes[f] is None)
    if nulls:
        raise ValidationFailed(f"{', '.join(nulls)} cannot be null")
    with uow:
        item = get_for_org(
            uow.session, QueueItem, org_id=org_id, id=item_id, what="queue item", for_update=True
        )
        if item.status != "queued":
            raise Conflict(f"the item is {item.status}; only queued items can be changed")
        _check_refs(
            uow,
            org_id=org_id,
            project_id=data.project_id,
            asset_id=data.asset_id,
            extra_asset_ids=data.extra_asset_ids,
            options=data.options,
        )
        if "options" in changes:
            changes["options"] = _stored(data.options or PlatformOptions())
        if "schedule_at" in changes:
            platforms = changes.get("platforms") or item.platforms
            changes["schedule_at"] = _when(uow, org_id, data.schedule_at, platforms, item.id)
        changed = [f for f, v in changes.items() if getattr(item, f) != v]
        for field in changed:
            setattr(item, field, changes[field])
        if changed:
            _check_fit(uow, item)
            item.updated_at = utcnow()
            uow.publish(QueueItemUpdated(org_id=org_id, item_id=item.id, changed=changed))
        uow.commit()
        return QueueItemRead.model_validate(item)


def _stored(options: PlatformOptions) -> dict[str, Any]:
    return options.model_dump(mode="json", exclude_none=True)


def cancel_item(uow: UnitOfWork, *, org_id: str, item_id: str) -> QueueItemRead:
    """Cancel a queued item; canceling twice is fine, after publishing began it is a conflict."""
    with uow:
        item = get_for_org(
            uow.session, QueueItem, org_id=org_id, id=item_id, what="queue item", for_update=True
        )
        if item.status == "canceled":
            return QueueItemRead.model_validate(item)
        if item.status != "queued":
            raise Conflict(f"the item is {item.status}; publishing already began")
        item.status = "canceled"
        item.updated_at = utcnow()
        uow.publish(QueueItemCanceled(org_id=org_id, item_id=item.id))
        uow.commit()
        return QueueItemRead.model_validate(item)


def claim_due(uow: UnitOfWork, *, now: datetime, limit: int) -> list[QueueItemRead]:
    """Take up to `limit` queued items that are due and whose asset is ready: they become
    `processing`, each platform `pending`. Rows another claimer holds are skipped (`SKIP
    LOCKED` on PostgreSQL; SQLite has one writer). An item whose asset failed or is gone
    fails; one whose asset is still coming waits. Runs in the caller's transaction when
    there is one, so the caller can queue the publishing in the same commit."""
    due = (
        select(QueueItem)
        .where(
            QueueItem.status == "queued",
            or_(QueueItem.schedule_at.is_(None), QueueItem.schedule_at <= now),
        )
        .order_by(func.coalesce(QueueItem.schedule_at, QueueItem.created_at))
        .with_for_update(skip_locked=True)
    )
    with uow:
        claimed: list[QueueItemRead] = []
        passed: list[str] = []  # due but not claimed (assets still coming): look past them
        while len(claimed) < limit:
            wanted = limit - len(claimed)
            found = due.where(QueueItem.id.not_in(passed)) if passed else due
            items = list(uow.session.scalars(found.limit(wanted)))
            assets = cms.asset_statuses(uow, [(i.org_id, a) for i in items for a in i.media_ids])
            for item in items:
                status = _least_ready(assets, item.media_ids)
                if status in ("pending", "processing"):
                    passed.append(item.id)
                    continue
                item.updated_at = now
                if status != "ready":
                    passed.append(item.id)
                    item.status = "failed"
                    item.error = "the asset is gone" if status is None else "the asset failed"
                    continue
                item.status = "processing"
                item.deliveries = {p: {"status": "pending"} for p in item.platforms}
                claimed.append(QueueItemRead.model_validate(item))
            if len(items) < wanted:
                break  # nothing more is due
        uow.commit()
        return claimed


def _least_ready(statuses: dict[str, str], asset_ids: list[str]) -> str | None:
    """The status that decides for an item's media: gone or failed before still coming,
    still coming before ready."""
    found = [statuses.get(asset_id) for asset_id in asset_ids]
    for worst in (None, "failed", "pending", "processing"):
        if worst in found:
            return worst
    return "ready"


TERMINAL = ("published", "failed")


def deliveries_in(
    uow: UnitOfWork, status: str, *, limit: int
) -> list[tuple[QueueItemRead, str, Delivery]]:
    """Deliveries in `status` (`unconfirmed`, `publishing`), oldest item first: each item
    with the platform and the delivery. (Only processing items can hold one; they are few,
    so they are read whole rather than searched inside their JSON.)"""
    with uow:
        items = uow.session.scalars(
            select(QueueItem).where(QueueItem.status == "processing").order_by(QueueItem.updated_at)
        )
        found: list[tuple[QueueItemRead, str, Delivery]] = []
        for item in items:
            for platform, raw in (item.deliveries or {}).items():
                if raw.get("status") == status:
                    read = QueueItemRead.model_validate(item)
                    found.append((read, platform, read.deliveries[platform]))
            if len(found) >= limit:
                break
        return found[:limit]


def record_delivery(
    uow: UnitOfWork, *, org_id: str, item_id: str, platform: str, delivery: Delivery
) -> QueueItemRead:
    """Note how publishing to one platform went; when every platform is done, the item is
    `published` (all went out) or `failed` (with each failed platform's reason)."""
    with uow:
        item = get_for_org(
            uow.session, QueueItem, org_id=org_id, id=item_id, what="queue item", for_update=True
        )
        deliveries = dict(item.deliveries or {})
        deliveries[platform] = delivery.model_dump(mode="json", by_alias=True)
        item.deliveries = deliveries  # a new dict: the JSON column sees the change
        states = [Delivery.model_validate(d) for d in deliveries.values()]
        if item.status == "processing" and all(d.status in TERMINAL for d in states):
            failed = {p: d for p, d in deliveries.items() if d["status"] == "failed"}
            item.status = "failed" if failed else "published"
            item.error = "; ".join(f"{p}: {d.get('error')}" for p, d in failed.items()) or None
        item.updated_at = utcnow()
        uow.commit()
        return QueueItemRead.model_validate(item)


def start_delivery(
    uow: UnitOfWork,
    *,
    org_id: str,
    item_id: str,
    platform: str,
    expect: str = "pending",
    to: Delivery | None = None,
) -> QueueItemRead | None:
    """Take a platform's delivery if it is `pending` (or `expect`) and the item still is
    processing: it becomes `publishing` since now (or `to`), and the item is returned as it
    was; None when it is not (canceled, done, or another worker has it)."""
    with uow:
        item = get_for_org(
            uow.session, QueueItem, org_id=org_id, id=item_id, what="queue item", for_update=True
        )
        current = (item.deliveries or {}).get(platform) or {}
        if item.status != "processing" or current.get("status") != expect:
            return None
        before = QueueItemRead.model_validate(item)
        taken = to or Delivery(status="publishing", since=utcnow())
        item.deliveries = {
            **item.deliveries,
            platform: taken.model_dump(mode="json", by_alias=True),
        }
        item.updated_at = utcnow()
        uow.commit()
        return before
