"""The platforms' rules as they count: X's weighted length (URLs 23, emoji and CJK 2), long
text as an X thread, YouTube's tag count, media limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from media import make_video
from support import SyncASGIClient, Tenant, make_project
from wavestack.kernel.ids import new_id
from wavestack.services.content_queue import problems, x_thread
from wavestack.services.content_queue.rules import tags_length, x_length


def test_x_counts_like_x() -> None:
    assert x_length("hello") == 5
    assert x_length("see https://example.com/a/very/long/path?with=query it") == 4 + 23 + 3
    assert x_length("wavestack.app rocks") == 23 + 6
    assert x_length("日本語") == 6
    assert x_length("😀") == 2
    assert x_length("👨‍👩‍👧") == 2  # one emoji, however many code points
    assert x_length("👍🏽") == 2  # with a skin tone
    assert x_length("🇺🇸🇩🇪") == 4  # two flags
    assert x_length("é") == x_length("é") == 1  # composed or not


def test_long_text_becomes_a_thread() -> None:
    text = " ".join(f"word{n}" for n in range(200))
    parts = x_thread(text)
    assert len(parts) > 1
    assert all(x_length(part) <= 280 for part in parts)
    assert " ".join(parts) == text
    assert x_thread("short") == ["short"]
    assert [x_length(p) for p in x_thread("a" * 600)] == [280, 280, 40]
    assert x_thread("日" * 150) == ["日" * 140, "日" * 10]


def test_youtube_tags_and_media_limits() -> None:
    assert tags_length(["a", "b c"]) == 1 + 1 + 3 + 2  # a comma, quotes for the space
    video = {"mimeType": "video/mp4", "sizeBytes": 10, "duration": 200.0}
    assert [
        p.message
        for p in problems(["x", "tiktok"], title="t", caption=None, hashtags=[], assets=[video])
    ] == ["X videos are at most 140 seconds"]
    short = {"mimeType": "video/mp4", "sizeBytes": 10, "duration": 1.0}
    assert [
        p.field
        for p in problems(["instagram"], title="t", caption=None, hashtags=[], assets=[short])
    ] == ["assetId"]
    assert (
        problems(
            ["local"],
            title="t" * 120,
            caption="c" * 5000,
            hashtags=[],
            assets=[{"mimeType": "application/pdf"}],
        )
        == []
    )


def test_uploads_are_probed_and_their_shape_checked_when_queued(
    api: SyncASGIClient, tenant: Tenant, tmp_path: Path
) -> None:
    landscape = make_video(tmp_path / "wide.mp4", seconds=3.5, size=(320, 180), audio=False)
    files = {"file": ("wide.mp4", landscape.read_bytes(), "video/mp4")}
    uploaded = api.post("/api/assets", headers=tenant.headers, files=files).json()
    assert (uploaded["width"], uploaded["height"]) == (320, 180)
    assert uploaded["duration"] == pytest.approx(3.5, abs=0.1)
    body = {
        "projectId": make_project(api, tenant),
        "assetId": uploaded["id"],
        "title": "Clip",
        "platforms": ["facebook", "x"],
        "idempotencyKey": new_id(),
    }
    refused = api.post("/api/queue", headers=tenant.headers, json=body)
    assert refused.status_code == 422
    assert refused.json()["error"]["details"] == [
        {"field": "assetId", "message": "Facebook takes videos of 9:16 (width:height), not 320x180"}
    ]
    fits = {**body, "platforms": ["x", "youtube"], "idempotencyKey": new_id()}
    assert api.post("/api/queue", headers=tenant.headers, json=fits).status_code == 201
