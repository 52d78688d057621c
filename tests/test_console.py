"""`ficshelf console -c …` as a person scripts it: a subprocess, its output and exit status."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.paths import STORIES_DIR
from tests.texts import ALLEY


def ficshelf() -> list[str]:
    """The installed `ficshelf` script (as the README runs it), else `python -m bot`."""
    script = Path(sys.executable).with_name("ficshelf")
    found = str(script) if script.exists() else shutil.which("ficshelf")
    return [found] if found else [sys.executable, "-m", "bot"]


def console(tmp_path: Path, *lines: str, member: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FICSHELF_", "DISCORD_"))}
    env |= {"COLUMNS": "100", "FICSHELF_LIBRARY": str(STORIES_DIR)}
    argv = [*ficshelf(), "console", "--db", str(tmp_path / "console.db")]
    if member:
        argv += ["--as", "member"]
    for line in lines:
        argv += ["-c", line]
    return subprocess.run(
        argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_a_newcomer_tries_the_reader_commands(tmp_path: Path) -> None:
    done = console(
        tmp_path,
        "/excerpt",
        "/warnings lookup term:MCD",
        "/prompt new trope:soulmates",
        "/story find",
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.count("Ficshelf in #general") == 4
    titles = ["Quirkless Soul Marks", "Swan Dive", "Soulmate Rejection Reader Insert"]
    assert any(t in out for t in titles)  # an excerpt (or the library listing) names a story
    assert "Major Character Death" in out
    assert "Writing prompt" in out
    assert "Traceback" not in out + done.stderr
    assert "<@" not in out  # mentions shown as names, as Discord's client would


def test_a_moderator_blocks_violence_in_one_channel(tmp_path: Path) -> None:
    story = tmp_path / "alley.txt"
    story.write_text(ALLEY, encoding="utf-8")
    done = console(
        tmp_path,
        f"/library add file:{story}",
        '/excerpt story:"The Alley Fight"',
        "/config block warning:violence channel:general",
        '/excerpt story:"The Alley Fight"',
        "/config show",
        "/channel writing",
        '/excerpt story:"The Alley Fight"',
    )
    assert done.returncode == 0, done.stderr
    blocks = re.split(r"(?m)^> ", done.stdout)  # one block per command, echo first
    added, before, _block, after, show, _switch, writing = blocks[1:]
    assert "Violence (detected)" in added
    assert "Kirishima" in before
    assert "left out: 1 story whose subject is Violence (detected)" in " ".join(after.split())
    assert "Kirishima" not in after
    assert "Violence (this channel)" in show
    assert "Kirishima" in writing


def test_a_member_cannot_change_settings(tmp_path: Path) -> None:
    done = console(tmp_path, "/config block warning:violence", member=True)
    assert done.returncode == 1
    assert "Manage Server" in done.stdout or "can't use" in done.stdout


def test_waiting_a_day_shows_the_daily_prompt_arrive(tmp_path: Path) -> None:
    done = console(
        tmp_path, "/daily set channel:writing time:09:00 timezone:UTC trope:soulmates", "/wait 1d"
    )
    assert done.returncode == 0, done.stderr
    arrived = done.stdout.split("\n> /wait 1d", 1)[1]
    assert "Ficshelf in #writing" in arrived
    assert "Soulmates" in arrived


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("/nope", "not a command"),
        ("/excerpt colour:red", "no option 'colour'"),
        ("/library add file:/no/such/file.txt", "can't read"),
    ],
)
def test_a_mistyped_line_says_what_is_wrong_and_fails_the_script(
    tmp_path: Path, line: str, says: str
) -> None:
    done = console(tmp_path, line)
    assert done.returncode == 1
    assert says in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_help_shows_its_option_hints(tmp_path: Path) -> None:
    done = console(tmp_path, "/help")
    assert done.returncode == 0, done.stderr
    for hint in ("[story:…]", "[trope:…]", '[query:"red string"]', "[exclude:…]"):
        assert hint in done.stdout, hint
