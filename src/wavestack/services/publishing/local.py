"""The `local` platform: each post is written under `<data dir>/published/<org id>/` (its media
and a metadata JSON), with an RSS 2.0 feed (`feed.xml`) and a small HTML page (`index.html`)
of the newest posts. It needs no account, so the whole queue-to-post flow runs anywhere."""

from __future__ import annotations

import heapq
import html
import json
import os
import re
import secrets
import shutil
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO
from xml.sax.saxutils import escape, quoteattr

from wavestack.kernel.filelock import taking_turns
from wavestack.kernel.storage import FileStorage
from wavestack.services.cms import AssetRead
from wavestack.services.content_queue import QueueItemRead
from wavestack.services.publishing.publishers import Published, PublishFailed

SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_SUFFIX = re.compile(r"^\.[a-z0-9]{1,8}$")
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
FEED, PAGE, RECENT = "feed.xml", "index.html", "recent.json"
META_PREFIX = "post-"
LOCK = ".refresh.lock"  # not a name the folder's route serves


class LocalPublisher:
    """Publishes into a folder per organization, served at `/published/<org id>/`."""

    platform = "local"
    repeatable = True  # publishing a post again rewrites the same files

    def __init__(
        self, root: Path, storage: FileStorage, *, public_url: str, feed_items: int = 50
    ) -> None:
        self.root = root
        self.storage = storage
        self.public_url = public_url.rstrip("/")
        self.feed_items = feed_items

    def folder(self, org_id: str) -> Path:
        """The organization's folder (its id checked: it becomes a path)."""
        if not SAFE_NAME.fullmatch(org_id):
            raise PublishFailed("invalid organization id")
        return self.root / org_id

    def link(self, org_id: str, name: str) -> str:
        """Where a file of the folder is served."""
        return f"{self.public_url}/published/{org_id}/{name}"

    def publish(self, item: QueueItemRead, assets: Sequence[AssetRead]) -> Published:
        """Copy the media and write its metadata; then refresh the feed and the page.
        Publishing the same item again rewrites the same files. (The feed's entry carries
        the first file as its enclosure; the page shows them all. A text post has none.)"""
        folder = self.folder(item.org_id)
        folder.mkdir(parents=True, exist_ok=True)
        names = [
            self._copy(folder, f"{item.id}-{n}" if n else item.id, media)
            for n, media in enumerate(assets)
        ]
        media = names[0] if names else None
        first = assets[0] if assets else None
        published_at = datetime.now(UTC)
        meta = {
            "id": item.id,
            "title": item.title,
            "caption": item.caption or "",
            "hashtags": item.hashtags,
            "media": media,
            "more": [
                {"media": name, "mimeType": extra.mime_type}
                for name, extra in zip(names[1:], assets[1:], strict=True)
            ],
            "mimeType": first.mime_type if first else None,
            "sizeBytes": (folder / media).stat().st_size if media else None,
            "duration": first.duration if first else None,
            "publishedAt": published_at.isoformat(),
        }
        body = json.dumps(meta, ensure_ascii=False, indent=2).encode()
        # One name per post: publishing it again replaces its metadata, and no publish has
        # to look through the folder for an older copy.
        name = f"{META_PREFIX}{item.id}.json"
        _write_atomically(folder / name, body)
        self.refresh(item.org_id, {**meta, "file": name})
        return Published(external_id=item.id, url=self.permalink(item.org_id, meta))

    def permalink(self, org_id: str, post: dict[str, Any]) -> str:
        """A post's link: its media, or its place on the page for a text post."""
        if post.get("media"):
            return self.link(org_id, str(post["media"]))
        return f"{self.link(org_id, '')}#{post.get('id')}"

    def _copy(self, folder: Path, stem: str, asset: AssetRead) -> str:
        """Copy an asset's bytes into the folder; the file's name."""
        if asset.storage_path is None:
            raise PublishFailed("the asset has no stored media")
        suffix = PurePosixPath(asset.filename).suffix.lower()
        name = f"{stem}{suffix if _SUFFIX.fullmatch(suffix) else '.bin'}"
        with self.storage.open(asset.storage_path) as source:
            _write_atomically(folder / name, source)
        return name

    def posts(self, org_id: str) -> list[dict[str, Any]]:
        """The posts the feed lists, newest first."""
        try:
            found = json.loads((self.folder(org_id) / RECENT).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [post for post in found if isinstance(post, dict)]

    def _newest(self, folder: Path) -> list[Path]:
        """The metadata files of the newest posts, newest written first."""
        with os.scandir(folder) as entries:
            found = [
                entry
                for entry in entries
                if entry.name.startswith(META_PREFIX) and entry.name.endswith(".json")
            ]
        newest = heapq.nlargest(self.feed_items, found, key=lambda entry: entry.stat().st_mtime)
        return [Path(entry.path) for entry in newest]

    def refresh(self, org_id: str, posted: dict[str, Any] | None = None) -> None:
        """Rewrite the feed and the page: the newest posts the last refresh kept, with
        `posted` (the post just written) merged in. Workers on this machine take turns (a
        lock file), so none drops another's post; the folder itself is read only when the
        kept list is missing (the first post, or removed by hand), so a refresh costs the
        same at the ten-thousandth post as at the first."""
        folder = self.folder(org_id)
        with taking_turns(folder / LOCK):
            if (folder / RECENT).exists():
                shown = self.posts(org_id)
            else:
                shown = [p for p in map(_read_meta, self._newest(folder)) if p is not None]
            if posted is not None:
                shown = [posted, *(p for p in shown if p.get("id") != posted.get("id"))]
            shown.sort(key=lambda post: str(post.get("publishedAt", "")), reverse=True)
            shown = shown[: self.feed_items]
            _write_atomically(folder / RECENT, json.dumps(shown, ensure_ascii=False).encode())
            _write_atomically(folder / FEED, self.feed(org_id, shown))
            _write_atomically(folder / PAGE, self.page(org_id, shown).encode())

    def feed(self, org_id: str, posts: list[dict[str, Any]]) -> bytes:
        """RSS 2.0 of the posts, each with its media as an enclosure. (Built as text: it is
        rewritten on every post, and ElementTree took most of a post's time.)"""
        entries = []
        for post in posts:
            link = self.permalink(org_id, post)
            published = datetime.fromisoformat(str(post.get("publishedAt")))
            enclosure = (
                f"<enclosure url={_attr(link)} length={_attr(post.get('sizeBytes') or 0)} "
                f"type={_attr(post.get('mimeType') or 'application/octet-stream')}/>"
                if post.get("media")
                else ""
            )
            entries.append(
                f"<item><title>{_xml(post.get('title', ''))}</title>"
                f"<description>{_xml(_text_of(post))}</description>"
                f"<link>{_xml(link)}</link>"
                f'<guid isPermaLink="false">{_xml(post.get("id"))}</guid>'
                f"<pubDate>{format_datetime(published)}</pubDate>{enclosure}</item>"
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            "<title>WaveStack posts</title>"
            f"<link>{_xml(self.link(org_id, ''))}</link>"
            "<description>Posts published with WaveStack</description>"
            f"<lastBuildDate>{format_datetime(datetime.now(UTC))}</lastBuildDate>"
            f"{''.join(entries)}</channel></rss>"
        ).encode()

    def page(self, org_id: str, posts: list[dict[str, Any]]) -> str:
        """A small HTML page of the posts."""
        rows = []
        for post in posts:
            files = [post, *(m for m in post.get("more") or [] if isinstance(m, dict))]
            shown = "".join(
                _shown(str(f["media"]), str(f.get("mimeType", ""))) for f in files if f.get("media")
            )
            anchor = html.escape(str(post.get("id", "")), quote=True)
            title = html.escape(str(post.get("title", "")))
            rows.append(
                f'<article id="{anchor}"><h2>{title}</h2>{shown}'
                f"<p>{html.escape(_text_of(post))}</p>"
                f"<time>{html.escape(str(post.get('publishedAt', '')))}</time></article>"
            )
        return (
            '<!doctype html><html lang="en"><meta charset="utf-8">'
            "<title>WaveStack posts</title>"
            '<link rel="alternate" type="application/rss+xml" href="feed.xml">'
            "<style>body{font-family:sans-serif;max-width:48rem;margin:auto}"
            "video,img{max-width:100%}</style>"
            f"<h1>WaveStack posts</h1>{''.join(rows) or '<p>Nothing published yet.</p>'}"
            "</html>"
        )


def _shown(name: str, kind: str) -> str:
    media = html.escape(name)
    if kind.startswith("video/"):
        return f'<video controls preload="metadata" src="{media}"></video>'
    if kind.startswith("image/"):
        return f'<img src="{media}" alt="">'
    return f'<a href="{media}">{media}</a>'


def _read_meta(path: Path) -> dict[str, Any] | None:
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # removed by a newer publication of the same post
    return {**meta, "file": path.name} if isinstance(meta, dict) else None


def _xml(value: object) -> str:
    """Text for XML: escaped, without the control characters XML 1.0 forbids."""
    return escape(_NOT_XML.sub("", str(value)))


def _attr(value: object) -> str:
    return quoteattr(_NOT_XML.sub("", str(value)))


def _text_of(post: dict[str, Any]) -> str:
    tags = " ".join(f"#{tag}" for tag in post.get("hashtags") or [])
    return " ".join(part for part in (str(post.get("caption") or ""), tags) if part)


def _write_atomically(path: Path, content: bytes | BinaryIO) -> None:
    """Write beside the target, then rename over it: readers never see half a file."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        with temporary.open("wb") as out:
            if isinstance(content, bytes):
                out.write(content)
            else:
                shutil.copyfileobj(content, out)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
