"""Highlights: known loud stretches and chat bursts in a generated stream come out on top."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from media import make_video
from support import SyncASGIClient, Tenant
from wavestack.bootstrap import Container
from wavestack.kernel.config import HighlightSettings
from wavestack.services.clipper.highlights import ChatLine, chat_segments

STREAM_SECONDS = 300
LOUD = [(100.0, 110.0)]
CHAT_BURSTS = [(60.0, 68.0, "POG POGGERS that was insane"), (200.0, 207.0, "KEKW LUL")]
# Where the moments are: the loud stretch, and shortly before each chat burst.
MOMENTS = [(100.0, 110.0), (50.0, 68.0), (190.0, 207.0)]


def chat_log() -> list[dict[str, Any]]:
    rng = random.Random(7)
    messages = []
    t = 0.0
    while t < STREAM_SECONDS:  # a calm chat: one message every ~3 s
        t += rng.expovariate(1 / 3)
        messages.append({"ts": round(t, 2), "author": f"viewer{rng.randint(1, 40)}", "text": "hi"})
    for start, end, text in CHAT_BURSTS:
        ts = start
        while ts < end:
            messages.append(
                {"ts": round(ts, 2), "author": f"fan{rng.randint(1, 99)}", "text": text}
            )
            ts += 0.2
    return sorted(messages, key=lambda m: m["ts"])


@pytest.fixture(scope="module")
def stream(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("media") / "stream.mp4"
    return make_video(path, seconds=STREAM_SECONDS, size=(64, 64), gop=125, loud=LOUD)


@pytest.fixture
def media(container: Container, stream: Path) -> Path:
    root = container.settings.resolved_media_roots[0]
    root.mkdir(parents=True, exist_ok=True)
    (root / "stream.mp4").write_bytes(stream.read_bytes())
    return root


def overlaps(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def test_known_moments_come_out_on_top(api: SyncASGIClient, tenant: Tenant, media: Path) -> None:
    body = {"source": "stream.mp4", "chat": chat_log()}
    response = api.post("/api/v1/highlights", json=body, headers=tenant.headers)
    assert response.status_code == 200, response.text
    candidates = response.json()["candidates"]
    spans = [(c["start_sec"], c["end_sec"]) for c in candidates]
    hits = [span for span in spans if any(overlaps(span, m) for m in MOMENTS)]
    covered = [m for m in MOMENTS if any(overlaps(span, m) for span in spans[:3])]
    precision = len(hits) / len(spans)
    recall = len(covered) / len(MOMENTS)
    print(f"highlights: precision {precision:.2f}, recall@3 {recall:.2f}, {len(spans)} candidates")
    assert recall == 1.0
    assert precision >= 0.75
    reasons = " ".join(r for c in candidates for r in c["reasons"])
    assert "audio" in reasons
    assert "chat rate" in reasons
    assert "hype words" in reasons
    assert candidates == sorted(candidates, key=lambda c: -c["score"])


def test_auto_clip_queues_clips_of_the_best_candidates(
    api: SyncASGIClient, tenant: Tenant, media: Path
) -> None:
    body = {"source": "stream.mp4", "chat": chat_log(), "auto_clip": {"count": 2, "mode": "fast"}}
    response = api.post("/api/v1/highlights", json=body, headers=tenant.headers)
    assert response.status_code == 200, response.text
    result = response.json()
    assert len(result["clip_jobs"]) == 2
    for job, candidate in zip(result["clip_jobs"], result["candidates"], strict=False):
        status = api.get(f"/api/v1/clip/{job['job_id']}", headers=tenant.headers).json()
        assert status["status"] == "complete", status
        assert status["result"]["start"] <= candidate["start_sec"] + 0.01


def test_chat_alone_with_timestamps(api: SyncASGIClient, tenant: Tenant) -> None:
    began = datetime(2026, 11, 20, 20, 0, tzinfo=UTC)
    chat = [{**m, "ts": (began + timedelta(seconds=m["ts"])).isoformat()} for m in chat_log()]
    body = {"chat": chat, "stream_started_at": began.isoformat(), "limit": 2}
    response = api.post("/api/v1/highlights", json=body, headers=tenant.headers)
    assert response.status_code == 200, response.text
    spans = [(c["start_sec"], c["end_sec"]) for c in response.json()["candidates"]]
    assert len(spans) == 2
    assert all(any(overlaps(span, m) for m in MOMENTS[1:]) for span in spans)
    missing_start = api.post("/api/v1/highlights", json={"chat": chat[:5]}, headers=tenant.headers)
    assert missing_start.status_code == 422
    assert "stream_started_at" in missing_start.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "source"),
        ({"chat": [{"ts": 1, "text": "hi"}], "auto_clip": {"count": 1}}, "auto_clip"),
        ({"source": "https://example.com/v.mp4"}, "source"),
        ({"source": "missing.mp4"}, "no such file"),
        ({"source": "stream.mp4", "limit": 0}, "limit"),
    ],
)
def test_bad_requests_are_refused(
    api: SyncASGIClient, tenant: Tenant, media: Path, body: dict[str, Any], field: str
) -> None:
    response = api.post("/api/v1/highlights", json=body, headers=tenant.headers)
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["message"]


def test_a_chat_that_is_busy_all_along_has_no_bursts() -> None:
    steady = [ChatLine(i / 3, "v", "pog") for i in range(3 * 600)]
    assert chat_segments(steady, HighlightSettings(), 600.0) == []
