"""`ficshelf console` waits for a deferred AO3 answer as long as the limiter needs."""

from __future__ import annotations

import asyncio
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.paths import STORIES_DIR
from bot.settings import Settings
from tests.ao3 import fake as ao3
from tests.ao3.fake import FakeAo3
from tests.test_console import ficshelf


@pytest.fixture
def fake_in_thread() -> Iterator[FakeAo3]:
    """The fake AO3 on its own event loop, for a bot running in another process."""
    ready = threading.Event()
    box: dict[str, object] = {}

    async def serve() -> None:
        async with ao3.running() as fake:
            box["fake"], box["stop"] = fake, asyncio.Event()
            ready.set()
            await box["stop"].wait()  # type: ignore[attr-defined]

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(10)
    yield box["fake"]  # type: ignore[misc]
    loop.call_soon_threadsafe(box["stop"].set)  # type: ignore[attr-defined]
    thread.join(10)


def test_console_waits_behind_the_limiter(
    tmp_path: Path, settings: Settings, fake_in_thread: FakeAo3
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FICSHELF_", "DISCORD_"))}
    env |= {
        "COLUMNS": "100",
        "FICSHELF_LIBRARY": str(STORIES_DIR),
        "FICSHELF_AO3_BASE": fake_in_thread.base,
        "FICSHELF_CONTACT": "console-test@example.org",
        "FICSHELF_AO3_INTERVAL": "6",  # longer than simcord's usual 5 s settling
    }
    first, second = list(ao3.GENERATED)[:2]
    argv = [*ficshelf(), "console", "--db", str(settings.database)]  # indexed already
    argv += ["-c", f"/ao3 link:https://archiveofourown.org/works/{first}"]
    argv += ["-c", f"/ao3 link:https://archiveofourown.org/works/{second}"]
    done = subprocess.run(
        argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Lighthouse Log 1" in done.stdout
    assert "Lighthouse Log 2" in done.stdout  # answered after waiting its turn
    times = [h.at for h in fake_in_thread.log]
    assert len(times) == 2 and times[1] - times[0] >= 5.9
    assert "Traceback" not in done.stdout + done.stderr
