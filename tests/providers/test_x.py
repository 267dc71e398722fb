"""Posting on X with tweepy against a protocol-level fake of API v2: posts and threads, the
v2 chunked media upload with processing, 401 -> fresh token -> retry, 429 waited out."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.http import served
from fakes.x import ACCOUNT, FakeX
from wavestack.providers.x import XClient, XError


@pytest.fixture
def x() -> Iterator[tuple[FakeX, str]]:
    fake = FakeX()
    fake.oauth.access_tokens.add("x-good")
    with served(fake.handle) as base:
        yield fake, base


def client(base: str, first: str = "x-good", asked: list[bool] | None = None) -> XClient:
    def token(force: bool) -> str:
        if asked is not None:
            asked.append(force)
        return "x-good" if force else first

    return XClient(token, api_url=base, sleep=lambda _seconds: None)


def test_posts_and_threads(x: tuple[FakeX, str]) -> None:
    fake, base = x
    account = client(base)
    assert account.me() == (ACCOUNT["id"], ACCOUNT["username"])
    first, second, third = account.thread(["one", "two", "three"])
    assert third == fake.posts[2]["id"]
    assert [p["text"] for p in fake.posts] == ["one", "two", "three"]
    assert "reply" not in fake.posts[0]
    assert fake.posts[1]["reply"] == {"in_reply_to_tweet_id": first}
    assert fake.posts[2]["reply"] == {"in_reply_to_tweet_id": second}
    with pytest.raises(XError, match="too long") as refused:
        account.post("x" * 281)
    assert refused.value.status == 400


def test_media_goes_up_in_segments_and_waits_for_processing(
    x: tuple[FakeX, str], tmp_path: Path
) -> None:
    fake, base = x
    video = tmp_path / "clip.mp4"
    video.write_bytes(bytes(range(256)) * 100)
    account = client(base)
    progress: list[float] = []
    media_id = account.upload_media(video, "video/mp4", segment=10_000, on_progress=progress.append)
    assert fake.received(media_id) == video.read_bytes()
    assert sorted(fake.media[media_id].segments) == [0, 1, 2]
    assert fake.media[media_id].category == "tweet_video"
    assert fake.media[media_id].status_checks == 3  # in progress twice, then done
    assert progress[-1] == 1.0
    account.post("with a video", media_ids=[media_id])
    assert fake.posts[-1]["media"] == {"media_ids": [media_id]}
    fake.fail_processing, fake.processing_checks = True, 0
    with pytest.raises(XError, match="Unsupported video codec"):
        account.upload_media(video, "video/mp4")


def test_an_expired_token_is_renewed_and_a_429_waited_out(x: tuple[FakeX, str]) -> None:
    fake, base = x
    asked: list[bool] = []
    account = client(base, first="x-expired", asked=asked)
    account.post("after renewal")
    assert asked == [False, True]
    fake.throttle, fake.reset_in = 1, 0
    began = time.monotonic()
    account.post("after the wait")
    assert [p["text"] for p in fake.posts] == ["after renewal", "after the wait"]
    assert time.monotonic() - began < 5
    fake.throttle, fake.reset_in = 1, 900  # a long wait is the job's: it is retried later
    with pytest.raises(XError) as limited:
        account.post("later")
    assert limited.value.status == 429
    assert limited.value.retry_at is not None
    assert limited.value.retry_at > time.time() + 800
