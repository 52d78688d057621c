"""Assertions about what the bot sent, read from simcord's REST log."""

from __future__ import annotations

from typing import Any

CONTENT_LIMIT = 2000


def message_payloads(env: Any) -> list[dict[str, Any]]:
    """Every message body the bot sent: channel messages, responses and follow-ups."""
    out = []
    for req in env.http_requests:
        body = req.json if isinstance(req.json, dict) else None
        if body is None or req.method not in ("POST", "PATCH"):
            continue
        data = body.get("data")
        if "/callback" in req.path:
            if isinstance(data, dict) and {"content", "embeds"} & data.keys():
                out.append(data)
        elif (req.path.endswith("/messages") or "/webhooks/" in req.path) and (
            {"content", "embeds"} & body.keys()
        ):
            out.append(body)
    return out


def assert_no_pings(env: Any, allowed_roles: frozenset[int] = frozenset()) -> int:
    """Nothing the bot sent may ping @everyone, users, or roles it was not told to ping."""
    payloads = message_payloads(env)
    assert payloads, "the bot sent nothing: no pings to check"
    for body in payloads:
        mentions = body.get("allowed_mentions")
        assert mentions is not None, f"no allowed_mentions on {body}"
        assert mentions.get("parse", []) == [], mentions
        assert not mentions.get("users"), mentions
        assert {int(r) for r in mentions.get("roles", [])} <= allowed_roles, mentions
    return len(payloads)


def embed_length(embed: dict[str, Any]) -> int:
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += len(embed.get("footer", {}).get("text", "")) + len(
        embed.get("author", {}).get("name", "")
    )
    for f in embed.get("fields", []):
        total += len(f.get("name", "")) + len(f.get("value", ""))
    return total


def assert_within_limits(env: Any) -> None:
    payloads = message_payloads(env)
    assert payloads, "the bot sent nothing: no limits to check"
    for body in payloads:
        assert len(body.get("content") or "") <= CONTENT_LIMIT
        for embed in body.get("embeds") or []:
            assert len(embed.get("title", "")) <= 256
            assert len(embed.get("description", "")) <= 4096
            assert len(embed.get("fields", [])) <= 25
            for f in embed.get("fields", []):
                assert len(f["name"]) <= 256
                assert len(f["value"]) <= 1024
            assert embed_length(embed) <= 6000
