"""Use cases of projects and assets. Asset bytes live in file storage, metadata here."""

from __future__ import annotations

import json
import mimetypes
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

import httpx
from sqlalchemy import select

from wavestack.kernel.crypto import SecretBox
from wavestack.kernel.errors import NotFound, PayloadTooLarge, ValidationFailed
from wavestack.kernel.http import BlockedDestination
from wavestack.kernel.ids import new_id
from wavestack.kernel.queries import exists_for_org, get_for_org, read_for_org, read_page
from wavestack.kernel.schemas import Page
from wavestack.kernel.storage import FileStorage
from wavestack.kernel.uow import UnitOfWork
from wavestack.providers.transcode import NotMedia, Transcoder
from wavestack.services.cms.events import (
    AssetCreated,
    AssetDeleted,
    AssetFailed,
    AssetReady,
    FetchAsset,
)
from wavestack.services.cms.models import Asset, Project
from wavestack.services.cms.schemas import (
    AssetRead,
    AssetRegister,
    AssetStatus,
    ProjectCreate,
    ProjectRead,
    ProjectUpdate,
)

GENERIC_MIME = "application/octet-stream"


# --- projects -------------------------------------------------------------------------------


def create_project(uow: UnitOfWork, *, org_id: str, data: ProjectCreate) -> ProjectRead:
    """Create a project."""
    with uow:
        project = Project(
            org_id=org_id, name=data.name, description=data.description, settings=data.settings
        )
        uow.session.add(project)
        uow.session.flush()  # its id and times, also inside a caller's transaction
        uow.commit()
        return ProjectRead.model_validate(project)


def list_projects(uow: UnitOfWork, *, org_id: str, limit: int, offset: int) -> Page[ProjectRead]:
    """List the organization's projects, newest first."""
    with uow:
        return read_page(
            uow.session,
            Project,
            ProjectRead,
            match={"org_id": org_id},
            limit=limit,
            offset=offset,
        )


def get_project(uow: UnitOfWork, *, org_id: str, project_id: str) -> ProjectRead:
    """Return one project."""
    with uow:
        return read_for_org(
            uow.session, Project, ProjectRead, org_id=org_id, id=project_id, what="project"
        )


def update_project(
    uow: UnitOfWork, *, org_id: str, project_id: str, data: ProjectUpdate
) -> ProjectRead:
    """Change a project's name, description or settings."""
    with uow:
        project = get_for_org(uow.session, Project, org_id=org_id, id=project_id, what="project")
        changes = data.model_dump(exclude_unset=True)
        if "name" in changes and changes["name"] is None:
            raise ValidationFailed("name cannot be null")
        for field, value in changes.items():
            setattr(project, field, value if field != "settings" else (value or {}))
        uow.commit()
        return ProjectRead.model_validate(project)


def delete_project(uow: UnitOfWork, *, org_id: str, project_id: str) -> None:
    """Delete a project; its assets stay, detached from it."""
    with uow:
        project = get_for_org(uow.session, Project, org_id=org_id, id=project_id, what="project")
        uow.session.delete(project)
        uow.commit()


def project_exists(uow: UnitOfWork, *, org_id: str, project_id: str) -> bool:
    """Tell whether the organization has this project."""
    with uow:
        return exists_for_org(uow.session, Project, org_id=org_id, id=project_id)


# --- assets ---------------------------------------------------------------------------------


def safe_filename(filename: str) -> str:
    """Reduce a client-supplied name to a plain file name usable as a storage key part."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).lstrip("._-")[:120]
    return name or "file"


def asset_key(*, org_id: str, asset_id: str, filename: str) -> str:
    """Return the storage key of an asset's bytes."""
    return f"orgs/{org_id}/assets/{asset_id}/{safe_filename(filename)}"


def guess_mime(filename: str, declared: str | None) -> str:
    """Prefer a specific declared type, else guess from the file name."""
    if declared and declared.split(";")[0].strip() not in ("", GENERIC_MIME):
        return declared.split(";")[0].strip().lower()
    guessed, _ = mimetypes.guess_type(filename)
    return guessed or GENERIC_MIME


def _check_project(uow: UnitOfWork, org_id: str, project_id: str | None) -> None:
    if project_id is not None and not exists_for_org(
        uow.session, Project, org_id=org_id, id=project_id
    ):
        raise ValidationFailed(
            f"projectId {project_id} is not a project of this organization",
            details=[{"field": "projectId", "message": "unknown project"}],
        )


def add_stored_asset(
    uow: UnitOfWork,
    *,
    org_id: str,
    asset_id: str,
    project_id: str | None,
    filename: str,
    mime_type: str,
    size_bytes: int,
    storage_type: str,
    storage_path: str,
    duration: float | None = None,
    width: int | None = None,
    height: int | None = None,
    source_url: str | None = None,
    start_time: float | None = None,
    end_time: float | None = None,
) -> AssetRead:
    """Record an asset whose bytes are already in storage under `storage_path` (status ready)."""
    with uow:
        _check_project(uow, org_id, project_id)
        asset = Asset(
            id=asset_id,
            org_id=org_id,
            project_id=project_id,
            filename=filename,
            mime_type=mime_type,
            size_bytes=size_bytes,
            duration=duration,
            width=width,
            height=height,
            storage_type=storage_type,
            storage_path=storage_path,
            source_url=source_url,
            start_time=start_time,
            end_time=end_time,
            status="ready",
        )
        uow.session.add(asset)
        uow.publish(AssetCreated(org_id=org_id, asset_id=asset.id, status=asset.status))
        # Inside a caller's transaction the commit waits for the caller: flush to get defaults.
        uow.session.flush()
        uow.commit()
        return AssetRead.model_validate(asset)


def register_asset(uow: UnitOfWork, *, org_id: str, data: AssetRegister) -> AssetRead:
    """Record an asset by URL and queue the download of its bytes."""
    url = str(data.source_url)
    filename = data.filename or safe_filename(PurePosixPath(httpx.URL(url).path).name or "file")
    with uow:
        _check_project(uow, org_id, data.project_id)
        asset = Asset(
            id=new_id(),
            org_id=org_id,
            project_id=data.project_id,
            filename=filename,
            mime_type=guess_mime(filename, data.mime_type),
            duration=data.duration,
            source_url=url,
            start_time=data.start_time,
            end_time=data.end_time,
            status="pending",
        )
        uow.session.add(asset)
        uow.publish(AssetCreated(org_id=org_id, asset_id=asset.id, status=asset.status))
        uow.enqueue(FetchAsset(org_id=org_id, asset_id=asset.id))
        uow.commit()
        return AssetRead.model_validate(asset)


def get_asset(uow: UnitOfWork, *, org_id: str, asset_id: str) -> AssetRead:
    """Return one asset."""
    with uow:
        return read_for_org(uow.session, Asset, AssetRead, org_id=org_id, id=asset_id, what="asset")


def asset_exists(uow: UnitOfWork, *, org_id: str, asset_id: str) -> bool:
    """Tell whether the organization has this asset."""
    with uow:
        return exists_for_org(uow.session, Asset, org_id=org_id, id=asset_id)


def asset_statuses(uow: UnitOfWork, refs: list[tuple[str, str]]) -> dict[str, str]:
    """The status of each (org id, asset id) that exists, by asset id."""
    if not refs:
        return {}
    with uow:
        rows = uow.session.execute(
            select(Asset.id, Asset.org_id, Asset.status).where(
                Asset.id.in_({asset_id for _, asset_id in refs})
            )
        )
        wanted = set(refs)
        return {id_: status for id_, org_id, status in rows if (org_id, id_) in wanted}


def list_assets(
    uow: UnitOfWork,
    *,
    org_id: str,
    project_id: str | None,
    status: AssetStatus | None,
    limit: int,
    offset: int,
) -> Page[AssetRead]:
    """List the organization's assets, newest first."""
    with uow:
        return read_page(
            uow.session,
            Asset,
            AssetRead,
            match={"org_id": org_id, "project_id": project_id, "status": status},
            limit=limit,
            offset=offset,
        )


def delete_asset(uow: UnitOfWork, storage: FileStorage, *, org_id: str, asset_id: str) -> None:
    """Delete an asset's record, then its bytes."""
    with uow:
        asset = get_for_org(uow.session, Asset, org_id=org_id, id=asset_id, what="asset")
        key = asset.storage_path
        uow.session.delete(asset)
        uow.publish(AssetDeleted(org_id=org_id, asset_id=asset_id))
        uow.commit()
    # After commit: a crash here leaves an orphan file, never a record without its file.
    if key is not None:
        storage.delete(key)


def content_of(uow: UnitOfWork, *, org_id: str, asset_id: str) -> AssetRead:
    """Return an asset whose bytes can be downloaded."""
    asset = get_asset(uow, org_id=org_id, asset_id=asset_id)
    if asset.status != "ready" or asset.storage_path is None:
        raise NotFound(f"asset has no stored content (status {asset.status})")
    return asset


def share_link(box: SecretBox, *, base_url: str, org_id: str, asset_id: str, seconds: int) -> str:
    """A link anyone may fetch the asset's bytes from for `seconds` (for a platform that
    pulls media from a URL, as Instagram does). It names the asset sealed with this
    install's key, so it cannot be made up or changed."""
    sealed = box.encrypt(
        json.dumps({"org": org_id, "asset": asset_id, "until": int(time.time()) + seconds})
    )
    return f"{base_url.rstrip('/')}/api/media/{sealed}"


def shared_asset(uow: UnitOfWork, box: SecretBox, token: str) -> AssetRead:
    """The asset a `share_link` names, while the link holds."""
    try:
        sealed = json.loads(box.decrypt(token))
        org_id, asset_id, until = str(sealed["org"]), str(sealed["asset"]), int(sealed["until"])
    except (ValueError, KeyError, TypeError) as exc:
        raise NotFound("no such media link") from exc
    if until < time.time():
        raise NotFound("this media link expired")
    return content_of(uow, org_id=org_id, asset_id=asset_id)


@dataclass(frozen=True)
class MediaFacts:
    """What a probe of stored media found (None: not known)."""

    duration: float | None = None
    width: int | None = None
    height: int | None = None


def probe_stored(transcoder: Transcoder, storage: FileStorage, key: str) -> MediaFacts:
    """Length and size in pixels of a stored video or image, read by the media probe: the
    platforms' limits are checked against them. Nothing for a file that is not media, or
    that is not on this machine's disk (object storage: reading it whole to probe it would
    cost more than the check is worth)."""
    path = storage.local_path(key)
    if path is None:
        return MediaFacts()
    try:
        info = transcoder.probe(path)
    except NotMedia:
        return MediaFacts()
    return MediaFacts(duration=info.duration, width=info.width, height=info.height)


def fetch_asset(
    uow_factory: Callable[[], UnitOfWork],
    storage: FileStorage,
    client_factory: Callable[[], httpx.Client],
    job: FetchAsset,
    *,
    max_bytes: int,
    transcoder: Transcoder,
) -> None:
    """Download a registered asset's bytes; idempotent, and a final failure marks it failed."""
    with uow_factory() as uow:
        asset = uow.session.get(Asset, job.asset_id)
        if asset is None or asset.org_id != job.org_id or asset.status != "pending":
            return
        url, key = (
            asset.source_url,
            asset_key(org_id=asset.org_id, asset_id=asset.id, filename=asset.filename),
        )
    if url is None:
        return
    writer = storage.writer(key, max_bytes=max_bytes)
    try:
        with client_factory() as client, client.stream("GET", url) as response:
            response.raise_for_status()
            declared = response.headers.get("content-type")
            for chunk in response.iter_bytes(256 * 1024):
                writer.write(chunk)
        size = writer.commit()
    except BlockedDestination as exc:
        # The egress policy will refuse it on every retry too: a final failure.
        writer.abort()
        mark_fetch_failed(uow_factory, job, f"destination blocked: {exc}")
        return
    except (httpx.HTTPStatusError, ValidationFailed, PayloadTooLarge) as exc:
        writer.abort()
        mark_fetch_failed(uow_factory, job, str(exc))
        return
    except Exception:
        writer.abort()
        raise  # transient: the job is retried
    facts = probe_stored(transcoder, storage, key)
    with uow_factory() as uow:
        asset = uow.session.get(Asset, job.asset_id)
        if asset is None:
            storage.delete(key)
            return
        asset.storage_type = storage.backend
        asset.storage_path = key
        asset.size_bytes = size
        asset.duration = facts.duration if facts.duration is not None else asset.duration
        asset.width, asset.height = facts.width, facts.height
        asset.mime_type = guess_mime(asset.filename, declared or asset.mime_type)
        asset.status = "ready"
        uow.publish(AssetReady(org_id=asset.org_id, asset_id=asset.id))
        uow.commit()


def mark_fetch_failed(uow_factory: Callable[[], UnitOfWork], job: FetchAsset, error: str) -> None:
    """End a pending download as failed with a reason."""
    with uow_factory() as uow:
        asset = uow.session.get(Asset, job.asset_id)
        if asset is None or asset.status != "pending":
            return
        asset.status = "failed"
        asset.error = error[:2000]
        uow.publish(AssetFailed(org_id=asset.org_id, asset_id=asset.id, error=asset.error))
        uow.commit()
