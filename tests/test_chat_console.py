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
