"""Streaming multipart uploads into storage, and ranged downloads back out of it."""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import StreamingResponse

from wavestack.kernel.errors import PayloadTooLarge, RangeNotSatisfiable, ValidationFailed
from wavestack.kernel.storage import FileStorage, StorageWriter

# Room for part headers, boundaries and the small text fields around the file.
_FORM_OVERHEAD = 1024 * 1024
_MAX_FILENAME_CHARS = 255

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_PARAM = re.compile(
    r";\s*(?P<key>[!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*"
    r'(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<token>[^;\s]*))\s*',
    re.DOTALL,
)
_EXT_VALUE = re.compile(r"(?P<charset>[A-Za-z0-9!#$%&+^_`{}~-]+)'[^']*'(?P<value>.*)", re.DOTALL)
_RANGE = re.compile(r"bytes=\s*(?P<start>[0-9]*)-(?P<end>[0-9]*)\s*", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class UploadResult:
    """A received upload whose writer still waits for the caller to commit or abort it."""

    filename: str
    content_type: str | None
    size: int
    fields: dict[str, str]
    writer: StorageWriter


def _parse_params(value: str) -> tuple[str, dict[str, str]]:
    """Split a header like `form-data; name="a"` into its lowercased main value and params."""
    main, sep, rest = value.partition(";")
    params: dict[str, str] = {}
    rest = sep + rest
    pos = 0
    while pos < len(rest):
        match = _PARAM.match(rest, pos)
        if match is None:
            raise ValidationFailed(f"malformed header parameters: {value!r}")
        quoted = match.group("quoted")
        if quoted is not None:
            text = re.sub(r"\\(.)", r"\1", quoted, flags=re.DOTALL)
        else:
            text = match.group("token")
        params[match.group("key").lower()] = text
        pos = match.end()
    return main.strip().lower(), params


def _ext_value(value: str) -> str | None:
    """Decode an RFC 8187 `charset'lang'pct-encoded` value, or None when it cannot be read."""
    match = _EXT_VALUE.fullmatch(value)
    if match is None:
        return None
    charset = match.group("charset").lower()
    if charset not in ("utf-8", "iso-8859-1"):
        return None
    try:
        return unquote(match.group("value"), encoding=charset, errors="strict")
    except UnicodeDecodeError:
        return None


def _clean_filename(raw: str) -> str:
    """Keep only the last path segment of a client-sent filename, without control characters."""
    name = re.split(r"[/\\]", raw)[-1]
    name = _CONTROL.sub("", name).strip()
    if name in ("", ".", ".."):
        raise ValidationFailed("the uploaded file needs a filename")
    if len(name) > _MAX_FILENAME_CHARS:
        raise ValidationFailed(f"filename is longer than {_MAX_FILENAME_CHARS} characters")
    return name


def _decode_header(raw: bytes) -> str:
    # Browsers put raw UTF-8 into multipart headers; older clients may send Latin-1.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


@dataclass(slots=True)
class _FormReader:
    """Parser callbacks: route the file part into a storage writer and keep text fields."""

    open_writer: Callable[[str, str | None], StorageWriter]
    file_field: str
    max_field_bytes: int
    fields: dict[str, str] = field(default_factory=dict)
    writer: StorageWriter | None = None
    filename: str | None = None
    content_type: str | None = None
    size: int = 0
    ended: bool = False
    _headers: dict[str, str] = field(default_factory=dict)
    _header_name: bytearray = field(default_factory=bytearray)
    _header_value: bytearray = field(default_factory=bytearray)
    _file_writer: StorageWriter | None = None
    _field_name: str | None = None
    _field_value: bytearray = field(default_factory=bytearray)
    _field_total: int = 0

    def on_part_begin(self) -> None:
        self._headers = {}
        self._header_name.clear()
        self._header_value.clear()
        self._file_writer = None
        self._field_name = None
        self._field_value.clear()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        name = self._header_name.decode("latin-1").strip().lower()
        self._headers[name] = _decode_header(bytes(self._header_value)).strip()
        self._header_name.clear()
        self._header_value.clear()

    def on_headers_finished(self) -> None:
        disposition = self._headers.get("content-disposition")
        if disposition is None:
            raise ValidationFailed("a form part has no Content-Disposition header")
        kind, params = _parse_params(disposition)
        name = params.get("name")
        if kind != "form-data" or name is None:
            raise ValidationFailed("a form part is not named form-data")
        # RFC 7578 forbids `filename*`, yet some clients send it; it then carries the real name.
        extended = params.get("filename*")
        raw_filename = _ext_value(extended) if extended is not None else None
        if raw_filename is None:
            raw_filename = params.get("filename")
        if name != self.file_field:
            if raw_filename is not None:
                raise ValidationFailed(f"unexpected file in form field {name!r}")
            if name in self.fields:
                raise ValidationFailed(f"form field {name!r} is given more than once")
            self._field_name = name
            return
        if raw_filename is None:
            raise ValidationFailed(f"form field {self.file_field!r} with a file is required")
        if self.writer is not None:
            raise ValidationFailed("only one file can be uploaded per request")
        self.filename = _clean_filename(raw_filename)
        self.content_type = self._headers.get("content-type") or None
        self.writer = self._file_writer = self.open_writer(self.filename, self.content_type)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._file_writer is not None:
            self.size += end - start
            self._file_writer.write(data[start:end])
            return
        if self._field_name is None:
            return
        self._field_value += data[start:end]
        if len(self._field_value) > self.max_field_bytes:
            raise ValidationFailed(
                f"form field {self._field_name!r} is longer than {self.max_field_bytes} bytes"
            )
        # Bounds memory when a client sends thousands of small fields.
        self._field_total += end - start
        if self._field_total > _FORM_OVERHEAD:
            raise ValidationFailed(f"form fields are larger than {_FORM_OVERHEAD} bytes in all")

    def on_part_end(self) -> None:
        if self._field_name is not None:
            try:
                self.fields[self._field_name] = self._field_value.decode("utf-8")
            except UnicodeDecodeError:
                raise ValidationFailed(
                    f"form field {self._field_name!r} is not valid UTF-8"
                ) from None
        self._file_writer = None
        self._field_name = None
        self._field_value.clear()

    def on_end(self) -> None:
        self.ended = True


def _boundary(request: Request) -> bytes:
    message = "the request must be multipart/form-data with a boundary"
    try:
        kind, params = _parse_params(request.headers.get("content-type", ""))
    except ValidationFailed:
        raise ValidationFailed(message) from None
    boundary = params.get("boundary", "")
    if kind != "multipart/form-data" or not boundary:
        raise ValidationFailed(message)
    try:
        return boundary.encode("ascii")
    except UnicodeEncodeError:
        raise ValidationFailed("the multipart boundary must be ASCII") from None


def _check_declared_length(request: Request, limit: int) -> None:
    declared = request.headers.get("content-length")
    if declared is None:
        return
    if not declared.isascii() or not declared.isdigit():
        raise ValidationFailed("invalid Content-Length header")
    if int(declared) > limit:
        raise PayloadTooLarge(f"request body is larger than the limit of {limit} bytes")


async def receive_multipart_upload(
    request: Request,
    *,
    open_writer: Callable[[str, str | None], StorageWriter],
    max_bytes: int,
    file_field: str = "file",
    max_field_bytes: int = 64 * 1024,
) -> UploadResult:
    """Stream one multipart file part into a storage writer and collect the text fields."""
    boundary = _boundary(request)
    body_limit = max_bytes + _FORM_OVERHEAD
    _check_declared_length(request, body_limit)

    reader = _FormReader(open_writer, file_field, max_field_bytes)
    try:
        parser = MultipartParser(
            boundary,
            {
                "on_part_begin": reader.on_part_begin,
                "on_header_field": reader.on_header_field,
                "on_header_value": reader.on_header_value,
                "on_header_end": reader.on_header_end,
                "on_headers_finished": reader.on_headers_finished,
                "on_part_data": reader.on_part_data,
                "on_part_end": reader.on_part_end,
                "on_end": reader.on_end,
            },
        )
        received = 0
        async for chunk in request.stream():
            if not chunk:
                continue
            received += len(chunk)
            # A chunked body has no Content-Length, so the limit is also enforced as data arrives.
            if received > body_limit:
                raise PayloadTooLarge(
                    f"request body is larger than the limit of {body_limit} bytes"
                )
            # The writer does blocking file I/O; keep it off the event loop.
            await run_in_threadpool(parser.write, chunk)
        if not reader.ended:
            raise ValidationFailed("the multipart body ended before its closing boundary")
        if reader.writer is None or reader.filename is None:
            raise ValidationFailed(f"form field {file_field!r} with a file is required")
    except BaseException as exc:
        if reader.writer is not None:
            # The original error matters to the client; a failing cleanup must not replace it.
            with contextlib.suppress(Exception):
                reader.writer.abort()
        if isinstance(exc, FormParserError):
            raise ValidationFailed("malformed multipart body") from exc
        raise
    return UploadResult(
        filename=reader.filename,
        content_type=reader.content_type,
        size=reader.size,
        fields=reader.fields,
        writer=reader.writer,
    )


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """Turn a single-range `Range` header into inclusive offsets; None means the whole file."""
    if header is None or not header.strip():
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        # Unknown units, multiple ranges and garbage alike: RFC 9110 lets us ignore the header.
        return None
    first, last = match.group("start"), match.group("end")
    if first:
        start = _position(first)
        end = _position(last) if last else None
        if end is not None and end < start:
            return None
        if start >= size:
            raise _unsatisfiable(size)
        return start, size - 1 if end is None else min(end, size - 1)
    if not last:
        return None
    suffix = _position(last)
    if suffix == 0 or size == 0:
        raise _unsatisfiable(size)
    return max(0, size - suffix), size - 1


def _unsatisfiable(size: int) -> RangeNotSatisfiable:
    return RangeNotSatisfiable(
        f"the requested range is outside the file of {size} bytes",
        headers={"Content-Range": f"bytes */{size}"},
    )


def _position(digits: str) -> int:
    # Anything past 20 digits exceeds every real file; skip int() on absurdly long input.
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= 20 else 1 << 80


def _content_disposition(filename: str) -> str:
    # Old clients only read `filename`: drop accents, and mask what cannot be quoted safely.
    decomposed = unicodedata.normalize("NFKD", filename)
    ascii_name = "".join(
        "_" if not char.isascii() or char in '"\\' or _CONTROL.match(char) else char
        for char in decomposed
        if not unicodedata.combining(char)
    )
    ascii_name = ascii_name.strip() or "download"
    return f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def file_response(
    storage: FileStorage,
    key: str,
    *,
    media_type: str,
    filename: str,
    range_header: str | None,
    chunk_size: int = 256 * 1024,
) -> StreamingResponse:
    """Stream a stored object, honouring a single byte range."""
    size = storage.size(key)
    byte_range = parse_range(range_header, size)
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Disposition": _content_disposition(filename),
    }
    if byte_range is None:
        start, end, status = 0, size - 1, 200
    else:
        start, end = byte_range
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(end - start + 1)

    def body() -> Iterator[bytes]:
        # Opened lazily so a response that is never sent leaves no file handle behind.
        handle = storage.open(key)
        try:
            handle.seek(start)
            remaining = end - start + 1
            while remaining > 0:
                chunk = handle.read(min(chunk_size, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                yield chunk
        finally:
            handle.close()

    return StreamingResponse(body(), status_code=status, media_type=media_type, headers=headers)
