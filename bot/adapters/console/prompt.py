"""The interactive console: a prompt with line editing, history, Ctrl-C and Ctrl-D.

The prompt reads lines on the main thread, outside the event loop, and each answer runs to the
end on an ``asyncio.Runner`` kept for the whole session. So Ctrl-C at the prompt only clears the
line (``input`` raises ``KeyboardInterrupt`` where we catch it), and Ctrl-C while an answer is
computed cancels that answer alone (the runner turns the cancellation into
``KeyboardInterrupt`` on this thread, where we catch it too). Nothing reads the terminal from
another thread, so nothing is left blocked behind a cancelled task.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TextIO

from bot.adapters.console.answer import Console, pictures
from bot.adapters.console.complete import Completer, ReadlineCompleter
from bot.adapters.console.pager import Pager
from bot.adapters.console.sigint import reliable_interrupts

__all__ = ["PROMPT", "Prompt", "run_interactive"]

PROMPT = "sco> "
QUIT = frozenset({"/quit", "/exit", "quit", "exit"})
BANNER = (
    "SCO Fact Bot console. Type a command, or words to search for.\n"
    "help lists the commands with examples; Tab completes; Ctrl-D or /quit leaves.\n"
)


class Prompt:
    """Reads lines, answers each on ``runner``, and writes the answer."""

    def __init__(
        self,
        console: Console,
        runner: asyncio.Runner,
        *,
        out: TextIO | None = None,
        read: Callable[[str], str] = input,
        pager: Pager | None = None,
    ) -> None:
        self._console = console
        self._runner = runner
        self._out = out or sys.stdout
        self._read = read
        self._pager = pager or Pager(self._out, None)

    def loop(self) -> None:
        """Until Ctrl-D or /quit: Ctrl-C drops the line being typed or the answer being made."""
        self._out.write(BANNER)
        while True:
            try:
                line = self._read(PROMPT)
            except KeyboardInterrupt:
                self._out.write("^C\n")  # as a shell shows it: the line is dropped
                continue
            except EOFError:
                self._out.write("\n")  # leave the shell's prompt on a line of its own
                return
            if line.strip() in QUIT:
                return
            if line.strip():
                self.answer(line)

    def answer(self, line: str) -> None:
        """Answer one line; Ctrl-C while it is computed or written stops that answer alone."""
        try:
            reply, _ = self._runner.run(self._console.answer(line))
            self._pager.show(reply)
            if files := pictures(reply):  # the timeline's PNG: where it was written
                self._out.write(files + "\n")
        except (KeyboardInterrupt, asyncio.CancelledError):
            self._out.write("\n(stopped)\n\n")


def _readline(history: Path | None) -> Callable[[], None]:
    """Line editing and history where the platform has readline; returns the saver."""
    try:
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        return lambda: None
    if history is not None:
        with contextlib.suppress(OSError):
            readline.read_history_file(history)

    def save() -> None:
        if history is not None:
            with contextlib.suppress(OSError):
                readline.write_history_file(history)

    return save


def run_interactive(
    open_console: Callable[[], AbstractAsyncContextManager[Console]],
    history: Path | None = None,
) -> int:
    """Open the services, run the prompt, close them; Ctrl-C at any point leaves no traceback."""
    with asyncio.Runner() as runner:
        stack = contextlib.AsyncExitStack()
        try:
            console = runner.run(stack.enter_async_context(open_console()))
        except KeyboardInterrupt:
            sys.stdout.write("\n")
            return 130
        save = _readline(history)
        ReadlineCompleter(Completer(console.facts), runner, sys.stdout, PROMPT).install()
        try:
            with reliable_interrupts(input) as read:
                pager = Pager.for_terminal(sys.stdout)
                Prompt(console, runner, read=read, pager=pager).loop()
        finally:
            save()
            with contextlib.suppress(KeyboardInterrupt):
                runner.run(stack.aclose())
    return 0
