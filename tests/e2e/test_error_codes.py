"""An unexpected error: the member is told a short code, and the log has the same code."""

from __future__ import annotations

import logging
import re

import pytest

from tests.e2e.conftest import World


async def test_an_unexpected_error_reply_carries_the_code_that_is_logged(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    # Discord refuses the answer once (an unknown interaction): the command fails unexpectedly
    world.env.inject_error(
        "POST", "/interactions/*/callback", status=404, code=10062, message="Unknown interaction"
    )
    with caplog.at_level(logging.ERROR, logger="bot.app"):
        result = await world.member.slash(world.general, "warnings lookup", term="soulmates")
    assert result.ephemeral
    text = result.response.content
    found = re.fullmatch(
        r"Sorry, something went wrong on our side \(error ([0-9a-f]{8})\)\. "
        r"It has been logged; please try again\.",
        text,
    )
    assert found is not None, text
    code = found[1]
    logged = [r for r in caplog.records if r.name == "bot.app" and code in r.getMessage()]
    assert len(logged) == 1, [r.getMessage() for r in caplog.records]
    assert logged[0].levelno == logging.ERROR
    assert "/warnings lookup failed" in logged[0].getMessage()
    assert logged[0].exc_info is not None  # the traceback is logged under the code


async def test_an_expected_error_has_no_code_and_is_not_logged(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="bot.app"):
        result = await world.member.slash(world.general, "warnings lookup", term="qwertyuiop")
    assert result.response.content.startswith("“qwertyuiop” is not a term I know.")
    assert "error" not in result.response.content
    assert [r for r in caplog.records if r.name == "bot.app"] == []
