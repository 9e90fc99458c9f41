"""Long answers a screen at a time in a terminal: Enter (or space) for more, q to stop.

A screen is one page of the reply, cut further where a page is taller than the terminal.
Into a pipe or file everything is written at once, as ``less`` does.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import TextIO

from bot.adapters.console.text import format_page
from bot.core.render import Reply

__all__ = ["Pager", "screens", "terminal_keys"]

MORE = frozenset({"\r", "\n", " "})


def screens(reply: Reply, width: int | None, height: int) -> list[str]:
    """The reply's pages as screens of at most ``height`` lines, cut at a blank line where one
    is in the lower half of the screen (so a field stays whole where it can)."""
    room = max(height, 4)
    out: list[str] = []
    for page in reply.pages:
        lines = format_page(page, width).split("\n")
        while len(lines) > room:
            cut = next((i for i in range(room, room // 2, -1) if lines[i - 1] == ""), room)
            out.append("\n".join(lines[:cut]).rstrip("\n"))
            lines = lines[cut:]
        out.append("\n".join(lines))
    return out


@contextlib.contextmanager
def terminal_keys() -> Iterator[Callable[[str], str]]:
    """While paging: keys one at a time, unechoed, without waiting for Enter (so one typed
    early is neither shown nor lost); the terminal is restored after. Ctrl-C still raises
    ``KeyboardInterrupt``; Ctrl-D reads as ``"\\x04"``."""
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd, termios.TCSANOW)  # TCSANOW: keep keys typed before this

    def read_key(prompt: str) -> str:
        sys.stdout.write(prompt)
        sys.stdout.flush()
        try:
            return os.read(fd, 8).decode(errors="replace")[:1]
        finally:
            sys.stdout.write("\r\x1b[K")  # the pager's prompt goes away

    try:
        yield read_key
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _is_terminal(stream: TextIO) -> bool:
    with contextlib.suppress(AttributeError, ValueError, OSError):
        return stream.isatty()
    return False


class Pager:
    """Writes replies; a screen at a time when ``key`` is given (a terminal), else all at once."""

    def __init__(
        self,
        out: TextIO,
        keys: Callable[[], AbstractContextManager[Callable[[str], str]]] | None,
        size: Callable[[], os.terminal_size] = shutil.get_terminal_size,
    ) -> None:
        self._out = out
        self._keys = keys
        self._size = size

    @classmethod
    def for_terminal(cls, out: TextIO) -> Pager:
        """Paging when both the keyboard and ``out`` are a terminal."""
        tty = _is_terminal(sys.stdin) and _is_terminal(out)
        return cls(out, terminal_keys if tty and os.name == "posix" else None)

    def show(self, reply: Reply) -> None:
        if self._keys is None:
            self._out.write("\n\n".join(format_page(page) for page in reply.pages) + "\n\n")
            self._out.flush()
            return
        size = self._size()
        parts = screens(reply, size.columns, size.lines - 1)  # one line for the pager's prompt
        if len(parts) == 1:
            self._out.write(parts[0] + "\n\n")
            self._out.flush()
            return
        with self._keys() as key:
            self._page(parts, key)

    def _page(self, parts: list[str], key: Callable[[str], str]) -> None:
        for number, screen in enumerate(parts, start=1):
            self._out.write(screen + "\n")
            self._out.flush()
            if number == len(parts):
                break
            try:
                pressed = key(f"-- {number}/{len(parts)} · Enter: more · q: stop --")
            except (KeyboardInterrupt, EOFError):
                pressed = "q"
            if pressed not in MORE:
                left = len(parts) - number
                self._out.write(f"({left} more screen{'s' if left > 1 else ''} not shown)\n")
                break
        self._out.write("\n")
        self._out.flush()
