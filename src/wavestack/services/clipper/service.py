"""Use cases of the clipper: accept a clip request, cut it in a job, follow it, cancel it."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import select, update

from wavestack.kernel.clock import utcnow
from wavestack.kernel.config import HighlightSettings
from wavestack.kernel.errors import Conflict, NotFound, ValidationFailed
from wavestack.kernel.http import BlockedDestination, EgressPolicy
from wavestack.kernel.ids import new_id
from wavestack.kernel.logging import get_logger
from wavestack.kernel.queries import get_for_org, table_of
from wavestack.kernel.storage import FileStorage
from wavestack.kernel.uow import UnitOfWork
from wavestack.providers.transcode import (
    COPYABLE,
    Canceled,
    CutSpec,
    MediaInfo,
    NotMedia,
    StopCheck,
    TranscodeFailed,
    Transcoder,
)
from wavestack.services import cms, social_ingest
from wavestack.services.clipper import highlights, hls
from wavestack.services.clipper.events import ClipCanceled, ClipCompleted, ClipFailed, CutClip
from wavestack.services.clipper.models import ClipJob
from wavestack.services.clipper.schemas import (
    MAX_CLIP_SECONDS,
    ClipAccepted,
    ClipRequest,
    ClipResult,
    ClipStatus,
    HighlightCandidate,
    HighlightsRequest,
    HighlightsResult,
)

log = get_logger(__name__)

ASSET_SCHEME = "asset://"
# A job whose heartbeat is older than this lost its worker (killed, crashed).
MAX_ATTEMPTS = 3
_HEARTBEAT_SECONDS = 2.0
_CANCEL_CHECK_SECONDS = 0.5
_JOBS = table_of(ClipJob)


def _field_error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", details=[{"field": field, "message": message}])


def media_path(source: str, roots: list[Path]) -> Path:
    """Resolve a file source inside the media roots; symlinks count where they lead."""
    candidate = Path(source)
    tries = [candidate] if candidate.is_absolute() else [root / candidate for root in roots]
    for path in tries:
        try:
            resolved = path.resolve()
        except (OSError, ValueError) as exc:  # a NUL byte, a symlink loop
            raise _field_error("source", f"not a usable path: {exc}") from exc
        if not any(resolved.is_relative_to(root) for root in roots):
            continue
        if resolved.is_file():
            return resolved
        raise _field_error("source", f"no such file: {source}")
    raise _field_error("source", "the file is outside the media roots")


def _parse_asset_ref(value: str, field: str) -> str:
    asset_id = value.removeprefix(ASSET_SCHEME).strip()
    if not asset_id or "/" in asset_id:
        raise _field_error(field, "expected asset://<asset id>")
    return asset_id


def local_media(
    uow: UnitOfWork,
    storage: FileStorage,
    *,
    org_id: str,
    ref: str,
    roots: list[Path],
    field: str = "source",
) -> Path:
    """Find the local file of a media-root path or an `asset://` reference."""
    if not ref.startswith(ASSET_SCHEME):
        return media_path(ref, roots)
    asset_id = _parse_asset_ref(ref, field)
    try:
        asset = cms.content_of(uow, org_id=org_id, asset_id=asset_id)
    except NotFound as exc:
        raise _field_error(field, "no such asset with stored content") from exc
    path = storage.local_path(asset.storage_path or "")
    if path is None:
        raise _field_error(field, "the asset is not in local storage")
    return path


def _check_source(
    uow: UnitOfWork,
    *,
    org_id: str,
    data: ClipRequest,
    roots: list[Path],
    egress: EgressPolicy,
    transcoder: Transcoder,
) -> None:
    source = data.source
    known_duration: float | None = None
    if source.startswith(ASSET_SCHEME):
        asset_id = _parse_asset_ref(source, "source")
        try:
            known_duration = cms.get_asset(uow, org_id=org_id, asset_id=asset_id).duration
        except NotFound as exc:
            raise _field_error("source", "no such asset in this organization") from exc
    elif source.startswith(("http://", "https://")):
        try:
            egress.check_url(source)
        except BlockedDestination as exc:
            raise _field_error("source", str(exc)) from exc
    elif "://" in source:
        raise _field_error("source", "expected a media file path, asset://<id> or an http(s) URL")
    else:
        path = media_path(source, roots)
        # A file that does not probe fails in the job, with the reason; one that does tells
        # its duration now.
        with contextlib.suppress(NotMedia):
            known_duration = transcoder.probe(path).duration
    if known_duration is not None and data.start_sec >= known_duration:
        raise _field_error(
            "start_sec", f"is past the end of the source ({known_duration:.3f} s long)"
        )
    if data.captions is not None:
        if data.captions.startswith(ASSET_SCHEME):
            caption_id = _parse_asset_ref(data.captions, "captions")
            if not cms.asset_exists(uow, org_id=org_id, asset_id=caption_id):
                raise _field_error("captions", "no such asset in this organization")
        elif "-->" not in data.captions:
            raise _field_error("captions", "expected SRT text (with `-->` timings) or asset://<id>")


def create_job(
    uow: UnitOfWork,
    *,
    org_id: str,
    data: ClipRequest,
    roots: list[Path],
    egress: EgressPolicy,
    transcoder: Transcoder,
) -> ClipAccepted:
    """Check the request and queue the cut."""
    with uow:
        _check_source(
            uow, org_id=org_id, data=data, roots=roots, egress=egress, transcoder=transcoder
        )
        job = ClipJob(
            org_id=org_id,
            source=data.source,
            start_sec=data.start_sec,
            duration_sec=data.duration_sec,
            out_ext=data.out_ext,
            mode=data.mode,
            aspect=data.aspect,
            fit=data.fit,
            captions=data.captions,
            name=data.name,
        )
        uow.session.add(job)
        uow.session.flush()
        uow.enqueue(CutClip(job_id=job.id))
        uow.commit()
        return ClipAccepted(job_id=job.id, status="queued", message="clip job queued")


def _status_of(job: ClipJob) -> ClipStatus:
    result = None
    if job.status == "complete" and job.asset_id is not None:
        result = ClipResult(
            url=f"/api/assets/{job.asset_id}/content",
            asset_id=job.asset_id,
            duration=job.result_duration or 0.0,
            start=job.result_start or 0.0,
            size_bytes=job.size_bytes or 0,
            mode=job.mode_used or job.mode,
            created_at=job.finished_at or job.updated_at,
        )
    return ClipStatus(
        job_id=job.id,
        status=job.status,
        progress=round(job.progress, 1),
        result=result,
        error=job.error,
        created_at=job.created_at,
        updated_at=job.updated_at,
    )


def get_status(uow: UnitOfWork, *, org_id: str, job_id: str) -> ClipStatus:
    """Return where a job of the organization stands."""
    with uow:
        job = get_for_org(uow.session, ClipJob, org_id=org_id, id=job_id, what="clip job")
        return _status_of(job)


def cancel_job(uow: UnitOfWork, *, org_id: str, job_id: str) -> ClipStatus:
    """Cancel a queued or running job; the worker stops FFmpeg at its next check."""
    with uow:
        job = get_for_org(
            uow.session, ClipJob, org_id=org_id, id=job_id, what="clip job", for_update=True
        )
        if job.status in ("complete", "failed"):
            raise Conflict(f"the clip job is already {job.status}")
        if job.status != "canceled":
            job.status = "canceled"
            job.error = "canceled by request"
            job.finished_at = utcnow()
            uow.publish(ClipCanceled(org_id=org_id, job_id=job.id))
        uow.commit()
        return _status_of(job)


def find_highlights(
    uow: UnitOfWork,
    storage: FileStorage,
    transcoder: Transcoder,
    *,
    org_id: str,
    data: HighlightsRequest,
    roots: list[Path],
    egress: EgressPolicy,
    settings: HighlightSettings,
) -> HighlightsResult:
    """Rank moments of a stream by chat bursts, hype words and audio peaks; clip the best."""
    if data.chat and data.chat_source is not None:
        raise _field_error("chat_source", "send chat or chat_source, not both")
    if data.source is None and not data.chat and data.chat_source is None:
        raise _field_error("source", "give a source, chat, or both")
    if data.auto_clip is not None and data.source is None:
        raise _field_error("auto_clip", "needs a source to clip from")
    if data.source is not None and "://" in data.source.removeprefix(ASSET_SCHEME):
        raise _field_error("source", "expected a media file path or asset://<id>")
    chat = _chat_lines(data) if data.chat_source is None else _stored_chat(uow, org_id, data)
    segments: list[highlights.Segment] = []
    duration = data.duration_sec
    if duration is None and data.chat_source is not None:
        duration = (data.chat_source.until - data.chat_source.since).total_seconds()
    if data.source is not None:
        path = local_media(uow, storage, org_id=org_id, ref=data.source, roots=roots)
        duration = transcoder.probe(path).duration or duration
        segments += highlights.audio_segments(transcoder.loudness_per_second(path), settings)
    if duration is None:
        duration = max((line.ts for line in chat), default=0.0) + settings.window_seconds
    segments += highlights.chat_segments(chat, settings, duration)
    ranked = highlights.rank(segments, limit=data.limit)
    result = HighlightsResult(
        candidates=[
            HighlightCandidate(
                start_sec=round(s.start, 3),
                end_sec=round(s.end, 3),
                score=round(s.score, 3),
                reasons=s.reasons,
            )
            for s in ranked
        ]
    )
    if data.auto_clip is not None and data.source is not None:
        for number, candidate in enumerate(result.candidates[: data.auto_clip.count], 1):
            request = ClipRequest(
                source=data.source,
                start_sec=candidate.start_sec,
                duration_sec=min(MAX_CLIP_SECONDS, candidate.end_sec - candidate.start_sec),
                name=f"highlight-{number}",
                **data.auto_clip.model_dump(exclude={"count"}),
            )
            result.clip_jobs.append(
                create_job(
                    uow,
                    org_id=org_id,
                    data=request,
                    roots=roots,
                    egress=egress,
                    transcoder=transcoder,
                )
            )
    return result


def _stored_chat(
    uow: UnitOfWork, org_id: str, data: HighlightsRequest
) -> list[highlights.ChatLine]:
    source = data.chat_source
    if source is None:
        return []
    records = social_ingest.chat_between(
        uow,
        org_id=org_id,
        platform=source.platform,
        channel_id=source.channel_id,
        since=source.since,
        until=source.until,
    )
    return [
        highlights.ChatLine((r.ts - source.since).total_seconds(), r.author, r.text)
        for r in records
    ]


def _chat_lines(data: HighlightsRequest) -> list[highlights.ChatLine]:
    lines = []
    for message in data.chat:
        if isinstance(message.ts, datetime):
            if data.stream_started_at is None:
                raise _field_error(
                    "stream_started_at", "is required when chat timestamps are dates"
                )
            offset = (message.ts - data.stream_started_at).total_seconds()
        else:
            offset = message.ts
        lines.append(highlights.ChatLine(offset, message.author, message.text))
    return lines


# --- the job ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClipWorker:
    """What cutting a clip needs from the container."""

    uow: Callable[[], UnitOfWork]
    storage: FileStorage
    transcoder: Transcoder
    http_client: Callable[[], httpx.Client]
    work_dir: Path
    roots: list[Path]
    max_download_bytes: int
    stale_after: timedelta  # no heartbeat for this long: the worker died

    def run(self, job_id: str) -> None:
        """Cut the clip of a job; a job that is not waiting to run is left alone."""
        job = self._claim(job_id)
        if job is None:
            return
        scratch = self.work_dir / job.id
        scratch.mkdir(parents=True, exist_ok=True)
        try:
            self._cut(job, scratch)
        except Canceled:
            log.info("clip canceled", job_id=job.id)
        except (
            NotMedia,
            TranscodeFailed,
            ValidationFailed,
            BlockedDestination,
            httpx.HTTPError,
        ) as exc:
            self.fail(job.id, _reason(exc))
        except Exception:
            # Something transient (a locked database, a full disk): queue it for the retry.
            self._set_status(job.id, "queued", when="processing")
            raise
        finally:
            for leftover in scratch.iterdir():
                leftover.unlink(missing_ok=True)
            scratch.rmdir()

    def _claim(self, job_id: str) -> ClipJob | None:
        with self.uow() as uow:
            job = uow.session.get(ClipJob, job_id, with_for_update=True)
            # A job already processing has a live worker, or one the stale sweep will requeue.
            if job is None or job.status != "queued":
                return None
            job.status = "processing"
            job.progress = 0.0
            job.attempts += 1
            job.updated_at = utcnow()
            uow.commit()
            return job

    def _cut(self, job: ClipJob, scratch: Path) -> None:
        progress = _ProgressReporter(self.uow, job.id)
        window = self._local_source(job, scratch, progress.canceled)
        info = self.transcoder.probe(window.path)
        if info.duration is not None and window.start >= info.duration:
            raise ValidationFailed(
                f"start_sec {job.start_sec} is past the end of the source "
                f"({info.duration:.3f} s long)"
            )
        start, copy = self._plan(job, window.path, window.start, info)
        end = window.start + window.duration
        if info.duration is not None:
            end = min(end, info.duration)
        result = self.transcoder.cut(
            CutSpec(
                source=window.path,
                # A new name per attempt: FFmpeg of a worker that died may still be writing.
                output=scratch / f"clip-{job.attempts}.{job.out_ext}",
                start=start,
                duration=end - start,
                copy=copy,
                aspect=job.aspect,  # type: ignore[arg-type]
                fit=job.fit,  # type: ignore[arg-type]
                captions=self._captions(job, scratch),
            ),
            on_progress=progress.report,
            should_stop=progress.canceled,
        )
        self._store(
            job,
            result.path,
            start=start + window.stream_offset,
            duration=result.duration,
            copy=copy,
        )

    def _plan(
        self, job: ClipJob, source: Path, start: float, info: MediaInfo
    ) -> tuple[float, bool]:
        """Decide where the cut starts and whether streams are copied."""
        copyable = (
            job.aspect == "source"
            and job.captions is None
            and info.video_codec in COPYABLE[job.out_ext]
        )
        if job.mode == "accurate" or not copyable or not info.has_video:
            return start, False
        keyframe = self.transcoder.keyframe_at_or_before(source, start)
        if job.mode == "fast":
            return keyframe, True
        return start, abs(keyframe - start) < 0.001

    def _local_source(self, job: ClipJob, scratch: Path, should_stop: StopCheck) -> hls.Window:
        """A local file holding the clip, and where the clip lies in it."""
        if hls.is_playlist(job.source):
            with self.http_client() as client:
                window = hls.fetch_window(
                    client,
                    job.source,
                    start=job.start_sec,
                    duration=job.duration_sec,
                    target=scratch / "segments",
                    max_bytes=self.max_download_bytes,
                    should_stop=should_stop,
                )
            # Seeking in joined MPEG-TS segments overshoots; a remux starts them at zero.
            remuxed = scratch / "window.mkv"
            self.transcoder.remux(window.path, remuxed)
            return dataclasses.replace(window, path=remuxed)
        if job.source.startswith(("http://", "https://")):
            path = self._download(job.source, scratch / "source", should_stop)
        else:
            path = local_media(
                self.uow(), self.storage, org_id=job.org_id, ref=job.source, roots=self.roots
            )
        return hls.Window(path, job.start_sec, job.duration_sec, stream_offset=0.0)

    def _download(self, url: str, target: Path, should_stop: StopCheck) -> Path:
        # Through the SSRF-guarded client: every address it dials is checked, redirects too.
        written = 0
        with self.http_client() as client, client.stream("GET", url) as response:
            response.raise_for_status()
            with target.open("wb") as out:
                for chunk in response.iter_bytes(1 << 20):
                    written += len(chunk)
                    if written > self.max_download_bytes:
                        raise ValidationFailed("source: the download exceeds the size limit")
                    if should_stop():  # also the job's heartbeat while downloading
                        raise Canceled("the clip job was canceled")
                    out.write(chunk)
        return target

    def _captions(self, job: ClipJob, scratch: Path) -> Path | None:
        if job.captions is None:
            return None
        if job.captions.startswith(ASSET_SCHEME):
            return local_media(
                self.uow(),
                self.storage,
                org_id=job.org_id,
                ref=job.captions,
                roots=self.roots,
                field="captions",
            )
        path = scratch / "captions.srt"
        path.write_text(job.captions, encoding="utf-8")
        return path

    def _store(
        self, job: ClipJob, clip: Path, *, start: float, duration: float, copy: bool
    ) -> None:
        asset_id = new_id()
        filename = f"{job.name or f'clip-{job.id}'}.{job.out_ext}"
        key = cms.asset_key(org_id=job.org_id, asset_id=asset_id, filename=filename)
        writer = self.storage.writer(key)
        try:
            with clip.open("rb") as data:
                while chunk := data.read(1 << 20):
                    writer.write(chunk)
        except BaseException:
            writer.abort()
            raise
        size = writer.commit()
        try:
            with self.uow() as uow:
                current = uow.session.get(ClipJob, job.id, with_for_update=True)
                if current is None or current.status != "processing":
                    raise Canceled("the clip job was canceled while it was stored")
                cms.add_stored_asset(
                    uow,
                    org_id=job.org_id,
                    asset_id=asset_id,
                    project_id=None,
                    filename=filename,
                    mime_type=cms.guess_mime(filename, None),
                    size_bytes=size,
                    storage_type=self.storage.backend,
                    storage_path=key,
                    duration=duration,
                    source_url=job.source if "://" in job.source else None,
                    start_time=start,
                    end_time=start + duration,
                )
                current.status = "complete"
                current.progress = 100.0
                current.asset_id = asset_id
                current.result_start = start
                current.result_duration = duration
                current.size_bytes = size
                current.mode_used = "fast" if copy else "accurate"
                current.finished_at = utcnow()
                uow.publish(
                    ClipCompleted(
                        org_id=job.org_id, job_id=job.id, asset_id=asset_id, duration=duration
                    )
                )
                uow.commit()
        except BaseException:
            self.storage.delete(key)
            raise

    def _set_status(self, job_id: str, status: str, *, when: str) -> None:
        with self.uow() as uow:
            uow.session.execute(
                update(_JOBS)
                .where(_JOBS.c.id == job_id, _JOBS.c.status == when)
                .values(status=status, updated_at=utcnow())
            )
            uow.commit()

    def fail(self, job_id: str, reason: str) -> None:
        """End a job as failed (unless it already ended)."""
        with self.uow() as uow:
            job = uow.session.get(ClipJob, job_id, with_for_update=True)
            if job is None or job.status not in ("queued", "processing"):
                return
            job.status = "failed"
            job.error = reason
            job.finished_at = utcnow()
            uow.publish(ClipFailed(org_id=job.org_id, job_id=job.id, error=reason))
            uow.commit()
        log.info("clip failed", job_id=job_id, reason=reason)

    def recover_stale(self) -> int:
        """Requeue jobs whose worker died mid-cut, or fail them after too many attempts."""
        cutoff = utcnow() - self.stale_after
        with self.uow() as uow:
            stale = list(
                uow.session.scalars(
                    select(ClipJob).where(
                        ClipJob.status == "processing", ClipJob.updated_at < cutoff
                    )
                )
            )
            for job in stale:
                job.updated_at = utcnow()
                if job.attempts >= MAX_ATTEMPTS:
                    job.status = "failed"
                    job.error = f"the worker stopped during the cut {job.attempts} times"
                    job.finished_at = utcnow()
                    uow.publish(ClipFailed(org_id=job.org_id, job_id=job.id, error=job.error))
                else:
                    job.status = "queued"
                    uow.enqueue(CutClip(job_id=job.id))
            uow.commit()
            return len(stale)


class _ProgressReporter:
    """Writes progress (throttled, doubling as a heartbeat) and notices a cancel."""

    def __init__(self, uow: Callable[[], UnitOfWork], job_id: str) -> None:
        self._uow = uow
        self._job_id = job_id
        self._written = 0.0
        self._written_at = 0.0
        self._checked_at = 0.0
        self._canceled = False

    def report(self, percent: float) -> None:
        now = time.monotonic()
        recent = now - self._written_at < _HEARTBEAT_SECONDS
        if percent < 100 and recent and percent - self._written < 5:
            return
        self._written, self._written_at = percent, now
        with self._uow() as uow:
            uow.session.execute(
                update(_JOBS)
                .where(_JOBS.c.id == self._job_id, _JOBS.c.status == "processing")
                .values(progress=percent, updated_at=utcnow())
            )
            uow.commit()

    def canceled(self) -> bool:
        now = time.monotonic()
        if self._canceled or now - self._checked_at < _CANCEL_CHECK_SECONDS:
            return self._canceled
        self._checked_at = now
        if now - self._written_at >= _HEARTBEAT_SECONDS:
            self.report(self._written)
        with self._uow() as uow:
            status = uow.session.scalar(select(_JOBS.c.status).where(_JOBS.c.id == self._job_id))
        self._canceled = status != "processing"
        return self._canceled


def _reason(exc: Exception) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        return f"source: the server answered {exc.response.status_code}"
    if isinstance(exc, httpx.HTTPError):
        return f"source: download failed: {exc}"
    if isinstance(exc, BlockedDestination):
        return f"source: {exc}"
    if isinstance(exc, ValidationFailed):
        return exc.message
    return str(exc)
