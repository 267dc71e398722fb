"""The command line: JSON output for scripts, clear errors and exit codes for people."""

from __future__ import annotations

import json
from pathlib import Path

import jwt
from typer.testing import CliRunner

from wavestack.cli import app

runner = CliRunner()


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_org_client_token_round_trip(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path)]
    assert _run("migrate", *data)[0] == 0
    code, out, _ = _run("org", "create", "My Channel", *data)
    assert code == 0
    org = json.loads(out)
    assert org["slug"] == "my-channel"
    code, out, _ = _run("client", "create", "--org", org["id"], "--scopes", "queue:read", *data)
    assert code == 0
    creds = json.loads(out)
    assert creds["scopes"] == ["queue:read"]
    code, out, _ = _run(
        "token", "--client-id", creds["client_id"], "--client-secret", creds["client_secret"], *data
    )
    assert code == 0
    claims = jwt.decode(out.strip(), options={"verify_signature": False})
    assert claims["org_id"] == org["id"]
    assert claims["scope"] == "queue:read"
    # The same slug again is a conflict, reported without a traceback.
    code, _, err = _run("org", "create", "Other", "--slug", "my-channel", *data)
    assert code == 1
    assert "CONFLICT" in err


def test_errors_are_reported_with_exit_codes(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path)]
    code, _, err = _run("org", "create", "Early", *data)
    assert code == 2
    assert "wavestack migrate" in err
    _run("migrate", *data)
    assert _run("client", "create", "--org", "missing", *data)[0] == 1
    code, _, err = _run("client", "create", "--org", "x", "--scopes", "NOT VALID", *data)
    assert code == 2
    assert "invalid scope" in err
    assert _run("token", "--client-id", "wsc_x", "--client-secret", "wss_y", *data)[0] == 1
    assert _run("serve", "--only", "nonsense", *data)[0] == 2


def test_clip_cuts_a_file_and_copies_it_out(tmp_path: Path) -> None:
    from media import FPS, frame_indexes, make_video

    source = make_video(tmp_path / "elsewhere" / "stream.mp4")
    out = tmp_path / "best.mp4"
    data = ["--data-dir", str(tmp_path / "data")]
    code, stdout, stderr = _run(
        "clip", str(source), "--start", "2.2", "--duration", "1", "--out", str(out), *data
    )
    assert code == 0, stderr
    result = json.loads(stdout)
    assert result["start"] == 2.2
    assert result["path"] == str(out)
    assert frame_indexes(out)[0] == round(2.2 * FPS)


def test_clip_reports_bad_input(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    code, _, err = _run(
        "clip", str(tmp_path / "missing.mp4"), "--start", "0", "--duration", "1", *data
    )
    assert code == 1
    assert "no such file" in err
    code, _, err = _run("clip", "x.mp4", "--start", "0", "--duration", "0", *data)
    assert code == 2
    assert "duration_sec" in err
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video" * 50)
    code, _, err = _run("clip", str(junk), "--start", "0", "--duration", "1", *data)
    assert code == 1
    assert "not a readable media file" in err


def test_highlights_prints_the_ranked_table(tmp_path: Path) -> None:
    from media import make_video

    source = make_video(tmp_path / "stream.mp4", seconds=200, size=(64, 64), loud=[(150, 160)])
    chat = tmp_path / "chat.jsonl"
    lines = [{"ts": t / 2, "author": "v", "text": "hello"} for t in range(0, 400, 7)]
    lines += [{"ts": 60 + t / 5, "author": "fan", "text": "KEKW"} for t in range(40)]
    chat.write_text("\n".join(json.dumps(line) for line in sorted(lines, key=lambda m: m["ts"])))
    data = ["--data-dir", str(tmp_path / "data")]
    code, stdout, stderr = _run("highlights", str(source), "--chat", str(chat), *data)
    assert code == 0, stderr
    rows = [line for line in stdout.splitlines() if line.strip().startswith(("│ 1", "│ 2"))]
    assert len(rows) == 2
    assert "audio" in stdout
    assert "hype words" in stdout
    code, _, err = _run("highlights", "--chat", str(source), *data)  # not JSON lines
    assert code == 2
    assert "not JSON lines" in err
