"""The console adapter: the same commands as the Discord bot, typed in a terminal.

``/name positional...`` in the declared option order, or ``option:value``, with shell quoting.
Words beyond the declared options join the last text option, so ``/member Kyrgyz Republic``
works unquoted. Output is readable text, or with ``--json`` the exact message payload Discord
would receive, one JSON object per line.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import shlex
import sys
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from bot.core.errors import BotError, Invalid, NotFound
from bot.core.findsources import SourceFinder
from bot.core.render import Reply, render, render_apology, render_error
from bot.core.render.embeds import ALLOWED_MENTIONS_NONE
from bot.core.services import FactService
from bot.core.timeline import TimelineAnswer, TimelineService

__all__ = ["COMMANDS", "Console", "ParsedCommand", "format_text", "parse_command"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Option:
    name: str
    type: type[str] | type[int]
    required: bool = False
    example: str = ""


@dataclass(frozen=True)
class CommandSpec:
    name: str
    description: str
    options: tuple[Option, ...] = ()


COMMANDS: dict[str, CommandSpec] = {
    spec.name: spec
    for spec in (
        CommandSpec(
            "member",
            "A member state, or the whole membership",
            (Option("country", str, example="belarus"),),
        ),
        CommandSpec(
            "summit",
            "A summit by year, or every recorded summit",
            (Option("year", int, example="2024"),),
        ),
        CommandSpec(
            "quote",
            "Quotes of a person, or a random quote",
            (Option("person", str, example="fan-xianrong"),),
        ),
        CommandSpec(
            "search",
            "Full-text search over everything",
            (Option("query", str, True, '"890 billion"'),),
        ),
        CommandSpec(
            "fact", "A random fact, optionally on a topic", (Option("topic", str, example="trade"),)
        ),
        CommandSpec("source", "A source document, or the list of sources", (Option("id", str),)),
        CommandSpec("about", "What this bot is and how to use it"),
        CommandSpec("timeline", "A picture of the summits and membership (writes a PNG)"),
        CommandSpec(
            "findsources",
            "Sourced entries matching a message's claims (Discord: a message's Apps menu)",
            (Option("text", str, True, '"SCO trade reached 890 billion dollars"'),),
        ),
        CommandSpec("help", "List the commands"),
    )
}


@dataclass(frozen=True)
class ParsedCommand:
    name: str
    args: dict[str, Any]


def _convert(spec: CommandSpec, option: Option, raw: str) -> Any:
    if option.type is int:
        if not re.fullmatch(r"[+-]?\d{1,9}", raw.strip()):
            raise Invalid(
                f"`{option.name}` must be a whole number, "
                f"e.g. `/{spec.name} {option.example or 2024}`; got “{raw[:40]}”."
            )
        return int(raw)
    return raw


def parse_command(line: str) -> ParsedCommand:
    """Parse one command line; raise ``Invalid``/``NotFound`` with a message saying what to fix."""
    try:
        tokens = shlex.split(line)
    except ValueError as exc:
        raise Invalid(f"Couldn't read that line ({exc}); check the quotes.") from exc
    if not tokens:
        raise Invalid("Type a command, e.g. `/member belarus`. `/help` lists them all.")
    name = tokens[0].lstrip("/").casefold()
    spec = COMMANDS.get(name)
    if spec is None:
        raise NotFound(
            f"There is no command `/{name[:40]}`.",
            suggestions=[f"/{n}" for n in COMMANDS if n.startswith(name[:1])]
            or [f"/{n}" for n in COMMANDS],
        )
    by_name = {o.name: o for o in spec.options}
    args: dict[str, Any] = {}
    positional: list[str] = []
    for token in tokens[1:]:
        key, sep, value = token.partition(":")
        if sep and key in by_name:
            args[key] = value
        else:
            positional.append(token)
    free = [o for o in spec.options if o.name not in args]
    for option in free:
        if not positional:
            break
        last_text = option is free[-1] and option.type is str
        args[option.name] = " ".join(positional) if last_text else positional.pop(0)
        if last_text:
            positional = []
    if positional:
        extra = " ".join(positional)[:60]
        raise Invalid(f"`/{name}` takes {len(spec.options) or 'no'} option(s); “{extra}” is extra.")
    for option in spec.options:
        if option.required and not str(args.get(option.name, "")).strip():
            raise Invalid(f"`/{name}` needs `{option.name}`, e.g. `/{name} {option.example}`.")
        if option.name in args:
            args[option.name] = _convert(spec, option, args[option.name])
    return ParsedCommand(name, args)


_UNESCAPE = re.compile(r"\\([\\*_~`|>#\[\]()])")


def _plain(text: str) -> str:
    return _UNESCAPE.sub(r"\1", text).replace("\u200b", "")


def format_text(reply: Reply) -> str:
    """A reply as readable text: every page, every embed, fields as headed paragraphs."""
    out: list[str] = []
    for page in reply.pages:
        if page.get("content"):
            out.append(_plain(page["content"]))
        for embed in page.get("embeds", []):
            out.append(f"== {_plain(embed.get('title', ''))} ==")
            if embed.get("description"):
                out.append(_plain(embed["description"]))
            for field in embed.get("fields", []):
                out.append(f"-- {_plain(field['name'])}\n{_plain(field['value'])}")
            if embed.get("footer"):
                out.append(f"({_plain(embed['footer']['text'])})")
    return "\n".join(out)


class Console:
    """Runs command lines against the services and writes each answer."""

    def __init__(
        self,
        facts: FactService,
        *,
        as_json: bool = False,
        out: TextIO | None = None,
        finder: SourceFinder | None = None,
        timeline: TimelineService | None = None,
        files_dir: Path | None = None,
    ) -> None:
        self._facts = facts
        self._json = as_json
        self._out = out or sys.stdout
        self._handlers: dict[str, Callable[[dict[str, Any]], Awaitable[Any]]] = {
            "member": lambda a: facts.member(a.get("country")),
            "summit": lambda a: facts.summit(a.get("year")),
            "quote": lambda a: facts.quote(a.get("person")),
            "search": lambda a: facts.search(a["query"]),
            "fact": lambda a: facts.fact(a.get("topic")),
            "source": lambda a: facts.source(a.get("id")),
            "about": lambda a: facts.about(),
        }
        if finder is not None:
            self._handlers["findsources"] = lambda a: finder.find(a["text"])
        self._timeline = timeline
        if timeline is not None:
            self._handlers["timeline"] = lambda a: timeline.timeline()
        self._files_dir = files_dir or Path(tempfile.gettempdir()) / "sco-fact-bot"

    async def answer(self, line: str) -> tuple[Reply, bool]:
        """The reply to one line, and whether it answered without error."""
        try:
            command = parse_command(line)
            if command.name == "help":
                return _help_reply(), True
            if command.name not in self._handlers:
                raise NotFound(f"`/{command.name}` is not available in this console.")
            answer = await self._handlers[command.name](command.args)
            reply = render(answer)
            if isinstance(answer, TimelineAnswer) and self._timeline is not None:
                reply.meta["files"] = [str(await self._write_picture(answer, self._timeline))]
            return reply, True
        except BotError as error:
            return render_error(error), False
        except Exception:
            error_id = uuid.uuid4().hex[:8]
            log.exception("unexpected error %s answering %r", error_id, line[:200])
            return render_apology(error_id), False

    async def _write_picture(self, answer: TimelineAnswer, timeline: TimelineService) -> Path:
        """Draw (or reuse) the timeline's PNG and write it where ``files_dir`` says."""
        png = await timeline.picture(answer)
        path = self._files_dir / answer.filename
        await asyncio.to_thread(self._files_dir.mkdir, parents=True, exist_ok=True)
        await asyncio.to_thread(path.write_bytes, png)
        return path.resolve()

    def write(self, reply: Reply) -> None:
        files = reply.meta.get("files", [])
        if self._json:
            self._out.write(json.dumps(reply.payload(0), ensure_ascii=False) + "\n")
            for path in files:  # standard output stays one JSON object per line
                print(f"picture: {path}", file=sys.stderr)
        else:
            pictures = "".join(f"Picture: {path}\n" for path in files)
            self._out.write(format_text(reply) + "\n" + pictures + "\n")
        self._out.flush()

    async def run_lines(self, lines: Iterable[str]) -> int:
        """Answer each non-blank line; return how many failed."""
        failures = 0
        for line in lines:
            if not line.strip():
                continue
            reply, ok = await self.answer(line)
            failures += not ok
            self.write(reply)
        return failures

    async def interactive(self, history: Path | None = None) -> None:
        """A prompt with line editing and history (readline, where the platform has it)."""
        try:
            import readline
        except ImportError:  # pragma: no cover - Windows without pyreadline
            readline = None  # type: ignore[assignment]
        if readline is not None and history is not None:
            with contextlib.suppress(OSError):
                readline.read_history_file(history)
        self._out.write(
            "SCO Fact Bot console. Try /member belarus, /help; Ctrl-D or /quit to leave.\n"
        )
        try:
            while True:
                try:
                    line = await asyncio.to_thread(input, "sco> ")
                except EOFError:
                    break
                if line.strip() in {"/quit", "/exit", "quit", "exit"}:
                    break
                await self.run_lines([line])
        finally:
            if readline is not None and history is not None:
                readline.write_history_file(history)


def _help_reply() -> Reply:
    lines = []
    for spec in COMMANDS.values():
        opts = " ".join(f"{o.name}" if o.required else f"[{o.name}]" for o in spec.options)
        lines.append(f"/{spec.name} {opts}".rstrip() + f": {spec.description}")
    embed = {"title": "Commands", "description": "\n".join(lines)}
    return Reply([{"content": None, "embeds": [embed], "allowed_mentions": ALLOWED_MENTIONS_NONE}])
