"""Answering command lines: parse, call one service method, render, write."""

from __future__ import annotations

import asyncio
import json
import logging
import shlex
import shutil
import sys
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

from bot.adapters.console.commands import help_reply, parse_command
from bot.adapters.console.text import format_page
from bot.core.errors import BotError, NotFound
from bot.core.reading.findsources import SourceFinder
from bot.core.reading.service import FactService
from bot.core.reading.timeline import TimelineAnswer, TimelineService
from bot.core.render import Reply, render, render_apology, render_error

__all__ = ["Console", "pictures"]

log = logging.getLogger(__name__)


def pictures(reply: Reply) -> str:
    """``Picture: PATH`` for each file the answer wrote (the timeline's PNG), one a line."""
    return "".join(f"Picture: {path}\n" for path in reply.meta.get("files", []))


def _width(out: TextIO) -> int | None:
    """The terminal's width when writing to one; None (no wrapping) into a pipe or file."""
    try:
        return shutil.get_terminal_size().columns if out.isatty() else None
    except (AttributeError, ValueError, OSError):
        return None


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
        all_pages: bool = False,
    ) -> None:
        """``all_pages``: write every page of an answer; otherwise the first, and (as text) a
        line saying how many more there are and how to see them."""
        self._facts = facts
        self._json = as_json
        self._all = all_pages
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

    @property
    def facts(self) -> FactService:
        return self._facts

    async def answer(self, line: str) -> tuple[Reply, bool]:
        """The reply to one line, and whether it answered without error."""
        try:
            command = parse_command(line)
            if command.name == "help":
                return help_reply(), True
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

    def write(self, reply: Reply, line: str = "") -> None:
        """The answer as Discord's payload, one JSON object a line (the first page, or with
        ``all_pages`` one line per page), or as text (the first page and how to see the rest)."""
        shown = range(len(reply.pages)) if self._all else range(min(1, len(reply.pages)))
        if self._json:
            for page in shown:
                self._out.write(json.dumps(reply.payload(page), ensure_ascii=False) + "\n")
            for path in reply.meta.get("files", []):  # standard output stays JSON lines
                print(f"picture: {path}", file=sys.stderr)
        else:
            width = _width(self._out)
            self._out.write("\n\n".join(format_page(reply.pages[p], width) for p in shown))
            if len(shown) < len(reply.pages):
                again = shlex.quote(line.strip()) if line.strip() else "..."
                self._out.write(
                    f"\n\n(Page 1 of {len(reply.pages)}. Every page: "
                    f"python -m bot ask --all {again})"
                )
            self._out.write("\n" + pictures(reply) + "\n")
        self._out.flush()

    async def run_lines(self, lines: Iterable[str]) -> int:
        """Answer each non-blank line; return how many failed."""
        failures = 0
        for line in lines:
            if not line.strip():
                continue
            reply, ok = await self.answer(line)
            failures += not ok
            self.write(reply, line)
        return failures
