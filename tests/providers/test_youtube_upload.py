"""YouTube uploads through google-api-python-client against a fake of the resumable upload
protocol: chunks, a connection cut at 50 % and resumed from where the server says, a 401
answered by a fresh token, a used-up quota, the playlist insert."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.http import served
from fakes.youtube import FakeYouTube
from wavestack.providers.youtube import YouTubeError, YouTubeUploader

CHUNK = 256 * 1024
BODY = {
    "snippet": {"title": "Best moment", "tags": ["gaming"]},
    "status": {"privacyStatus": "public"},
}


@pytest.fixture
def youtube() -> Iterator[tuple[FakeYouTube, str]]:
    fake = FakeYouTube()
    with served(fake.handle) as base:
        yield fake, base + "/"


def video(tmp_path: Path, size: int) -> Path:
    path = tmp_path / "clip.mp4"
    path.write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
    return path


def uploader(
    base: str,
    token: str = "ya29.good",  # noqa: S107 - the fake's token
    asked: list[bool] | None = None,
) -> YouTubeUploader:
    def source(force: bool) -> str:
        if asked is not None:
            asked.append(force)
        return "ya29.good" if force else token

    return YouTubeUploader(source, api_url=base, chunk_bytes=CHUNK, backoff=0, sleep=lambda _: None)


def test_a_video_goes_up_in_chunks(youtube: tuple[FakeYouTube, str], tmp_path: Path) -> None:
    fake, base = youtube
    path = video(tmp_path, 4 * CHUNK + 1000)
    seen: list[float] = []
    uploaded = uploader(base).upload(path, "video/mp4", BODY, on_progress=seen.append)
    stored = fake.videos[uploaded["id"]]
    assert stored["bytes"] == path.stat().st_size
    assert stored["snippet"]["title"] == "Best moment"
    (upload,) = fake.uploads.values()
    assert upload.received == path.read_bytes()
    assert upload.mime == "video/mp4"
    assert [start for start, _ in upload.chunks] == [0, CHUNK, 2 * CHUNK, 3 * CHUNK, 4 * CHUNK]
    assert seen == sorted(seen)
    assert 0 < seen[-1] < 1


def test_an_upload_cut_at_half_resumes_from_there(
    youtube: tuple[FakeYouTube, str], tmp_path: Path
) -> None:
    fake, base = youtube
    path = video(tmp_path, 7 * CHUNK)
    fake.cut_at = 0.5  # the connection drops halfway through the fourth chunk
    uploaded = uploader(base).upload(path, "video/mp4", BODY)
    (upload,) = fake.uploads.values()
    assert upload.received == path.read_bytes()
    half = 7 * CHUNK // 2
    # The client asked how much arrived (308, Range: bytes=0-half-1) and went on from
    # there, not from the start of the chunk or of the file.
    starts = [start for start, _ in upload.chunks]
    assert starts == [
        0,
        CHUNK,
        2 * CHUNK,
        3 * CHUNK,
        half,
        half + CHUNK,
        half + 2 * CHUNK,
        half + 3 * CHUNK,
    ]
    assert fake.videos[uploaded["id"]]["bytes"] == 7 * CHUNK


def test_an_expired_token_is_renewed(youtube: tuple[FakeYouTube, str], tmp_path: Path) -> None:
    fake, base = youtube
    asked: list[bool] = []
    uploaded = uploader(base, token="ya29.expired", asked=asked).upload(
        video(tmp_path, CHUNK), "video/mp4", BODY
    )
    assert uploaded["id"] in fake.videos
    assert asked == [False, True]  # the 401 asked the connection for a fresh token


def test_a_used_up_quota_and_the_upload_limit_are_refusals(
    youtube: tuple[FakeYouTube, str], tmp_path: Path
) -> None:
    fake, base = youtube
    fake.quota_left = 100
    with pytest.raises(YouTubeError) as refused:
        uploader(base).upload(video(tmp_path, CHUNK), "video/mp4", BODY)
    assert (refused.value.status, refused.value.reason) == (403, "quotaExceeded")
    fake.quota_left, fake.upload_limit_reached = 10_000, True
    with pytest.raises(YouTubeError, match="uploadLimitExceeded"):
        uploader(base).upload(video(tmp_path, CHUNK), "video/mp4", BODY)


def test_the_video_joins_a_playlist(youtube: tuple[FakeYouTube, str], tmp_path: Path) -> None:
    fake, base = youtube
    client = uploader(base)
    uploaded = client.upload(video(tmp_path, CHUNK), "video/mp4", BODY)
    client.add_to_playlist(uploaded["id"], "PLhighlights")
    assert fake.playlist_items == [
        {
            "playlistId": "PLhighlights",
            "resourceId": {"kind": "youtube#video", "videoId": uploaded["id"]},
        }
    ]
    with pytest.raises(YouTubeError, match="videoNotFound"):
        client.add_to_playlist("nope", "PLhighlights")
