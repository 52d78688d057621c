"""`ficshelf console`: the real bot in a simulated local server (simcord), no token.

One server with #general, #writing and #after-dark (age-restricted); you are a moderator
(Manage Server) unless `--as member`. Type slash commands as in Discord:
`/excerpt trope:soulmates`, `/config block warning:violence channel:#writing`,
`/library add file:./story.txt`; `/wait 1d` advances the simulated clock.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.text import Text

from bot.settings import Settings

SANDBOX_GUILD_ID = 1_234_567_890_123_456_789
CHANNELS = ("general", "writing", "after-dark")
AGE_RESTRICTED = ("after-dark",)
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([dhms])$")
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_MENTION = re.compile(r"(?<!\\)<(?:#|@[!&]?)(\d+)>")  # an escaped one is shown as typed
_TIMESTAMP = re.compile(r"(?<!\\)<t:(-?\d+)(?::[tTdDfFR])?>")
_ESCAPED = re.compile(r"\\([^0-9A-Za-z\s])")  # Discord drops a backslash before punctuation
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}

HELP = """Commands run as in Discord; options are name:value (quote values with spaces).
  /excerpt [story:…] [trope:…] [character:…] [query:"red string"]
  /prompt new [trope:…]        /warnings story story:…     /warnings lookup term:MCD
  /prompt suggest text:"…" [trope:…]   /prompt history   /prompt pending
  /story info story:…          /story find [query:…] [trope:…] [exclude:…]
  /config show|rating|block|unblock|spoilers|reset …   /daily set|off|show|preview|stats …
  /daily set channel:writing time:09:00 timezone:Europe/London [days:mon,wed,fri]
             [thread:true] [source:mixed|generated|community]
  /library add file:PATH       /library remove story:…     /library restore
  /config reports channel channel:#writing   /reports list
  /press 1 or /press Another   (a button of the last answer; a form's answers as options:
                                /press Report reason:missing-warning warning:self-harm)
  /wait 1d (or 2h, 30m)        /channel NAME (where commands run)   /help   /quit"""


class ConsoleError(Exception):
    """A line the console could not turn into a command."""


def parse_duration(text: str) -> float:
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise ConsoleError(f"can't read the duration {text!r}: use e.g. 1d, 2h, 30m")
    return float(match.group(1)) * _UNITS[match.group(2)]


def split_line(line: str) -> tuple[list[str], dict[str, str]]:
    """'/warnings lookup term:MCD' -> (['warnings', 'lookup'], {'term': 'MCD'})."""
    try:
        tokens = shlex.split(line.strip())
    except ValueError as exc:
        raise ConsoleError(f"can't read that line: {exc}") from None
    if not tokens or not tokens[0].startswith("/"):
        raise ConsoleError("commands start with /, e.g. /excerpt (try /help)")
    tokens[0] = tokens[0][1:]
    path: list[str] = []
    options: dict[str, str] = {}
    for token in tokens:
        name, sep, value = token.partition(":")
        if sep and name and re.fullmatch(r"[a-z_]+", name):
            options[name] = value
        elif options:
            raise ConsoleError(f"unexpected {token!r} after the options (quote values with spaces)")
        else:
            path.append(token)
    return path, options


@dataclass
class World:
    """The simulated server and who is typing."""

    env: Any
    guild: Any
    channels: dict[str, Any]
    roles: dict[str, Any]
    user: Any
    here: str = "general"
    seen: set[int] = field(default_factory=set)  # ids of messages already printed


class Session:
    """Runs console lines against the bot and prints what it posted."""

    def __init__(self, bot: Any, world: World, out: Console) -> None:
        self.bot = bot
        self.world = world
        self.out = out
        self.failures = 0  # lines that ran no command, or that Discord would refuse
        self.actions: list[tuple[Any, dict[str, Any]]] = []  # the last answer's buttons

    async def run_line(self, line: str) -> bool:
        """Run one line; False when the user asked to quit."""
        line = line.strip()
        if not line or line.startswith("#"):
            return True
        try:
            path, options = split_line(line)
            verb = path[0] if path else ""
            if verb in ("quit", "exit"):
                return False
            if verb == "help":
                self.out.print(escape(HELP))  # its [option] hints are not markup
            elif verb == "wait":
                await self._wait(path, options)
            elif verb == "channel":
                self._switch(path)
            elif verb == "press":
                await self._press(path, options)
            else:
                await self._slash(path, options)
        except ConsoleError as exc:
            self.failures += 1
            self.out.print(f"[red]{escape(str(exc))}[/red]")
        return True

    def _switch(self, path: list[str]) -> None:
        name = path[1].lstrip("#") if len(path) > 1 else ""
        if name not in self.world.channels:
            raise ConsoleError(
                f"no channel #{name}; channels: {', '.join('#' + c for c in CHANNELS)}"
            )
        self.world.here = name
        self.out.print(f"now in #{name}")

    async def _wait(self, path: list[str], options: dict[str, str]) -> None:
        if len(path) < 2:
            raise ConsoleError("say how long: /wait 1d (or 2h, 30m)")
        seconds = parse_duration(path[1])
        env = self.world.env
        remaining = seconds
        while remaining > 0:  # step in hours so long waits settle as they go
            step = min(remaining, 3600.0)
            await env.advance_time(step)
            remaining -= step
        self.out.print(f"[dim]… {escape(path[1])} later: {env.now():%Y-%m-%d %H:%M} UTC[/dim]")
        self._print_new_messages()

    async def _slash(self, path: list[str], options: dict[str, str]) -> None:
        command = self._find_command(path)
        values = {name: self._convert(command, name, raw) for name, raw in options.items()}
        channel = self.world.channels[self.world.here]
        name = " ".join(path)
        try:
            result = await self.world.user.slash(channel, name, **values)
        except Exception as exc:  # simcord refuses what Discord's client would refuse
            self.failures += 1
            self.out.print(f"[red]/{escape(name)}: {escape(_refusal(exc))}[/red]")
            return
        shown = {m.id for m in [result.response, *result.followups] if m is not None}
        self._print_result(name, result)
        self._print_new_messages(skip=shown)

    async def _press(self, path: list[str], options: dict[str, str]) -> None:
        """Press a button of the last answer, by number or label; a form it opens is
        answered with the options (custom_id:value)."""
        which = " ".join(path[1:]).strip()
        if not which:
            raise ConsoleError("press what? e.g. /press 1 or /press Another")
        if not self.actions:
            raise ConsoleError("nothing to press: the last answer had no buttons")
        if which.isdigit():
            index = int(which) - 1
            if not 0 <= index < len(self.actions):
                raise ConsoleError(f"no button {which}: there are {len(self.actions)}")
            message, button = self.actions[index]
        else:
            found = [a for a in self.actions if a[1]["label"].lower() == which.lower()]
            if not found:
                known = ", ".join(b["label"] for _m, b in self.actions)
                raise ConsoleError(f"no button {which!r}; buttons: {known}")
            message, button = found[0]
        user = self.world.user
        try:
            result = await user.click(message, custom_id=button["custom_id"])
            if result.modal is not None:
                values = _form_values(result.modal, options)
                if values is None:
                    self.out.print(_describe_form(result.modal))
                    return
                result = await user.submit_modal(result, values)
        except ConsoleError:
            raise
        except Exception as exc:
            self.failures += 1
            self.out.print(f"[red]{button['label']}: {_refusal(exc)}[/red]")
            return
        shown = {m.id for m in [result.response, *result.followups] if m is not None}
        self._print_result(button["label"], result)
        self._print_new_messages(skip=shown)

    def _find_command(self, path: list[str]) -> Any:
        if not path:
            raise ConsoleError("which command? try /help")
        node: Any = self.bot.tree.get_command(path[0])
        for part in path[1:]:
            child = (
                node.get_command(part)
                if node is not None and hasattr(node, "get_command")
                else None
            )
            if child is None:
                raise ConsoleError(f"/{' '.join(path)} is not a command (try /help)")
            node = child
        if node is None:
            raise ConsoleError(f"/{path[0]} is not a command (try /help)")
        if hasattr(node, "get_command"):
            subs = ", ".join(c.name for c in node.commands)
            raise ConsoleError(f"/{' '.join(path)} needs a subcommand: {subs}")
        return node

    def _convert(self, command: Any, name: str, raw: str) -> Any:
        param = next((p for p in command.parameters if p.name == name), None)
        if param is None:
            known = ", ".join(p.name for p in command.parameters) or "none"
            raise ConsoleError(
                f"/{command.qualified_name} has no option {name!r} (options: {known})"
            )
        kind = param.type.name
        if kind == "channel":
            channel = self.world.channels.get(raw.lstrip("#"))
            if channel is None:
                raise ConsoleError(
                    f"no channel {raw}; channels: {', '.join('#' + c for c in CHANNELS)}"
                )
            return channel
        if kind == "role":
            role = self.world.roles.get(raw.lstrip("@"))
            if role is None:
                role = self.world.guild.create_role(raw.lstrip("@"))
                self.world.roles[raw.lstrip("@")] = role
            return role
        if kind == "boolean":
            if raw.lower() in _TRUE:
                return True
            if raw.lower() in _FALSE:
                return False
            raise ConsoleError(f"{name} takes true or false, not {raw!r}")
        if kind == "attachment":
            path = Path(raw).expanduser()
            try:
                return (path.name, path.read_bytes())
            except OSError as exc:
                raise ConsoleError(f"can't read {raw}: {exc.strerror or exc}") from None
        if kind == "integer":
            try:
                return int(raw)
            except ValueError:
                raise ConsoleError(f"{name} takes a whole number, not {raw!r}") from None
        if kind == "number":
            try:
                return float(raw)
            except ValueError:
                raise ConsoleError(f"{name} takes a number, not {raw!r}") from None
        return raw

    # -- printing ---------------------------------------------------------------------------

    def _print_result(self, name: str, result: Any) -> None:
        messages = [m for m in [result.response, *result.followups] if m is not None]
        self.actions = []
        if not messages:
            self.out.print(f"[yellow]/{escape(name)}: the bot did not answer[/yellow]")
        for message in messages:
            self._print_message(
                message.content,
                message.embeds,
                ephemeral=message.ephemeral,
                where=f"#{self.world.here}",
            )
            self._print_buttons(message)

    def _print_buttons(self, message: Any) -> None:
        """The message's buttons as numbered actions for /press."""
        shown = []
        for button in _buttons(message):
            if button.get("custom_id") and not button.get("disabled"):
                self.actions.append((message, button))
                shown.append(f"[{len(self.actions)}] {button['label']}")
        if shown:
            self.out.print(Text("  " + "   ".join(shown) + "   (/press N)", style="cyan"))

    def _print_new_messages(self, skip: set[int] | frozenset[int] = frozenset()) -> None:
        """Print what the bot posted on its own (e.g. a daily prompt) since last time."""
        for cname, channel in self.world.channels.items():
            for message in sorted(channel.history(), key=lambda m: m.id):
                if message.id in self.world.seen or message.id in skip:
                    continue
                self._print_message(
                    message.content, message.embeds, ephemeral=False, where=f"#{cname}"
                )
                self._print_buttons(message)
            self.world.seen.update(m.id for m in channel.history())

    def _print_message(
        self, content: str, embeds: list[Any], *, ephemeral: bool, where: str
    ) -> None:
        label = f"Ficshelf in {where}" + (" (only you can see this)" if ephemeral else "")
        self.out.print(Text(label, style="bold magenta"))
        if content:
            self.out.print(Text(self.humanize(content)))
        for embed in embeds:
            self.out.print(render_embed(embed, self.humanize))

    def humanize(self, text: str) -> str:
        """What Discord's client shows: names for mentions, dates for timestamps, no escapes."""
        names = {c.id: f"#{n}" for n, c in self.world.channels.items()}
        names |= {r.id: f"@{n}" for n, r in self.world.roles.items()}
        names[self.world.user.id] = "@you"

        def mention(m: re.Match[str]) -> str:
            return names.get(int(m.group(1)), m.group(0))

        def stamp(m: re.Match[str]) -> str:
            when = datetime.fromtimestamp(int(m.group(1)), tz=UTC)
            return f"{when:%a %Y-%m-%d %H:%M} UTC"

        text = _MENTION.sub(mention, text)
        text = _TIMESTAMP.sub(stamp, text)
        return _ESCAPED.sub(r"\1", text)


def render_embed(embed: Any, show: Callable[[str], str] = str) -> Panel:
    """An embed as readable terminal text; `show` turns Discord markup into what users see."""
    body = Text()
    if embed.author and embed.author.name:
        body.append(f"{show(embed.author.name)}\n", style="italic")
    if embed.description:
        body.append(f"{show(embed.description)}\n")
    for f in embed.fields:
        body.append(f"\n{show(f.name)}\n", style="bold")
        body.append(f"{show(f.value)}\n")
    if embed.footer and embed.footer.text:
        body.append(f"\n{show(embed.footer.text)}", style="dim")
    title = show(embed.title or "")
    if embed.url:
        title += f"  <{embed.url}>"
    return Panel(body, title=Text(title, style="bold"), title_align="left", expand=True)


def _buttons(message: Any) -> list[dict[str, Any]]:
    rows = [r if isinstance(r, dict) else r.to_dict() for r in message.components]
    return [c for row in rows for c in row.get("components", []) if c.get("type") == 2]


def _form_controls(modal: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(label, control) of each control of a form."""
    out = []
    for node in modal.get("components", []):
        control = node.get("component") or (node.get("components") or [None])[0]
        if control:
            out.append((node.get("label") or control.get("label") or "", control))
    return out


def _form_values(modal: dict[str, Any], options: dict[str, str]) -> dict[str, Any] | None:
    """A form's answers from console options; None when none were given."""
    if not options:
        return None
    controls = {c["custom_id"]: c for _label, c in _form_controls(modal)}
    values: dict[str, Any] = {}
    for name, raw in options.items():
        control = controls.get(name)
        if control is None:
            raise ConsoleError(f"the form has no field {name!r} (fields: {', '.join(controls)})")
        if control.get("type") == 4:
            values[name] = raw
            continue
        allowed = [o["value"] for o in control.get("options", [])]
        if raw not in allowed:
            raise ConsoleError(f"{name} takes one of: {', '.join(allowed)}")
        values[name] = [raw]
    return values


def _describe_form(modal: dict[str, Any]) -> str:
    lines = [f"[bold]{modal.get('title', 'Form')}[/bold]: answer with options, e.g."]
    for label, control in _form_controls(modal):
        if control.get("type") == 4:
            choice = "TEXT"
        else:
            choice = "|".join(o["value"] for o in control.get("options", [])[:6])
            choice += "|…" if len(control.get("options", [])) > 6 else ""
        needed = "" if control.get("required") else " (optional)"
        lines.append(f"  {control['custom_id']}:{choice}  — {label}{needed}")
    lines.append("  /press Report reason:missing-warning warning:self-harm")
    return "\n".join(lines)


def _refusal(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "permission" in text.lower():
        return f"you can't use this command here ({text})"
    return text


async def build_world(env: Any, bot: Any, *, member: bool, channel: str) -> World:
    from bot.app import MODERATOR_PERMISSIONS

    guild = env.create_guild(name="Ficshelf Sandbox", id=SANDBOX_GUILD_ID)
    channels = {name: guild.create_text_channel(name) for name in CHANNELS}
    await env.settle()
    for name in AGE_RESTRICTED:  # simcord has no age-restricted flag: set it on the bot's cache
        cached = bot.get_channel(channels[name].id)
        if cached is not None:
            cached.nsfw = True
    roles: dict[str, Any] = {}
    user_roles = []
    if not member:
        roles["Moderators"] = guild.create_role("Moderators", permissions=MODERATOR_PERMISSIONS)
        user_roles.append(roles["Moderators"])
    user = guild.add_member(env.create_user("you"), roles=user_roles)
    here = channel.lstrip("#")
    if here not in channels:
        raise ConsoleError(f"no channel #{here}; channels: {', '.join('#' + c for c in CHANNELS)}")
    world = World(env, guild, channels, roles, user, here=here)
    world.seen = {m.id for c in channels.values() for m in c.history()}
    return world


async def _main(
    settings: Settings, lines: list[str], *, member: bool, channel: str, out: Console
) -> int:
    from bot.app import create_bot

    bot = create_bot(settings, always_sync=True)
    try:
        return await _session(bot, lines, member=member, channel=channel, out=out)
    finally:
        await bot.release()


async def _session(bot: Any, lines: list[str], *, member: bool, channel: str, out: Console) -> int:
    import simcord

    # AO3 lookups wait their turn behind the limiter (tens of seconds): wait for the deferred
    # answer as long as the limiter and the retries may need, not simcord's few seconds
    patience = console_patience(bot.settings)
    async with simcord.run(bot, check_errors=False, settle_timeout=patience) as env:
        world = await build_world(env, bot, member=member, channel=channel)
        session = Session(bot, world, out)
        who = "a member" if member else "a moderator (Manage Server)"
        if lines:
            for line in lines:
                out.print(Text(f"> {line}", style="bold cyan"))
                if not await session.run_line(line):
                    break
            return 1 if session.failures else 0
        out.print(
            f"[bold]Ficshelf console[/bold]: a simulated server with "
            f"{', '.join('#' + c for c in CHANNELS)} (#after-dark is age-restricted). "
            f"You are {who} in #{world.here}. Type /help, or /quit to leave."
        )
        loop = asyncio.get_running_loop()
        while True:
            try:
                line = await loop.run_in_executor(None, input, f"#{world.here} > ")
            except (EOFError, KeyboardInterrupt):
                out.print()
                break
            if not await session.run_line(line):
                break
    return 0


def console_patience(settings: Settings) -> float:
    """How long a command may take: the limiter's longest queue plus every try and backoff."""
    tries = max(1, settings.ao3_tries)
    backoff = settings.ao3_backoff * (2**tries) * 1.5
    return (
        settings.ao3_max_wait
        + tries * (settings.ao3_timeout + settings.ao3_min_interval)
        + backoff
        + 10
    )


def run_console(settings: Settings, *, commands: list[str], member: bool, channel: str) -> int:
    """Entry point for `ficshelf console`; returns the exit status."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # discord.py's start-up notes (voice libraries, the simulator's probe client) are noise here
    logging.getLogger("discord").setLevel(logging.ERROR)
    out = Console(highlight=False, soft_wrap=False)
    try:
        return asyncio.run(
            _main(replace(settings), commands, member=member, channel=channel, out=out)
        )
    except ConsoleError as exc:
        out.print(f"[red]{escape(str(exc))}[/red]")
        return 2
