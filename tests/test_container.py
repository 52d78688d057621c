"""The container image's commands, run directly (no Docker daemon needed): the Dockerfile's
settings, its HEALTHCHECK and its entry command, as the container would run them, with
/data and /app mapped to a temporary folder and this checkout."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCKERFILE = (REPO / "Dockerfile").read_text("utf-8")
FICSHELF = str(Path(sys.executable).with_name("ficshelf"))


def _instruction(name: str) -> list[str]:
    """Every `NAME …` instruction of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [line[len(name) :].strip() for line in text.splitlines() if line.startswith(name + " ")]


def _exec_form(value: str) -> list[str]:
    command = json.loads(value)
    assert isinstance(command, list)
    return [str(part) for part in command]


def _image_env(tmp_path: Path) -> dict[str, str]:
    """The image's ENV, with its folders mapped here (/data → tmp, /app → the checkout)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FICSHELF_", "DISCORD_"))}
    for line in _instruction("ENV"):
        for name, value in re.findall(r"(\w+)=(\S+)", line):
            for folder, here in (("/data", tmp_path / "data"), ("/app", REPO)):
                if value == folder or value.startswith(folder + "/"):
                    value = str(here) + value[len(folder) :]
            env[name] = value
    return env


def _run(argv: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    command = [FICSHELF if argv[0] == "ficshelf" else argv[0], *argv[1:]]
    return subprocess.run(
        command,
        cwd=tmp_path,
        env=_image_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_image_runs_as_a_user_with_the_database_on_the_data_volume() -> None:
    assert _instruction("FROM") == ["python:3.11-slim"]
    assert _instruction("USER") == ["ficshelf"]
    assert _instruction("VOLUME") == ['["/data"]']
    assert "FICSHELF_DB=/data/ficshelf.db" in " ".join(_instruction("ENV"))
    assert "pip install ." in _instruction("RUN")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    return tmp_path


def test_the_healthcheck_fails_until_the_database_exists_then_passes(data: Path) -> None:
    [healthcheck] = _instruction("HEALTHCHECK")
    command = _exec_form(healthcheck.split("CMD", 1)[1].strip())
    assert command == ["ficshelf", "health"]
    before = _run(command, data)
    db = data / "data" / "ficshelf.db"
    assert (before.returncode, before.stderr) == (1, f"ficshelf: there is no database at {db}\n")
    indexed = _run(["ficshelf", "index", "--json"], data)  # as the bot's first start does
    assert indexed.returncode == 0, indexed.stderr
    assert json.loads(indexed.stdout)["stories"] == 5, "the bundled library was found"
    after = _run(command, data)
    assert after.returncode == 0, after.stderr
    assert after.stdout.startswith(f"ok: {db} answers, schema version ")


def test_the_entry_command_starts_the_bot_and_asks_for_a_token(data: Path) -> None:
    [cmd] = _instruction("CMD")
    command = _exec_form(cmd)
    assert command == ["ficshelf", "run"]
    assert _run([*command, "--help"], data).returncode == 0
    started = _run(command, data)
    assert started.returncode == 2
    assert started.stderr.startswith("ficshelf: no bot token: set DISCORD_TOKEN")
