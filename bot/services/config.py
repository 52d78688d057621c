"""Moderators' per-channel posting policy: reading the effective policy, changing it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.analysis.taxonomy import Taxonomy
from bot.context import Where
from bot.policy import (
    BUILTIN,
    CHANNEL,
    SERVER,
    ChannelPolicy,
    Eligibility,
    PolicyLayer,
    Vocabulary,
    describe,
    eligibility,
    resolve,
)
from bot.store.config import SERVER_DEFAULT, ChangeRow, ConfigStore


def vocabulary(tax: Taxonomy) -> Vocabulary:
    """The policy's view of the taxonomy."""
    ranks = {r.slug: tax.rating_rank(r.slug) for r in tax.ratings}
    top = max(ranks.values())
    explicit = next(s for s in (r.slug for r in tax.ratings) if ranks[s] == top)
    return Vocabulary(rating_ranks=ranks, explicit=explicit, sexual=frozenset(tax.sexual_warnings))


@dataclass(frozen=True, slots=True)
class PolicyView:
    """The effective policy of a channel and the filter it puts on what is posted (the
    store applies `eligibility` as it is)."""

    policy: ChannelPolicy
    eligibility: Eligibility


class ConfigService:
    """Reads and changes the layered policy; every change is logged with who and when."""

    def __init__(self, store: ConfigStore, tax: Taxonomy, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.tax = tax
        self.vocab = vocabulary(tax)
        self.clock = clock
        default = tax.default_policy
        self.builtin = PolicyLayer(
            BUILTIN,
            max_rating=default.max_rating,
            spoilers=default.spoilers,
            blocks=dict.fromkeys(default.blocked, True),
        )

    async def layers(self, guild_id: int, channel_id: int | None) -> list[PolicyLayer]:
        """Built-in, server default and (for a channel) its override, read in one query."""
        ids = [SERVER_DEFAULT] if channel_id is None else [SERVER_DEFAULT, channel_id]
        stored = await self.store.layers(guild_id, ids)
        server = stored[SERVER_DEFAULT]
        layers = [
            self.builtin,
            PolicyLayer(SERVER, server.max_rating, server.spoilers, server.blocks),
        ]
        if channel_id is not None:
            chan = stored[channel_id]
            layers.append(PolicyLayer(CHANNEL, chan.max_rating, chan.spoilers, chan.blocks))
        return layers

    async def view(self, where: Where) -> PolicyView:
        policy = resolve(
            await self.layers(where.guild_id, where.channel_id), age_restricted=where.age_restricted
        )
        return PolicyView(policy, eligibility(policy, self.vocab))

    # -- changes ------------------------------------------------------------------------------

    async def set_max_rating(
        self, guild_id: int, channel_id: int | None, slug: str, user_id: int
    ) -> None:
        """Set the highest rating postable (`slug`: see `Taxonomy.require`)."""
        await self.store.set_value(
            guild_id,
            channel_id or SERVER_DEFAULT,
            "max_rating",
            slug,
            user_id=user_id,
            at=self.clock(),
            change=f"max rating → {slug}",
        )

    async def set_blocked(
        self, guild_id: int, channel_id: int | None, slug: str, blocked: bool, user_id: int
    ) -> None:
        """Block or allow a content warning (`slug`: see `Taxonomy.require`)."""
        await self.store.set_block(
            guild_id,
            channel_id or SERVER_DEFAULT,
            slug,
            blocked,
            user_id=user_id,
            at=self.clock(),
            change=f"{'blocked' if blocked else 'unblocked'} {slug}",
        )

    async def set_spoilers(
        self, guild_id: int, channel_id: int | None, enabled: bool, user_id: int
    ) -> None:
        await self.store.set_value(
            guild_id,
            channel_id or SERVER_DEFAULT,
            "spoilers",
            int(enabled),
            user_id=user_id,
            at=self.clock(),
            change=f"spoilers {'on' if enabled else 'off'}",
        )

    async def reset(self, guild_id: int, channel_id: int | None, user_id: int) -> None:
        await self.store.reset(
            guild_id,
            channel_id or SERVER_DEFAULT,
            user_id=user_id,
            at=self.clock(),
            change="reset to server default" if channel_id else "reset to built-in default",
        )

    async def recent_changes(self, guild_id: int) -> list[ChangeRow]:
        return await self.store.recent_changes(guild_id)

    def describe(self, view: PolicyView) -> str:
        return describe(view.policy, self.vocab, self.tax.display_name)

    def explain(self, view: PolicyView) -> tuple[list[tuple[str, str]], list[str]]:
        """(name, value) parts of the effective policy with where each comes from, and notes."""
        policy, name = view.policy, self.tax.display_name
        parts = [
            ("Max rating", f"{policy.max_rating} ({policy.max_rating_from})"),
            ("Spoilers", f"{'on' if policy.spoilers else 'off'} ({policy.spoilers_from})"),
        ]
        by_source: dict[str, list[str]] = {}
        for slug, source in sorted(policy.blocked_from.items()):
            by_source.setdefault(source, []).append(name(slug))
        blocked = "\n".join(f"{', '.join(v)} ({k})" for k, v in by_source.items()) or "nothing"
        parts.append(("Blocked warnings", blocked))
        if policy.allowed_from:
            allowed = ", ".join(
                f"{name(s)} ({src})" for s, src in sorted(policy.allowed_from.items())
            )
            parts.append(("Explicitly allowed", allowed))
        notes = []
        if not policy.age_restricted:
            explicit = self.vocab.rank(self.vocab.explicit)
            lead = (
                f"Max rating is {policy.max_rating}, but this channel is not age-restricted: "
                if self.vocab.rank(policy.max_rating) >= explicit
                else ""
            )
            notes.append(
                lead + "sexual content (explicit rating, sexual content or sexual assault) is "
                "only ever posted in age-restricted channels."
            )
        return parts, notes
