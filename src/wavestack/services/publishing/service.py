"""Use cases of posts: recording where content was published and listing it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import func, select

from wavestack.kernel.clock import as_utc, utcnow
from wavestack.kernel.logging import get_logger
from wavestack.kernel.queries import read_page
from wavestack.kernel.schemas import Page
from wavestack.kernel.uow import UnitOfWork
from wavestack.services import cms, content_queue
from wavestack.services.content_queue import Delivery
from wavestack.services.publishing.events import PostFailed, PostPublished, PublishToPlatform
from wavestack.services.publishing.limits import Limit
from wavestack.services.publishing.models import Post
from wavestack.services.publishing.publishers import (
    NotPosted,
    Published,
    Publisher,
    PublishFailed,
    PublishUnconfirmed,
    RateLimited,
)
from wavestack.services.publishing.schemas import PostRead

log = get_logger(__name__)
UowFactory = Callable[[], UnitOfWork]
CONFIRM_FOR = timedelta(hours=24)  # how long a platform may take to show an unconfirmed post


def record_post(
    uow: UnitOfWork,
    *,
    org_id: str,
    queue_item_id: str,
    platform: str,
    external_id: str,
    url: str | None,
    published_at: datetime | None = None,
) -> PostRead:
    """Record a publication; recording the same (item, platform) again returns the first."""
    with uow:
        existing = uow.session.scalar(
            select(Post).where(Post.queue_item_id == queue_item_id, Post.platform == platform)
        )
        if existing is not None:
            return PostRead.model_validate(existing)
        post = Post(
            org_id=org_id,
            queue_item_id=queue_item_id,
            platform=platform,
            external_id=external_id,
            url=url,
        )
        if published_at is not None:
            post.published_at = published_at
        uow.session.add(post)
        uow.session.flush()
        uow.publish(
            PostPublished(
                org_id=org_id,
                post_id=post.id,
                queue_item_id=queue_item_id,
                platform=platform,
                url=url,
            )
        )
        uow.commit()
        return PostRead.model_validate(post)


def list_posts(
    uow: UnitOfWork,
    *,
    org_id: str,
    platform: str | None,
    queue_item_id: str | None,
    limit: int,
    offset: int,
) -> Page[PostRead]:
    """List published posts, newest first."""
    match = {"org_id": org_id, "platform": platform, "queue_item_id": queue_item_id}
    with uow:
        return read_page(
            uow.session,
            Post,
            PostRead,
            match=match,
            newest_by="published_at",
            limit=limit,
            offset=offset,
        )


def publish(
    uow: UowFactory,
    publishers: Mapping[str, Publisher],
    job: PublishToPlatform,
    limit: Limit | None = None,
) -> None:
    """Publish one queue item on one platform, once: a delivery another worker holds, or
    one already done, is left alone. Over the platform's `limit`, the job waits until the
    window frees up. A refusal fails the delivery with its reason; any other error puts it
    back to pending and raises, for the job to be retried."""
    if limit is not None and _wait_for_limit(uow(), job, limit):
        return
    item = content_queue.start_delivery(
        uow(), org_id=job.org_id, item_id=job.item_id, platform=job.platform
    )
    if item is None:
        return
    publisher = publishers.get(job.platform)
    if publisher is None:
        fail(uow, job, f"publishing to {job.platform} is not available yet")
        return
    try:
        assets = [
            cms.get_asset(uow(), org_id=job.org_id, asset_id=asset_id)
            for asset_id in item.media_ids
        ]
        published = publisher.publish(item, assets)
    except PublishFailed as exc:
        fail(uow, job, str(exc))
        return
    except PublishUnconfirmed as exc:
        _unconfirmed(uow, job, exc)
        return
    except RateLimited as exc:
        later = uow()
        with later:
            _deliver(later, job, Delivery(status="pending", error=str(exc)))
            later.enqueue(job, eta=exc.retry_at)
            later.commit()
        return
    except Exception:
        _deliver(uow(), job, Delivery(status="pending"))
        raise
    _published(uow, job, published)


def _published(uow: UowFactory, job: PublishToPlatform, published: Published) -> None:
    """Record the post and mark the delivery published, in one transaction."""
    done = uow()
    with done:
        post = record_post(
            done,
            org_id=job.org_id,
            queue_item_id=job.item_id,
            platform=job.platform,
            external_id=published.external_id,
            url=published.url,
        )
        _deliver(
            done,
            job,
            Delivery(status="published", url=published.url, post_id=post.id, error=published.note),
        )
        done.commit()


def _unconfirmed(uow: UowFactory, job: PublishToPlatform, exc: PublishUnconfirmed) -> None:
    log.warning("publishing unconfirmed", platform=job.platform, item_id=job.item_id)
    delivery = Delivery(status="unconfirmed", error=str(exc), ref=exc.ref, since=utcnow())
    _deliver(uow(), job, delivery)


def confirm_unconfirmed(
    uow: UowFactory,
    publishers: Mapping[str, Publisher],
    *,
    now: datetime,
    give_up_after: timedelta = CONFIRM_FOR,
    limit: int = 100,
) -> int:
    """Ask the platforms about posts that got no answer: a post the platform shows is
    recorded, one it is sure is not up is published again, and one still unknown after
    `give_up_after` fails, saying to look on the platform. Returns how many were settled."""
    settled = 0
    for waiting, platform, _ in content_queue.deliveries_in(uow(), "unconfirmed", limit=limit):
        job = PublishToPlatform(org_id=waiting.org_id, item_id=waiting.id, platform=platform)
        # Taken like a publish, so two sweeps never finish one post twice.
        item = content_queue.start_delivery(
            uow(), org_id=job.org_id, item_id=job.item_id, platform=platform, expect="unconfirmed"
        )
        if item is None:
            continue
        delivery = item.deliveries[platform]
        confirm = getattr(publishers.get(platform), "confirm", None)
        try:
            found = confirm(item, delivery.ref) if confirm and delivery.ref else None
        except NotPosted:
            again = uow()
            with again:
                note = f"{platform} shows no such post: publishing it again"
                _deliver(again, job, Delivery(status="pending", error=note))
                again.enqueue(job)
                again.commit()
            settled += 1
            continue
        except PublishFailed as exc:
            fail(uow, job, str(exc))
            settled += 1
            continue
        except PublishUnconfirmed as exc:
            _unconfirmed(uow, job, exc)
            continue
        except Exception:
            # The platform could not be asked now: the next sweep asks again.
            log.exception("confirming a post failed", platform=platform, item_id=item.id)
            _deliver(uow(), job, delivery)
            continue
        if found is not None:
            _published(uow, job, found)
            settled += 1
        elif delivery.since is not None and as_utc(delivery.since) + give_up_after > now:
            _deliver(uow(), job, delivery)  # still unknown: asked again next time
        else:
            fail(
                uow,
                job,
                f"{platform} never said whether the post went up: look on {platform}, and "
                "queue it again if it is not there",
            )
            settled += 1
    return settled


def recover_stalled(
    uow: UowFactory,
    publishers: Mapping[str, Publisher],
    *,
    now: datetime,
    older_than: timedelta,
    limit: int = 100,
) -> int:
    """Deliveries left `publishing` by a worker that stopped (restarted, or crashed) longer
    ago than any publish takes: one whose platform can take the same post again without
    doubling it is published again; any other becomes `unconfirmed`, since it may be up.
    Returns how many were recovered."""
    recovered = 0
    for item, platform, delivery in content_queue.deliveries_in(uow(), "publishing", limit=limit):
        if delivery.since is not None and as_utc(delivery.since) + older_than > now:
            continue  # still within a publish's time
        job = PublishToPlatform(org_id=item.org_id, item_id=item.id, platform=platform)
        again = getattr(publishers.get(platform), "repeatable", False)
        note = "the worker stopped while publishing"
        to = (
            Delivery(status="pending", error=f"{note}: publishing it again")
            if again
            else Delivery(
                status="unconfirmed",
                error=f"{note}; whether the post went up is not known",
                since=now,
            )
        )
        taken = uow()
        with taken:
            found = content_queue.start_delivery(
                taken,
                org_id=job.org_id,
                item_id=job.item_id,
                platform=platform,
                expect="publishing",
                to=to,
            )
            if found is not None and again:
                taken.enqueue(job)
            taken.commit()
        if found is not None:
            log.warning("a stalled publish was recovered", platform=platform, item_id=item.id)
            recovered += 1
    return recovered


def _wait_for_limit(uow: UnitOfWork, job: PublishToPlatform, limit: Limit) -> bool:
    """When the account used its posts of the window, note it on the delivery and queue the
    job again for when the oldest of them leaves the window; True then."""
    since = utcnow() - limit.window
    with uow:
        item = content_queue.get_item(uow, org_id=job.org_id, item_id=job.item_id)
        waiting = item.deliveries.get(job.platform)
        if item.status != "processing" or waiting is None or waiting.status != "pending":
            return False  # done, canceled or in hand: `start_delivery` says so
        used, oldest = uow.session.execute(
            select(func.count(), func.min(Post.published_at)).where(
                Post.org_id == job.org_id,
                Post.platform == job.platform,
                Post.published_at > since,
            )
        ).one()
        if used < limit.posts:
            return False
        retry_at = as_utc(oldest) + limit.window
        note = (
            f"waiting for {job.platform}'s limit of {limit.text}: "
            f"next at {retry_at:%Y-%m-%d %H:%M} UTC"
        )
        _deliver(uow, job, Delivery(status="pending", error=note))
        uow.enqueue(job, eta=retry_at)
        uow.commit()
        return True


def fail(uow: UowFactory, job: PublishToPlatform, error: str) -> None:
    """Fail a delivery for good, saying why (`post.failed`)."""
    log.warning("publishing failed", platform=job.platform, item_id=job.item_id, error=error)
    failed = uow()
    with failed:
        _deliver(failed, job, Delivery(status="failed", error=error))
        failed.publish(
            PostFailed(
                org_id=job.org_id, queue_item_id=job.item_id, platform=job.platform, error=error
            )
        )
        failed.commit()


def _deliver(uow: UnitOfWork, job: PublishToPlatform, delivery: Delivery) -> None:
    content_queue.record_delivery(
        uow, org_id=job.org_id, item_id=job.item_id, platform=job.platform, delivery=delivery
    )


def claim_and_queue(uow: UnitOfWork, *, now: datetime, limit: int) -> int:
    """Claim due queue items and queue one publish job per platform, in one transaction;
    returns how many items were claimed."""
    with uow:
        items = content_queue.claim_due(uow, now=now, limit=limit)
        for item in items:
            for platform in item.platforms:
                uow.enqueue(
                    PublishToPlatform(org_id=item.org_id, item_id=item.id, platform=platform)
                )
        uow.commit()
        return len(items)
