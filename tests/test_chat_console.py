"""`wavestack chat` in scripted mode: lines in, the bot's replies out, the same pipeline."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from wavestack.cli import app

runner = CliRunner()

SCRIPT = """\
hello everyone
!points
!daily
!roll 11
::as bob
!give viewer 5
::as viewer
!scramble
::role moderator
!addcom hi Hi $(touser)!
!hi bob
!poll 1 Best game? | Zelda | Mario
!vote 2
!endpoll
!giveaway Sticker pack 1
!join
!endgiveaway
::live
!uptime
::event subscription 3
::platform discord
/roll 1 6
"""


def test_console_plays_through_the_pipeline(tmp_path: Path) -> None:
    result = runner.invoke(app, ["chat", "--data-dir", str(tmp_path)], input=SCRIPT)
    assert result.exit_code == 0, result.output
    replies = [line[5:] for line in result.stdout.splitlines() if line.startswith("bot> ")]
    assert replies[0] == "viewer has 1 points (level 0, 0/100 XP)"
    assert replies[1] == "@viewer +100 points! Daily streak: 1"
    assert replies[2].startswith("@viewer dice must be between 1 and 10. Usage: !roll")
    assert replies[3] == "@bob not enough points for 5"
    assert replies[4].startswith("Unscramble (+")
    assert replies[5] == "added !hi"
    assert replies[6] == "Hi bob!"
    assert replies[7].startswith("POLL (1 min): Best game?")
    assert replies[8] == "@viewer voted for Mario"
    assert replies[9] == "Poll closed: Best game? → Mario (Zelda: 0, Mario: 1)"
    assert replies[10].startswith("GIVEAWAY: Sticker pack!")
    assert replies[11] == "@viewer you're in! Good luck"
    assert replies[12] == "The giveaway for Sticker pack is over! Winner: viewer"
    assert replies[13].startswith("live for 0m")
    assert replies[14] == "Thanks viewer for resubscribing, 3 months!"
    assert replies[15].startswith("@viewer rolled ")
    # What was said is stored: a second session sees the same balance.
    # A second session is a new process: its moderation has not seen the first one's chat.
    from wavestack.services.auto_mod import service

    service.process_judges.cache_clear()
    again = runner.invoke(app, ["chat", "--data-dir", str(tmp_path)], input="!points\n")
    assert "bot> viewer has 102 points" in again.stdout
    first_run = json.loads((tmp_path / "first-run-credentials.json").read_text())
    assert first_run["org_id"]


def test_console_rejects_unknown_roles(tmp_path: Path) -> None:
    result = runner.invoke(app, ["chat", "--role", "king", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2


def test_the_console_chat_is_moderated(tmp_path: Path) -> None:
    script = "you are a fucking idiot\nfree nitro at nitro-gift dot xyz\n::role moderator\nhi\n"
    result = runner.invoke(app, ["chat", "--data-dir", str(tmp_path)], input=script)
    assert result.exit_code == 0, result.output
    actions = [line for line in result.stdout.splitlines() if line.startswith("mod> ")]
    assert actions == [
        "mod> deleted a message: toxicity 1.00",
        "mod> deleted a message: spam: link (link to nitro-gift.xyz)",
    ]
    # ... and both decisions are in the audit.
    from wavestack.bootstrap import bootstrap
    from wavestack.kernel.config import Settings
    from wavestack.services.auto_mod import service

    container = bootstrap(Settings(data_dir=tmp_path), immediate_jobs=True)
    try:
        org_id = json.loads((tmp_path / "first-run-credentials.json").read_text())["org_id"]
        page = service.audit_page(
            container.uow(write=False),
            org_id=org_id,
            channel_id="console",
            user_id=None,
            action=None,
            since=None,
            until=None,
            limit=10,
            offset=0,
        )
        assert [e.message for e in page.entries] == [
            "free nitro at nitro-gift dot xyz",
            "you are a fucking idiot",
        ]
    finally:
        container.close()
    shown = runner.invoke(app, ["audit", "--data-dir", str(tmp_path), "--channel", "console"])
    assert shown.exit_code == 0, shown.output
    assert "toxicity 1.00" in shown.stdout
    assert "link to nitro-gift.xyz" in shown.stdout
    assert "2 decisions in all" in shown.stdout
