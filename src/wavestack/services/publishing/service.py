"""Use cases of posts: recording where content was published and listing it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from wavestack.kernel.queries import read_page
from wavestack.kernel.schemas import Page
from wavestack.kernel.uow import UnitOfWork
from wavestack.services.publishing.events import PostPublished
from wavestack.services.publishing.models import Post
from wavestack.services.publishing.schemas import PostRead


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
