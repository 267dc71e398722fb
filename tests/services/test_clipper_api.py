"""The clipper over HTTP: jobs that end as assets, their failures, cancel and recovery."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from media import FPS, frame_indexes, make_video
from support import RecordingServer, SyncASGIClient, Tenant, make_tenant
from wavestack.bootstrap import Container, bootstrap
from wavestack.kernel.clock import utcnow
from wavestack.kernel.messages import Envelope
from wavestack.migrations.metadata import target_metadata
from wavestack.services.clipper.handlers import worker_of
from wavestack.services.clipper.schemas import ClipRequest
from wavestack.services.clipper.service import cancel_job, create_job

JOBS = target_metadata.tables["clipper_jobs"]
ASSETS = target_metadata.tables["cms_assets"]


@pytest.fixture(scope="module")
def numbered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("media") / "numbered.mp4")


@pytest.fixture
def media(container: Container, numbered: Path) -> Path:
    root = container.settings.resolved_media_roots[0]
    root.mkdir(parents=True, exist_ok=True)
    (root / "stream.mp4").write_bytes(numbered.read_bytes())
    return root


def clip(api: SyncASGIClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    response = api.post("/api/v1/clip", json=body, headers=tenant.headers)
    assert response.status_code == 202, response.text
    status = api.get(f"/api/v1/clip/{response.json()['job_id']}", headers=tenant.headers)
    assert status.status_code == 200, status.text
    return dict(status.json())


def job_count(container: Container) -> int:
    with container.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(JOBS)) or 0)


def scratch_files(container: Container) -> list[Path]:
    work = container.settings.data_dir / "tmp" / "clips"
    return sorted(work.rglob("*")) if work.exists() else []


def test_a_clip_is_cut_frame_exact_and_stored_as_an_asset(
    api: SyncASGIClient, container: Container, tenant: Tenant, media: Path, tmp_path: Path
) -> None:
    seen: list[Envelope] = []
    container.bus.listen(seen.append)
    status = clip(api, tenant, source="stream.mp4", start_sec=3.0, duration_sec=2.0, name="best")
    assert status["status"] == "complete", status
    assert status["progress"] == 100
    result = status["result"]
    assert result["start"] == 3.0
    assert result["mode"] == "accurate"
    assert abs(result["duration"] - 2.0) <= 1 / FPS + 0.03
    alias = api.get(f"/api/v1/status/{status['job_id']}", headers=tenant.headers)
    assert alias.json() == status

    download = api.get(result["url"], headers=tenant.headers)
    assert download.status_code == 200
    assert len(download.content) == result["size_bytes"]
    copy = tmp_path / "downloaded.mp4"
    copy.write_bytes(download.content)
    assert frame_indexes(copy)[0] == 3 * FPS

    asset = api.get(f"/api/assets/{result['asset_id']}", headers=tenant.headers).json()
    assert asset["status"] == "ready"
    assert asset["filename"] == "best.mp4"
    assert (asset["startTime"], asset["endTime"]) == (3.0, pytest.approx(5.0, abs=0.05))
    deadline = time.monotonic() + 5
    while "clip.completed" not in {e.type for e in seen} and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "clip.completed" in {e.type for e in seen}
    assert scratch_files(container) == []


def test_fast_mode_reports_the_keyframe_it_started_from(
    api: SyncASGIClient, tenant: Tenant, media: Path
) -> None:
    result = clip(api, tenant, source="stream.mp4", start_sec=3.0, duration_sec=2.0, mode="fast")[
        "result"
    ]
    assert result["mode"] == "fast"
    assert result["start"] == pytest.approx(2.0, abs=0.01)  # keyframes every 2 s
    assert result["duration"] == pytest.approx(3.0, abs=0.1)  # still reaches the requested end


@pytest.mark.parametrize(("start", "mode"), [(4.0, "fast"), (4.5, "accurate")])
def test_auto_mode_copies_only_from_a_keyframe(
    api: SyncASGIClient, tenant: Tenant, media: Path, start: float, mode: str
) -> None:
    status = clip(api, tenant, source="stream.mp4", start_sec=start, duration_sec=1.0, mode="auto")
    assert status["result"]["mode"] == mode
    assert status["result"]["start"] == start


def test_webm_is_never_a_copied_h264(api: SyncASGIClient, tenant: Tenant, media: Path) -> None:
    status = clip(
        api, tenant, source="stream.mp4", start_sec=1, duration_sec=1, mode="fast", out_ext="webm"
    )
    assert status["result"]["mode"] == "accurate"


def test_a_clip_past_the_end_is_truncated(api: SyncASGIClient, tenant: Tenant, media: Path) -> None:
    result = clip(api, tenant, source="stream.mp4", start_sec=9.0, duration_sec=30)["result"]
    assert result["duration"] == pytest.approx(1.0, abs=0.1)


def test_an_asset_can_be_the_source(api: SyncASGIClient, tenant: Tenant, numbered: Path) -> None:
    uploaded = api.post(
        "/api/assets",
        files={"file": ("stream.mp4", numbered.read_bytes(), "video/mp4")},
        headers=tenant.headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    source = f"asset://{uploaded.json()['id']}"
    status = clip(api, tenant, source=source, start_sec=1.0, duration_sec=1.0, aspect="1:1")
    assert status["status"] == "complete", status


def _refused(
    api: SyncASGIClient, container: Container, tenant: Tenant, field: str, **body: Any
) -> None:
    request = {"source": "stream.mp4", "start_sec": 0, "duration_sec": 1, **body}
    response = api.post("/api/v1/clip", json=request, headers=tenant.headers)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field in error["message"]
    assert job_count(container) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"duration_sec": 0}, "duration_sec"),
        ({"duration_sec": 3601}, "duration_sec"),
        ({"start_sec": -1}, "start_sec"),
        ({"out_ext": "avi"}, "out_ext"),
        ({"source": "missing.mp4"}, "no such file"),
        ({"source": "/etc/hostname"}, "outside the media roots"),
        ({"source": "../../etc/hostname"}, "outside the media roots"),
        ({"source": "bad\u0000name.mp4"}, "not a usable path"),
        ({"source": "ftp://example.com/v.mp4"}, "source"),
        ({"source": "http://127.0.0.1/v.mp4"}, "source"),
        ({"source": "http://169.254.169.254/latest/meta-data"}, "source"),
        ({"source": "http://10.0.0.1/v.mp4"}, "source"),
        ({"source": "asset://no-such-asset"}, "no such asset"),
        ({"start_sec": 10.5}, "past the end"),
        ({"captions": "no timings here"}, "captions"),
        ({"bogus": 1}, "bogus"),
    ],
)
def test_bad_requests_are_refused_and_write_nothing(
    api: SyncASGIClient,
    container: Container,
    tenant: Tenant,
    media: Path,
    body: dict[str, Any],
    field: str,
) -> None:
    _refused(api, container, tenant, field, **body)


def test_a_symlink_out_of_the_media_roots_is_refused(
    api: SyncASGIClient, container: Container, tenant: Tenant, media: Path, numbered: Path
) -> None:
    (media / "escape.mp4").symlink_to(numbered)  # a real video, but outside the roots
    _refused(api, container, tenant, "outside the media roots", source="escape.mp4")


def test_a_corrupt_file_fails_the_job_and_leaves_nothing(
    api: SyncASGIClient, container: Container, tenant: Tenant, media: Path
) -> None:
    (media / "corrupt.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x13" * 5000)
    status = clip(api, tenant, source="corrupt.mp4", start_sec=0, duration_sec=1)
    assert status["status"] == "failed"
    assert "not a readable media file" in status["error"]
    assert scratch_files(container) == []
    with container.db.session() as session:
        assert session.scalar(select(func.count()).select_from(ASSETS)) == 0


def test_a_hostname_that_resolves_to_loopback_is_blocked_at_download(
    api: SyncASGIClient, container: Container, tenant: Tenant, numbered: Path
) -> None:
    server = RecordingServer(body=numbered.read_bytes(), content_type="video/mp4")
    with server.running():
        url = server.url.replace("127.0.0.1", "localhost") + "/v.mp4"
        status = clip(api, tenant, source=url, start_sec=0, duration_sec=1)
    assert status["status"] == "failed"
    assert "source" in status["error"]
    assert server.requests == []
    assert scratch_files(container) == []


def test_an_allowed_url_is_downloaded_and_clipped(
    settings_factory: Any, namespace: str, numbered: Path
) -> None:
    settings = settings_factory(http_allowed_hosts=["127.0.0.1/32"])
    container = bootstrap(settings, immediate_jobs=True, namespace=namespace)
    try:
        tenant = make_tenant(container, "Streamer")
        server = RecordingServer(body=numbered.read_bytes(), content_type="video/mp4")
        with server.running():
            request = ClipRequest(source=f"{server.url}/v.mp4", start_sec=2, duration_sec=1)
            accepted = create_job(
                container.uow(),
                org_id=tenant.org_id,
                data=request,
                roots=settings.resolved_media_roots,
                egress=container.egress,
                transcoder=container.transcoder,
            )
        with container.db.session() as session:
            job = session.execute(select(JOBS).where(JOBS.c.id == accepted.job_id)).one()
        assert job.status == "complete", job.error
        assert len(server.requests) == 1
    finally:
        container.close()


def test_other_organizations_cannot_see_or_cancel_a_job(
    api: SyncASGIClient, tenant: Tenant, other_tenant: Tenant, media: Path
) -> None:
    status = clip(api, tenant, source="stream.mp4", start_sec=0, duration_sec=1)
    job_id = status["job_id"]
    assert api.get(f"/api/v1/clip/{job_id}", headers=other_tenant.headers).status_code == 404
    assert api.delete(f"/api/v1/clip/{job_id}", headers=other_tenant.headers).status_code == 404
    spoofed = {**other_tenant.headers, "X-Org-Id": tenant.org_id}
    assert api.get(f"/api/v1/clip/{job_id}", headers=spoofed).status_code == 403


def test_scopes_are_enforced(api: SyncASGIClient, container: Container, media: Path) -> None:
    reader = make_tenant(container, "Reader", scopes=["clip:read"])
    body = {"source": "stream.mp4", "start_sec": 0, "duration_sec": 1}
    assert api.post("/api/v1/clip", json=body, headers=reader.headers).status_code == 403


def test_a_finished_job_cannot_be_canceled(
    api: SyncASGIClient, tenant: Tenant, media: Path
) -> None:
    status = clip(api, tenant, source="stream.mp4", start_sec=0, duration_sec=1)
    response = api.delete(f"/api/v1/clip/{status['job_id']}", headers=tenant.headers)
    assert response.status_code == 409


@pytest.fixture
def queued_container(settings: Any, namespace: str) -> Iterator[Container]:
    """Jobs are queued, not run: the test runs the worker itself."""
    container = bootstrap(settings, namespace=namespace)
    yield container
    container.jobs.huey.flush()
    container.close()


def _queue(container: Container, tenant: Tenant, source: str, **extra: Any) -> str:
    request = ClipRequest(source=source, start_sec=0, duration_sec=30, **extra)
    return create_job(
        container.uow(),
        org_id=tenant.org_id,
        data=request,
        roots=container.settings.resolved_media_roots,
        egress=container.egress,
        transcoder=container.transcoder,
    ).job_id


def _job(container: Container, job_id: str) -> Any:
    with container.db.session() as session:
        return session.execute(select(JOBS).where(JOBS.c.id == job_id)).one()


def test_a_queued_job_canceled_never_runs(queued_container: Container, numbered: Path) -> None:
    container = queued_container
    tenant = make_tenant(container, "Streamer")
    root = container.settings.resolved_media_roots[0]
    root.mkdir(parents=True)
    (root / "stream.mp4").write_bytes(numbered.read_bytes())
    job_id = _queue(container, tenant, "stream.mp4")
    assert cancel_job(container.uow(), org_id=tenant.org_id, job_id=job_id).status == "canceled"
    worker_of(container).run(job_id)  # the queued job arrives anyway: nothing happens
    assert _job(container, job_id).status == "canceled"
    assert _job(container, job_id).asset_id is None


def test_cancel_stops_a_running_cut(queued_container: Container, tmp_path: Path) -> None:
    container = queued_container
    tenant = make_tenant(container, "Streamer")
    root = container.settings.resolved_media_roots[0]
    make_video(root / "long.mp4", seconds=30, size=(640, 360), numbered=False)
    job_id = _queue(container, tenant, "long.mp4", out_ext="webm")
    runner = threading.Thread(target=worker_of(container).run, args=(job_id,))
    runner.start()
    deadline = time.monotonic() + 10
    while _job(container, job_id).status != "processing" and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    cancel_job(container.uow(), org_id=tenant.org_id, job_id=job_id)
    runner.join(timeout=15)
    assert not runner.is_alive()
    job = _job(container, job_id)
    assert (job.status, job.asset_id) == ("canceled", None)
    assert scratch_files(container) == []


def test_a_job_whose_worker_died_is_retried_then_failed(
    queued_container: Container, numbered: Path
) -> None:
    container = queued_container
    tenant = make_tenant(container, "Streamer")
    root = container.settings.resolved_media_roots[0]
    root.mkdir(parents=True)
    (root / "stream.mp4").write_bytes(numbered.read_bytes())
    job_id = _queue(container, tenant, "stream.mp4")
    worker = worker_of(container)

    def die_mid_cut(attempts: int) -> None:
        with container.db.engine.begin() as conn:
            conn.execute(
                JOBS.update()
                .where(JOBS.c.id == job_id)
                .values(
                    status="processing",
                    attempts=attempts,
                    updated_at=utcnow() - timedelta(minutes=5),
                )
            )

    die_mid_cut(1)
    assert worker.recover_stale() == 1
    assert _job(container, job_id).status == "queued"  # and queued again
    worker.run(job_id)
    assert _job(container, job_id).status == "complete"

    second = _queue(container, tenant, "stream.mp4")
    job_id = second
    die_mid_cut(3)
    worker.recover_stale()
    job = _job(container, second)
    assert job.status == "failed"
    assert "worker stopped" in job.error


@pytest.fixture(scope="module")
def hls_dir(tmp_path_factory: pytest.TempPathFactory, numbered: Path) -> Path:
    """The numbered video as 2 s HLS segments: a VOD playlist, a live one, a master."""
    import subprocess

    from wavestack.providers.transcode.client import bundled_ffmpeg

    folder = tmp_path_factory.mktemp("hls")
    subprocess.run(
        [
            *(bundled_ffmpeg(), "-hide_banner", "-loglevel", "error", "-i", str(numbered)),
            *("-c", "copy", "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod"),
            *("-hls_segment_filename", str(folder / "seg%03d.ts"), str(folder / "vod.m3u8")),
        ],
        check=True,
    )
    vod = (folder / "vod.m3u8").read_text()
    live = "\n".join(
        line for line in vod.splitlines() if "ENDLIST" not in line and "PLAYLIST-TYPE" not in line
    )
    (folder / "live.m3u8").write_text(live + "\n")
    (folder / "master.m3u8").write_text(
        "#EXTM3U\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=100000,RESOLUTION=80x48\nmissing-low.m3u8\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=160x96\nvod.m3u8\n"
    )
    return folder


@pytest.fixture
def hls_server(hls_dir: Path) -> Iterator[str]:
    import functools
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=hls_dir))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("playlist", "start", "duration", "first_frame"),
    [
        ("master.m3u8", 5.0, 2.0, 5 * FPS),  # the best rendition, from 5 s
        ("vod.m3u8", 3.32, 1.0, 83),  # frame 83 starts at 3.32 s
        ("live.m3u8", 0.0, 3.0, 10 * FPS - 3 * FPS),  # live: the last 3 s
    ],
)
def test_hls_playlists_are_fetched_segment_by_segment(
    settings_factory: Any,
    namespace: str,
    hls_server: str,
    tmp_path: Path,
    playlist: str,
    start: float,
    duration: float,
    first_frame: int,
) -> None:
    settings = settings_factory(http_allowed_hosts=["127.0.0.1/32"])
    container = bootstrap(settings, immediate_jobs=True, namespace=namespace)
    try:
        tenant = make_tenant(container, "Live")
        request = ClipRequest(
            source=f"{hls_server}/{playlist}", start_sec=start, duration_sec=duration
        )
        job_id = create_job(
            container.uow(),
            org_id=tenant.org_id,
            data=request,
            roots=settings.resolved_media_roots,
            egress=container.egress,
            transcoder=container.transcoder,
        ).job_id
        job = _job(container, job_id)
        assert job.status == "complete", job.error
        assert abs(job.result_duration - duration) <= 1 / FPS + 0.03
        with container.db.session() as session:
            path = session.scalar(select(ASSETS.c.storage_path).where(ASSETS.c.id == job.asset_id))
        clip_file = container.storage.local_path(path)
        assert clip_file is not None
        assert frame_indexes(clip_file)[0] == first_frame
        assert scratch_files(container) == []
    finally:
        container.close()


def test_the_in_memory_transcoder_drives_the_same_job(settings: Any, namespace: str) -> None:
    from wavestack.providers.transcode.fake import FakeTranscoder

    fake = FakeTranscoder(hold=threading.Event())
    container = bootstrap(settings, namespace=namespace, transcoder=fake)
    try:
        tenant = make_tenant(container, "Fake")
        root = container.settings.resolved_media_roots[0]
        root.mkdir(parents=True)
        (root / "stream.mp4").write_bytes(b"registered with the fake")
        fake.add(root / "stream.mp4", duration=60)
        held = _queue(container, tenant, "stream.mp4", mode="fast")
        runner = threading.Thread(target=worker_of(container).run, args=(held,))
        runner.start()
        deadline = time.monotonic() + 5
        while not fake.cuts and time.monotonic() < deadline:
            time.sleep(0.01)
        cancel_job(container.uow(), org_id=tenant.org_id, job_id=held)
        runner.join(timeout=5)
        assert _job(container, held).status == "canceled"
        assert fake.cuts[0].copy
        assert fake.cuts[0].start == 0.0

        assert fake.hold is not None
        fake.hold.set()
        done = _queue(container, tenant, "stream.mp4", mode="fast")
        worker_of(container).run(done)
        job = _job(container, done)
        assert (job.status, job.result_duration) == ("complete", 30.0)
    finally:
        container.jobs.huey.flush()
        container.close()
