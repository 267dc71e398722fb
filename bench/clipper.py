"""Clipper: end-to-end API time of a 30 s clip against the bare FFmpeg command for the same cut.

Generates a 10-minute 1080p source, starts `wavestack up` on it, and for `fast` and `accurate`
modes times request-to-`complete` over HTTP next to the exact FFmpeg command line the worker
runs (as ratios in one run), then the throughput of 4 concurrent accurate jobs.

    python bench/clipper.py [--minutes 10] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from core_api import free_port, process_tree_cpu_seconds, start_server, token
from wavestack.providers.transcode import CutSpec
from wavestack.providers.transcode.client import FFmpegTranscoder, bundled_ffmpeg

CLIP_SECONDS = 30.0


def make_source(path: Path, minutes: float) -> None:
    seconds = minutes * 60
    subprocess.run(
        [
            *(bundled_ffmpeg(), "-hide_banner", "-loglevel", "error", "-y"),
            *("-f", "lavfi", "-i", f"testsrc2=s=1920x1080:r=30:d={seconds}"),
            *("-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"),
            *("-c:v", "libx264", "-preset", "ultrafast", "-g", "60", "-pix_fmt", "yuv420p"),
            *("-c:a", "aac", "-shortest", str(path)),
        ],
        check=True,
    )


def bare_seconds(source: Path, out_dir: Path, *, start_sec: float, copy: bool) -> float:
    """Time the FFmpeg command the worker would run, minus its progress reporting."""
    ffmpeg = FFmpegTranscoder(bundled_ffmpeg(), max_concurrent=1, timeout_seconds=3600)
    start = ffmpeg.keyframe_at_or_before(source, start_sec) if copy else start_sec
    end = start_sec + CLIP_SECONDS
    spec = CutSpec(source, out_dir / "bare.mp4", start=start, duration=end - start, copy=copy)
    args = ffmpeg.command(spec, ffmpeg.probe(source))
    at = args.index("-progress")
    args = args[:at] + args[at + 3 :]  # drop `-progress pipe:1 -nostats`
    began = time.perf_counter()
    subprocess.run(args, check=True)
    return time.perf_counter() - began


def api_seconds(client: httpx.Client, body: dict[str, object]) -> tuple[float, dict[str, object]]:
    began = time.perf_counter()
    response = client.post("/api/v1/clip", json=body)
    response.raise_for_status()
    job_id = response.json()["job_id"]
    pause = 0.01
    while True:
        status = client.get(f"/api/v1/clip/{job_id}").json()
        if status["status"] not in ("queued", "processing"):
            return time.perf_counter() - began, status
        # Polls back off: every poll costs the server CPU that FFmpeg would otherwise use.
        time.sleep(pause)
        pause = min(0.2, pause * 1.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the source")
    parser.add_argument("--repeats", type=int, default=3, help="runs per mode (median kept)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        # The server's default media root.
        media = work / "data" / "media"
        media.mkdir(parents=True)
        source = media / "stream.mp4"
        # Mid-source, off a keyframe (keyframes every 2 s): fast mode has to snap.
        clip_start = args.minutes * 30 + 1.0
        began = time.perf_counter()
        make_source(source, args.minutes)
        print(f"# source: {args.minutes} min 1080p30, made in {time.perf_counter() - began:.0f} s")
        port = free_port()
        server = start_server(
            work / "data", port, argparse.Namespace(workers=1, postgres=None, redis=None)
        )
        base = f"http://127.0.0.1:{port}"
        bearer = token(
            base, work / "data", {**os.environ, "WAVESTACK_DATA_DIR": str(work / "data")}
        )
        headers = {"Authorization": f"Bearer {bearer}"}
        try:
            with httpx.Client(base_url=base, headers=headers, timeout=600) as client:
                for mode in ("fast", "accurate"):
                    body = {
                        "source": "stream.mp4",
                        "start_sec": clip_start,
                        "duration_sec": CLIP_SECONDS,
                        "mode": mode,
                    }
                    api_times, bare_times = [], []
                    for _ in range(args.repeats):
                        seconds, status = api_seconds(client, body)
                        assert status["status"] == "complete", status
                        api_times.append(seconds)
                        bare_times.append(
                            bare_seconds(source, work, start_sec=clip_start, copy=mode == "fast")
                        )
                    api, bare = statistics.median(api_times), statistics.median(bare_times)
                    print(
                        json.dumps(
                            {
                                "mode": mode,
                                "api_s": round(api, 3),
                                "bare_ffmpeg_s": round(bare, 3),
                                "ratio": round(api / bare, 3),
                            }
                        ),
                        flush=True,
                    )
                body = {"source": "stream.mp4", "start_sec": 1.0, "duration_sec": CLIP_SECONDS}
                cpu_before = process_tree_cpu_seconds(server.pid)
                began = time.perf_counter()
                with ThreadPoolExecutor(4) as pool:
                    results = list(pool.map(lambda _: api_seconds(client, body), range(4)))
                wall = time.perf_counter() - began
                assert all(status["status"] == "complete" for _, status in results)
                print(
                    json.dumps(
                        {
                            "concurrent_jobs": 4,
                            "wall_s": round(wall, 2),
                            "clips_per_minute": round(4 / wall * 60, 1),
                            "server_cpu_s": round(
                                process_tree_cpu_seconds(server.pid) - cpu_before, 1
                            ),
                        }
                    ),
                    flush=True,
                )
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
