"""Streaming multipart uploads into LocalStorage and ranged downloads, through a tiny app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Message

from wavestack.kernel.errors import AppError, RangeNotSatisfiable
from wavestack.kernel.ids import new_id
from wavestack.kernel.storage import LocalStorage, StorageWriter
from wavestack.kernel.uploads import file_response, parse_range, receive_multipart_upload

BOUNDARY = "test-boundary-7MA4YWxkTrZu0gW"
MAX_BYTES = 1000
CONTENT = bytes(range(256)) * 2  # 512 bytes, every byte value


def multipart(*parts: tuple[str, bytes], close: bool = True) -> bytes:
    """Build a multipart body from (Content-Disposition params, data) pairs."""
    out = b""
    for params, data in parts:
        out += f"--{BOUNDARY}\r\nContent-Disposition: form-data; {params}\r\n".encode()
        if "filename" in params:
            out += b"Content-Type: application/octet-stream\r\n"
        out += b"\r\n" + data + b"\r\n"
    if close:
        out += f"--{BOUNDARY}--\r\n".encode()
    return out


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def build_app(storage: LocalStorage) -> Starlette:
    async def upload(request: Request) -> Response:
        key = f"uploads/{new_id()}"

        def open_writer(filename: str, content_type: str | None) -> StorageWriter:
            return storage.writer(key, max_bytes=MAX_BYTES)

        result = await receive_multipart_upload(
            request, open_writer=open_writer, max_bytes=MAX_BYTES
        )
        result.writer.commit()
        return JSONResponse(
            {
                "key": key,
                "filename": result.filename,
                "contentType": result.content_type,
                "size": result.size,
                "fields": result.fields,
            },
            status_code=201,
        )

    async def download(request: Request) -> Response:
        return file_response(
            storage,
            request.path_params["key"],
            media_type="application/octet-stream",
            filename=request.query_params.get("name", "clip.bin"),
            range_header=request.headers.get("range"),
            chunk_size=100,
        )

    async def app_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AppError)
        return JSONResponse(
            {"error": {"code": exc.code, "message": exc.message}},
            status_code=exc.status_code,
            headers=exc.headers,
        )

    return Starlette(
        routes=[
            Route("/upload", upload, methods=["POST"]),
            Route("/files/{key:path}", download, methods=["GET"]),
        ],
        exception_handlers={AppError: app_error},
    )


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(storage: LocalStorage) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app(storage))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as test_client:
        yield test_client


async def post(
    client: httpx.AsyncClient, body: bytes, content_type: str | None = None
) -> httpx.Response:
    headers = {"Content-Type": content_type or f"multipart/form-data; boundary={BOUNDARY}"}
    return await client.post("/upload", content=body, headers=headers)


async def upload(client: httpx.AsyncClient, data: bytes = CONTENT) -> str:
    response = await client.post(
        "/upload", files={"file": ("clip.bin", data, "application/octet-stream")}
    )
    assert response.status_code == 201, response.text
    key: str = response.json()["key"]
    return key


@pytest.mark.anyio
async def test_upload_streams_file_and_collects_fields_around_it(
    client: httpx.AsyncClient, storage: LocalStorage
) -> None:
    body = multipart(
        ('name="projectId"', b"proj-1"),
        ('name="file"; filename="clip.bin"', CONTENT),
        ('name="title"', "Zürich".encode()),
    )
    response = await post(client, body)

    assert response.status_code == 201, response.text
    payload = response.json()
    assert payload["filename"] == "clip.bin"
    assert payload["contentType"] == "application/octet-stream"
    assert payload["size"] == len(CONTENT)
    assert payload["fields"] == {"projectId": "proj-1", "title": "Zürich"}
    with storage.open(payload["key"]) as handle:
        assert handle.read() == CONTENT
    assert list((storage.root / ".tmp").iterdir()) == []


@pytest.mark.anyio
async def test_upload_built_by_httpx_works(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/upload",
        data={"projectId": "p"},
        files={"file": ("a.txt", b"hello", "text/plain")},
    )

    assert response.status_code == 201, response.text
    assert response.json()["fields"] == {"projectId": "p"}
    assert response.json()["size"] == 5


@pytest.mark.anyio
async def test_upload_in_tiny_chunks_without_content_length(client: httpx.AsyncClient) -> None:
    body = multipart(
        ('name="file"; filename="clip.bin"', CONTENT),
        ('name="projectId"', b"proj-2"),
    )

    async def chunks() -> AsyncIterator[bytes]:
        for offset in range(0, len(body), 7):
            yield body[offset : offset + 7]

    response = await client.post(
        "/upload",
        content=chunks(),
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )

    assert response.status_code == 201, response.text
    assert response.json()["size"] == len(CONTENT)
    assert response.json()["fields"] == {"projectId": "proj-2"}


@pytest.mark.anyio
async def test_client_disconnect_aborts_the_writer(storage: LocalStorage) -> None:
    body = multipart(('name="file"; filename="clip.bin"', CONTENT), close=False)
    messages: list[Message] = [
        {"type": "http.request", "body": body[:300], "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> Message:
        return messages.pop(0)

    content_type = f"multipart/form-data; boundary={BOUNDARY}".encode()
    scope = {"type": "http", "method": "POST", "headers": [(b"content-type", content_type)]}
    opened: list[str] = []

    def open_writer(filename: str, content_type: str | None) -> StorageWriter:
        opened.append(filename)
        return storage.writer("uploads/partial", max_bytes=MAX_BYTES)

    with pytest.raises(ClientDisconnect):
        await receive_multipart_upload(
            Request(scope, receive), open_writer=open_writer, max_bytes=MAX_BYTES
        )
    assert opened == ["clip.bin"]
    assert stored_files(storage.root) == []


@pytest.mark.anyio
async def test_upload_over_the_limit_is_413_and_leaves_nothing(
    client: httpx.AsyncClient, storage: LocalStorage
) -> None:
    body = multipart(('name="file"; filename="big.bin"', b"x" * (MAX_BYTES + 1)))
    response = await post(client, body)

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert stored_files(storage.root) == []


@pytest.mark.anyio
async def test_declared_length_far_over_the_limit_is_refused_before_reading(
    client: httpx.AsyncClient, storage: LocalStorage
) -> None:
    body = multipart(('name="file"; filename="big.bin"', b"x" * (MAX_BYTES + 1024 * 1024)))
    response = await post(client, body)

    assert response.status_code == 413
    assert stored_files(storage.root) == []


@pytest.mark.anyio
async def test_missing_file_field_is_422(client: httpx.AsyncClient) -> None:
    response = await post(client, multipart(('name="projectId"', b"p")))

    assert response.status_code == 422
    assert response.json()["error"]["message"] == "form field 'file' with a file is required"


@pytest.mark.anyio
async def test_file_field_without_filename_is_422(client: httpx.AsyncClient) -> None:
    response = await post(client, multipart(('name="file"', b"not a file")))

    assert response.status_code == 422
    assert response.json()["error"]["message"] == "form field 'file' with a file is required"


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "multipart/form-data", "text/plain; boundary=x"],
)
@pytest.mark.anyio
async def test_non_multipart_request_is_422(client: httpx.AsyncClient, content_type: str) -> None:
    response = await post(client, b'{"file": 1}', content_type)

    assert response.status_code == 422
    assert "multipart/form-data" in response.json()["error"]["message"]


@pytest.mark.anyio
async def test_truncated_body_is_422_and_aborts_the_writer(
    client: httpx.AsyncClient, storage: LocalStorage
) -> None:
    body = multipart(('name="file"; filename="clip.bin"', CONTENT), close=False)
    response = await post(client, body[:-10])

    assert response.status_code == 422
    assert stored_files(storage.root) == []


@pytest.mark.anyio
async def test_malformed_body_is_422(client: httpx.AsyncClient, storage: LocalStorage) -> None:
    response = await post(client, b"--" + BOUNDARY.encode() + b"garbage\r\n\r\n")

    assert response.status_code == 422
    assert stored_files(storage.root) == []


@pytest.mark.anyio
async def test_second_file_part_is_422_and_aborts_the_writer(
    client: httpx.AsyncClient, storage: LocalStorage
) -> None:
    body = multipart(
        ('name="file"; filename="a.bin"', b"a"),
        ('name="file"; filename="b.bin"', b"b"),
    )
    response = await post(client, body)

    assert response.status_code == 422
    assert stored_files(storage.root) == []


@pytest.mark.anyio
async def test_oversized_text_field_is_422(client: httpx.AsyncClient) -> None:
    body = multipart(
        ('name="file"; filename="a.bin"', b"a"),
        ('name="note"', b"n" * (64 * 1024 + 1)),
    )
    response = await post(client, body)

    assert response.status_code == 422
    assert "note" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ('name="file"; filename="../../etc/passwd"', "passwd"),
        ('name="file"; filename="C:\\\\Users\\\\me\\\\clip.mp4"', "clip.mp4"),
        (
            'name="file"; filename="fallback.txt"; filename*=UTF-8\'\'r%C3%A9sum%C3%A9.txt',
            "résumé.txt",
        ),
    ],
)
@pytest.mark.anyio
async def test_filename_is_reduced_to_its_last_segment(
    client: httpx.AsyncClient, params: str, expected: str
) -> None:
    response = await post(client, multipart((params, b"data")))

    assert response.status_code == 201, response.text
    assert response.json()["filename"] == expected


@pytest.mark.parametrize("filename", ["", "dir/", ".."])
@pytest.mark.anyio
async def test_empty_filename_is_422(client: httpx.AsyncClient, filename: str) -> None:
    response = await post(client, multipart((f'name="file"; filename="{filename}"', b"data")))

    assert response.status_code == 422


@pytest.mark.anyio
async def test_full_download_advertises_ranges(client: httpx.AsyncClient) -> None:
    key = await upload(client)
    response = await client.get(f"/files/{key}", params={"name": "Zürich clip.bin"})

    assert response.status_code == 200
    assert response.content == CONTENT
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["content-length"] == str(len(CONTENT))
    assert response.headers["content-disposition"] == (
        "inline; filename=\"Zurich clip.bin\"; filename*=UTF-8''Z%C3%BCrich%20clip.bin"
    )


@pytest.mark.parametrize(
    ("range_header", "start", "end"),
    [
        ("bytes=0-9", 0, 9),
        ("bytes=-5", 507, 511),
        ("bytes=10-", 10, 511),
        ("bytes=500-999", 500, 511),
    ],
)
@pytest.mark.anyio
async def test_range_download_is_206(
    client: httpx.AsyncClient, range_header: str, start: int, end: int
) -> None:
    key = await upload(client)
    response = await client.get(f"/files/{key}", headers={"Range": range_header})

    assert response.status_code == 206
    assert response.content == CONTENT[start : end + 1]
    assert response.headers["content-range"] == f"bytes {start}-{end}/{len(CONTENT)}"
    assert response.headers["content-length"] == str(end - start + 1)
    assert response.headers["accept-ranges"] == "bytes"


@pytest.mark.anyio
async def test_range_past_the_end_is_416(client: httpx.AsyncClient) -> None:
    key = await upload(client)
    response = await client.get(f"/files/{key}", headers={"Range": "bytes=1000000-"})

    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{len(CONTENT)}"


@pytest.mark.parametrize("range_header", ["bytes=abc", "items=0-9", "bytes=0-1,5-9", "bytes=9-0"])
@pytest.mark.anyio
async def test_unusable_range_header_serves_the_whole_file(
    client: httpx.AsyncClient, range_header: str
) -> None:
    key = await upload(client)
    response = await client.get(f"/files/{key}", headers={"Range": range_header})

    assert response.status_code == 200
    assert response.content == CONTENT


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        (None, 10, None),
        ("", 10, None),
        ("bytes=0-0", 10, (0, 0)),
        ("bytes=2-100", 10, (2, 9)),
        ("BYTES=3-", 10, (3, 9)),
        ("bytes=-100", 10, (0, 9)),
        ("bytes=-", 10, None),
        ("bytes=0-99999999999999999999999999", 10, (0, 9)),
    ],
)
def test_parse_range(header: str | None, size: int, expected: tuple[int, int] | None) -> None:
    assert parse_range(header, size) == expected


@pytest.mark.parametrize(
    ("header", "size"), [("bytes=10-", 10), ("bytes=0-", 0), ("bytes=-0", 10), ("bytes=-1", 0)]
)
def test_parse_range_unsatisfiable(header: str, size: int) -> None:
    with pytest.raises(RangeNotSatisfiable) as caught:
        parse_range(header, size)
    assert caught.value.headers == {"Content-Range": f"bytes */{size}"}
