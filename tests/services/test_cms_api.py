"""Projects and assets as the contract states them: CRUD, uploads, ranged reads, URL fetch."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from support import RecordingServer, SyncASGIClient, Tenant, asgi_client, make_tenant
from wavestack.app import create_app
from wavestack.bootstrap import Container, bootstrap
from wavestack.kernel.storage import LocalStorage

CONTENT = bytes(range(256)) * 4  # 1024 bytes, every byte value
BOUNDARY = "cms-test-boundary-5Yq3"


def _root(container: Container) -> Path:
    assert isinstance(container.storage, LocalStorage)
    return container.storage.root


def stored_files(container: Container) -> list[Path]:
    """Every file under the storage root, temp files included."""
    return sorted(path for path in _root(container).rglob("*") if path.is_file())


def assert_no_files(container: Container) -> None:
    assert stored_files(container) == []
    assert list((_root(container) / ".tmp").iterdir()) == []


def asset_total(api: SyncASGIClient, tenant: Tenant) -> int:
    response = api.get("/api/assets", headers=tenant.headers)
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


def project_total(api: SyncASGIClient, tenant: Tenant) -> int:
    response = api.get("/api/projects", headers=tenant.headers)
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


def upload(
    api: SyncASGIClient,
    tenant: Tenant,
    *,
    filename: str = "clip.mp4",
    content: bytes = CONTENT,
    content_type: str = "video/mp4",
    fields: dict[str, str] | None = None,
) -> httpx.Response:
    return api.post(
        "/api/assets",
        headers=tenant.headers,
        files={"file": (filename, content, content_type)},
        data=fields or {},
    )


def raw_multipart(*parts: tuple[str, bytes]) -> tuple[bytes, dict[str, str]]:
    """A multipart body from (Content-Disposition params, data) pairs, and its content type."""
    body = b""
    for params, data in parts:
        body += f"--{BOUNDARY}\r\nContent-Disposition: form-data; {params}\r\n\r\n".encode()
        body += data + b"\r\n"
    body += f"--{BOUNDARY}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


def assert_envelope(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error


def fetch_in_background(container: Container) -> None:
    """Run the outbox dispatcher in its thread, so a URL fetch runs there and not in the request.

    Inline, the fetch job's own commit (AssetReady/AssetFailed) re-enters
    `OutboxDispatcher.dispatch_pending`, whose lock is not reentrant: the request deadlocks.
    """
    container.dispatcher.start()


def settled_asset(api: SyncASGIClient, tenant: Tenant, asset_id: str) -> dict[str, Any]:
    """Poll an asset until its fetch has finished one way or the other (or 10 s passed)."""
    deadline = time.monotonic() + 10
    while True:
        response = api.get(f"/api/assets/{asset_id}", headers=tenant.headers)
        assert response.status_code == 200, response.text
        asset: dict[str, Any] = response.json()
        if asset["status"] not in ("pending", "processing") or time.monotonic() > deadline:
            return asset
        time.sleep(0.02)


@contextmanager
def custom_app(
    settings_factory: Callable[..., Any], namespace: str, **overrides: Any
) -> Iterator[tuple[Container, SyncASGIClient, Tenant]]:
    """A container and client built with non-default settings."""
    container = bootstrap(settings_factory(**overrides), immediate_jobs=True, namespace=namespace)
    try:
        fetch_in_background(container)
        tenant = make_tenant(container, "Custom")
        with asgi_client(create_app(container)) as client:
            yield container, client, tenant
    finally:
        container.close()


# --- projects -------------------------------------------------------------------------------


def test_project_crud(api: SyncASGIClient, tenant: Tenant) -> None:
    created = api.post(
        "/api/projects",
        headers=tenant.headers,
        json={"name": "  Weekly show ", "description": "Episodes", "settings": {"lang": "en"}},
    )
    assert created.status_code == 201, created.text
    project = created.json()
    assert project["orgId"] == tenant.org_id
    assert project["name"] == "Weekly show"
    assert project["description"] == "Episodes"
    assert project["settings"] == {"lang": "en"}
    assert {"id", "createdAt", "updatedAt"} <= project.keys()
    assert "org_id" not in project
    assert "created_at" not in project
    url = f"/api/projects/{project['id']}"

    assert api.get(url, headers=tenant.headers).json() == project

    patched = api.patch(url, headers=tenant.headers, json={"description": "All episodes"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["name"] == "Weekly show"
    assert patched.json()["description"] == "All episodes"
    assert patched.json()["settings"] == {"lang": "en"}

    patched = api.patch(
        url, headers=tenant.headers, json={"name": "Daily show", "settings": {"lang": "de"}}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["name"] == "Daily show"
    assert patched.json()["description"] == "All episodes"
    assert patched.json()["settings"] == {"lang": "de"}

    refused = api.patch(url, headers=tenant.headers, json={"name": None})
    assert_envelope(refused, 422, "VALIDATION_ERROR")
    assert api.get(url, headers=tenant.headers).json()["name"] == "Daily show"

    deleted = api.delete(url, headers=tenant.headers)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_envelope(api.get(url, headers=tenant.headers), 404, "NOT_FOUND")
    assert_envelope(api.delete(url, headers=tenant.headers), 404, "NOT_FOUND")
    assert api.patch(url, headers=tenant.headers, json={"name": "x"}).status_code == 404


def test_project_list_newest_first_with_paging(api: SyncASGIClient, tenant: Tenant) -> None:
    ids = []
    for name in ("first", "second", "third"):
        response = api.post("/api/projects", headers=tenant.headers, json={"name": name})
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])

    full = api.get("/api/projects", headers=tenant.headers).json()
    assert set(full) == {"items", "total", "limit", "offset"}
    assert (full["total"], full["limit"], full["offset"]) == (3, 20, 0)
    assert [p["id"] for p in full["items"]] == ids[::-1]

    window = api.get("/api/projects?limit=1&offset=1", headers=tenant.headers).json()
    assert (window["total"], window["limit"], window["offset"]) == (3, 1, 1)
    assert [p["name"] for p in window["items"]] == ["second"]
    beyond = api.get("/api/projects?offset=5", headers=tenant.headers).json()
    assert beyond["items"] == []
    assert beyond["total"] == 3

    for query in ("limit=0", "limit=101", "offset=-1", "limit=abc"):
        response = api.get(f"/api/projects?{query}", headers=tenant.headers)
        assert_envelope(response, 422, "VALIDATION_ERROR")


def test_project_validation_writes_nothing(api: SyncASGIClient, tenant: Tenant) -> None:
    bad_bodies: list[Any] = [
        {"name": ""},
        {"name": "   "},
        {"name": "x" * 201},
        {"name": "ok", "unexpected": 1},
        {},
        {"name": "ok", "settings": "not an object"},
        ["name"],
    ]
    for body in bad_bodies:
        response = api.post("/api/projects", headers=tenant.headers, json=body)
        error = assert_envelope(response, 422, "VALIDATION_ERROR")
        assert error["details"], body
    malformed = api.post(
        "/api/projects",
        headers={**tenant.headers, "Content-Type": "application/json"},
        content=b'{"name": "broken"',
    )
    assert_envelope(malformed, 422, "VALIDATION_ERROR")
    assert project_total(api, tenant) == 0
    # The longest allowed name is fine.
    ok = api.post("/api/projects", headers=tenant.headers, json={"name": "x" * 200})
    assert ok.status_code == 201, ok.text
    assert project_total(api, tenant) == 1


def test_projects_of_another_org_are_invisible(
    api: SyncASGIClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    project = api.post("/api/projects", headers=tenant.headers, json={"name": "Mine"}).json()
    url = f"/api/projects/{project['id']}"
    assert_envelope(api.get(url, headers=other_tenant.headers), 404, "NOT_FOUND")
    assert api.patch(url, headers=other_tenant.headers, json={"name": "x"}).status_code == 404
    assert api.delete(url, headers=other_tenant.headers).status_code == 404
    assert project_total(api, other_tenant) == 0
    assert api.get(url, headers=tenant.headers).json()["name"] == "Mine"
    assert api.get("/api/projects", headers={}).status_code == 401


# --- uploads and downloads ------------------------------------------------------------------


def test_upload_then_download_with_ranges(
    api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    response = upload(api, tenant, filename="clip.mp4", content_type="video/mp4")
    assert response.status_code == 201, response.text
    asset = response.json()
    assert asset["orgId"] == tenant.org_id
    assert asset["projectId"] is None
    assert asset["filename"] == "clip.mp4"
    assert asset["mimeType"] == "video/mp4"
    assert asset["sizeBytes"] == len(CONTENT)
    assert asset["status"] == "ready"
    assert asset["storageType"] == "local"
    assert asset["sourceUrl"] is None
    (stored,) = stored_files(container)
    assert stored.read_bytes() == CONTENT
    assert api.get(f"/api/assets/{asset['id']}", headers=tenant.headers).json() == asset

    url = f"/api/assets/{asset['id']}/content"
    full = api.get(url, headers=tenant.headers)
    assert full.status_code == 200
    assert full.content == CONTENT
    assert full.headers["Accept-Ranges"] == "bytes"
    assert full.headers["Content-Length"] == str(len(CONTENT))
    assert full.headers["Content-Type"] == "video/mp4"
    assert "Content-Range" not in full.headers

    size = len(CONTENT)
    cases = {
        "bytes=0-9": (CONTENT[:10], f"bytes 0-9/{size}"),
        "bytes=-5": (CONTENT[-5:], f"bytes {size - 5}-{size - 1}/{size}"),
        "bytes=10-": (CONTENT[10:], f"bytes 10-{size - 1}/{size}"),
        "bytes=1000-99999": (CONTENT[1000:], f"bytes 1000-{size - 1}/{size}"),
    }
    for header, (expected, content_range) in cases.items():
        part = api.get(url, headers={**tenant.headers, "Range": header})
        assert part.status_code == 206, header
        assert part.content == expected, header
        assert part.headers["Content-Range"] == content_range, header
        assert part.headers["Content-Length"] == str(len(expected)), header
        assert part.headers["Accept-Ranges"] == "bytes"

    unsatisfiable = api.get(url, headers={**tenant.headers, "Range": "bytes=99999999-"})
    assert_envelope(unsatisfiable, 416, "RANGE_NOT_SATISFIABLE")
    assert unsatisfiable.headers["Content-Range"] == f"bytes */{size}"


def test_upload_mime_type_is_guessed_for_octet_stream(api: SyncASGIClient, tenant: Tenant) -> None:
    guessed = upload(api, tenant, filename="talk.webm", content_type="application/octet-stream")
    assert guessed.status_code == 201, guessed.text
    assert guessed.json()["mimeType"] == "video/webm"
    declared = upload(api, tenant, filename="talk.webm", content_type="audio/ogg; codecs=opus")
    assert declared.json()["mimeType"] == "audio/ogg"
    unknown = upload(api, tenant, filename="blob", content_type="application/octet-stream")
    assert unknown.json()["mimeType"] == "application/octet-stream"
    download = api.get(f"/api/assets/{guessed.json()['id']}/content", headers=tenant.headers)
    assert download.headers["Content-Type"] == "video/webm"


def test_upload_to_project_and_list_filters(
    api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    project = api.post("/api/projects", headers=tenant.headers, json={"name": "Show"}).json()
    in_project = upload(api, tenant, filename="a.mp4", fields={"projectId": project["id"]})
    assert in_project.status_code == 201, in_project.text
    assert in_project.json()["projectId"] == project["id"]
    loose = upload(api, tenant, filename="b.mp4")
    assert loose.status_code == 201, loose.text
    # With default settings a loopback URL is refused, so this one ends failed.
    fetch_in_background(container)
    failed = api.post(
        "/api/assets", headers=tenant.headers, json={"sourceUrl": "http://127.0.0.1:9/c.mp4"}
    )
    assert failed.status_code == 201, failed.text
    a, b, c = in_project.json()["id"], loose.json()["id"], failed.json()["id"]
    assert settled_asset(api, tenant, c)["status"] == "failed"

    def listed(query: str) -> list[str]:
        response = api.get(f"/api/assets{query}", headers=tenant.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == len(body["items"])
        return [item["id"] for item in body["items"]]

    assert listed("") == [c, b, a]
    assert listed(f"?projectId={project['id']}") == [a]
    assert listed("?projectId=no-such-project") == []
    assert listed("?status=ready") == [b, a]
    assert listed("?status=failed") == [c]
    assert listed("?status=pending") == []
    assert listed(f"?status=ready&projectId={project['id']}") == [a]
    page = api.get("/api/assets?limit=1&offset=1", headers=tenant.headers).json()
    assert (page["total"], page["limit"], page["offset"]) == (3, 1, 1)
    assert [item["id"] for item in page["items"]] == [b]
    assert_envelope(
        api.get("/api/assets?status=bogus", headers=tenant.headers), 422, "VALIDATION_ERROR"
    )

    # Deleting the project keeps its assets, detached from it.
    assert api.delete(f"/api/projects/{project['id']}", headers=tenant.headers).status_code == 204
    kept = api.get(f"/api/assets/{a}", headers=tenant.headers)
    assert kept.status_code == 200
    assert kept.json()["projectId"] is None
    assert len(stored_files(container)) == 2


def test_upload_to_unknown_or_foreign_project_is_422_and_leaves_nothing(
    api: SyncASGIClient, container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    foreign = api.post("/api/projects", headers=other_tenant.headers, json={"name": "Theirs"})
    assert foreign.status_code == 201
    for project_id in ("00000000-0000-7000-8000-000000000000", foreign.json()["id"]):
        response = upload(api, tenant, fields={"projectId": project_id})
        error = assert_envelope(response, 422, "VALIDATION_ERROR")
        assert "projectId" in str(error)
        assert_no_files(container)
        assert asset_total(api, tenant) == 0
    assert asset_total(api, other_tenant) == 0


def test_malformed_uploads_are_422_and_leave_nothing(
    api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    no_file_body, multipart_type = raw_multipart(('name="projectId"', b""))
    unnamed_file_body, _ = raw_multipart(('name="file"', CONTENT))
    requests: dict[str, dict[str, Any]] = {
        "missing file": {"content": no_file_body, "headers": multipart_type},
        "file without filename": {"content": unnamed_file_body, "headers": multipart_type},
        "not multipart": {"data": {"projectId": "x"}},
        "extra field": {
            "files": {"file": ("clip.mp4", CONTENT, "video/mp4")},
            "data": {"title": "surprise"},
        },
        "two files": {
            "files": [
                ("file", ("a.mp4", CONTENT, "video/mp4")),
                ("file", ("b.mp4", CONTENT, "video/mp4")),
            ]
        },
        "file in another field": {"files": {"other": ("a.mp4", CONTENT, "video/mp4")}},
        "unclosed body": {
            "content": no_file_body.removesuffix(f"--{BOUNDARY}--\r\n".encode()),
            "headers": multipart_type,
        },
    }
    for reason, kwargs in requests.items():
        headers = {**tenant.headers, **kwargs.pop("headers", {})}
        response = api.post("/api/assets", headers=headers, **kwargs)
        assert_envelope(response, 422, "VALIDATION_ERROR")
        assert stored_files(container) == [], reason
    assert_no_files(container)
    assert asset_total(api, tenant) == 0


def test_upload_over_the_limit_is_413_and_leaves_nothing(
    settings_factory: Callable[..., Any], namespace: str
) -> None:
    with custom_app(settings_factory, namespace, max_upload_bytes=1000) as (container, api, tenant):
        too_big = upload(api, tenant, content=b"x" * 1001)
        assert_envelope(too_big, 413, "PAYLOAD_TOO_LARGE")
        far_too_big = upload(api, tenant, content=b"x" * 50_000)
        assert_envelope(far_too_big, 413, "PAYLOAD_TOO_LARGE")
        assert_no_files(container)
        assert asset_total(api, tenant) == 0

        at_limit = upload(api, tenant, content=b"x" * 1000)
        assert at_limit.status_code == 201, at_limit.text
        assert at_limit.json()["sizeBytes"] == 1000
        assert len(stored_files(container)) == 1


def test_delete_asset_removes_row_and_bytes(
    api: SyncASGIClient, container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    asset = upload(api, tenant).json()
    url = f"/api/assets/{asset['id']}"
    # Another organization sees nothing and cannot delete it.
    assert_envelope(api.get(url, headers=other_tenant.headers), 404, "NOT_FOUND")
    assert api.get(f"{url}/content", headers=other_tenant.headers).status_code == 404
    assert api.delete(url, headers=other_tenant.headers).status_code == 404
    assert asset_total(api, other_tenant) == 0
    assert len(stored_files(container)) == 1

    deleted = api.delete(url, headers=tenant.headers)
    assert deleted.status_code == 204
    assert_envelope(api.get(url, headers=tenant.headers), 404, "NOT_FOUND")
    assert api.get(f"{url}/content", headers=tenant.headers).status_code == 404
    assert_envelope(api.delete(url, headers=tenant.headers), 404, "NOT_FOUND")
    assert asset_total(api, tenant) == 0
    assert_no_files(container)
    # The per-asset directories went with the file.
    assert [p.name for p in _root(container).iterdir()] == [".tmp"]


# --- registration by URL --------------------------------------------------------------------


def test_registration_validation(api: SyncASGIClient, tenant: Tenant) -> None:
    bad_bodies: list[Any] = [
        {"sourceUrl": "ftp://example.com/clip.mp4"},
        {"sourceUrl": "file:///etc/passwd"},
        {"sourceUrl": "not a url"},
        {},
        {"sourceUrl": "https://example.com/a.mp4", "unexpected": True},
        {"sourceUrl": "https://example.com/a.mp4", "startTime": 5, "endTime": 2},
        {"sourceUrl": "https://example.com/a.mp4", "projectId": "no-such-project"},
    ]
    for body in bad_bodies:
        response = api.post("/api/assets", headers=tenant.headers, json=body)
        assert_envelope(response, 422, "VALIDATION_ERROR")
    malformed = api.post(
        "/api/assets",
        headers={**tenant.headers, "Content-Type": "application/json"},
        content=b"{nope",
    )
    assert_envelope(malformed, 422, "VALIDATION_ERROR")
    assert asset_total(api, tenant) == 0


def test_registered_loopback_url_is_blocked_by_default(
    api: SyncASGIClient, container: Container, tenant: Tenant
) -> None:
    fetch_in_background(container)
    server = RecordingServer(body=CONTENT, content_type="video/mp4")
    with server.running():
        port = server.url.rsplit(":", 1)[1]
        for source in (f"{server.url}/clip.mp4", f"http://localhost:{port}/clip.mp4"):
            response = api.post("/api/assets", headers=tenant.headers, json={"sourceUrl": source})
            if response.status_code == 422:
                continue  # refusing at registration is acceptable too
            assert response.status_code == 201, response.text
            asset = settled_asset(api, tenant, response.json()["id"])
            assert asset["status"] == "failed", source
            assert "blocked" in asset["error"], asset["error"]
            assert "not allowed" in asset["error"], asset["error"]
            assert asset["sizeBytes"] is None
            content = api.get(f"/api/assets/{asset['id']}/content", headers=tenant.headers)
            assert content.status_code == 404
    assert server.requests == []
    assert_no_files(container)


def test_registered_url_is_fetched_when_allowed(
    settings_factory: Callable[..., Any], namespace: str
) -> None:
    server = RecordingServer(body=CONTENT, content_type="video/mp4")
    with (
        custom_app(settings_factory, namespace, http_allowed_hosts=["127.0.0.1/32"]) as (
            container,
            api,
            tenant,
        ),
        server.running(),
    ):
        response = api.post(
            "/api/assets",
            headers=tenant.headers,
            json={"sourceUrl": f"{server.url}/media/stream%20cut.bin?x=1", "filename": "cut.mp4"},
        )
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["filename"] == "cut.mp4"
        assert created["sourceUrl"] == f"{server.url}/media/stream%20cut.bin?x=1"
        assert created["status"] in ("pending", "ready")
        asset = settled_asset(api, tenant, created["id"])
        assert asset["status"] == "ready", asset
        assert asset["sizeBytes"] == len(CONTENT)
        assert asset["mimeType"] == "video/mp4"
        assert asset["storageType"] == "local"
        assert asset["error"] is None
        download = api.get(f"/api/assets/{asset['id']}/content", headers=tenant.headers)
        assert download.status_code == 200
        assert download.content == CONTENT
        assert [(r.method, r.path) for r in server.requests] == [
            ("GET", "/media/stream%20cut.bin?x=1")
        ]

        # Without a filename, the URL's last path segment names the asset.
        named = api.post(
            "/api/assets", headers=tenant.headers, json={"sourceUrl": f"{server.url}/v/ep1.mp4"}
        ).json()
        assert named["filename"] == "ep1.mp4"
        assert settled_asset(api, tenant, named["id"])["status"] == "ready"
        assert len(stored_files(container)) == 2


def test_registered_url_that_fails_marks_the_asset_failed(
    settings_factory: Callable[..., Any], namespace: str
) -> None:
    missing = RecordingServer(statuses=[404], body=b"not here")
    huge = RecordingServer(body=b"x" * 5000, content_type="video/mp4")
    with (
        custom_app(
            settings_factory, namespace, http_allowed_hosts=["127.0.0.1/32"], max_upload_bytes=1000
        ) as (container, api, tenant),
        missing.running(),
        huge.running(),
    ):
        gone = api.post(
            "/api/assets", headers=tenant.headers, json={"sourceUrl": f"{missing.url}/gone.mp4"}
        )
        assert gone.status_code == 201, gone.text
        asset = settled_asset(api, tenant, gone.json()["id"])
        assert asset["status"] == "failed"
        assert "404" in asset["error"]
        assert asset["sizeBytes"] is None
        assert len(missing.requests) == 1  # a 404 is final: not retried

        too_big = api.post(
            "/api/assets", headers=tenant.headers, json={"sourceUrl": f"{huge.url}/big.mp4"}
        )
        assert too_big.status_code == 201, too_big.text
        asset = settled_asset(api, tenant, too_big.json()["id"])
        assert asset["status"] == "failed", asset
        assert "1000" in asset["error"]

        listed = api.get("/api/assets?status=failed", headers=tenant.headers).json()
        assert listed["total"] == 2
        assert_no_files(container)
