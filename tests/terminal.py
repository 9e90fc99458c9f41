"""A program under a pseudo-terminal, driven as a person types (standard library ``pty``).

The child gets the terminal as its controlling terminal, so Ctrl-C (``\\x03``) reaches it as
SIGINT and Ctrl-D (``\\x04``) as end of input, exactly as in a real terminal.
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import struct
import time
from collections.abc import Mapping, Sequence

__all__ = ["Terminal"]

_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]|\x07")


class Terminal:
    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: str,
        rows: int = 40,
        cols: int = 100,
    ) -> None:
        # The terminal's own size (TIOCSWINSZ below) holds, not LINES/COLUMNS from the
        # caller's environment (pytest-xdist workers have LINES=24, COLUMNS=80).
        child_env = {k: v for k, v in env.items() if k not in ("LINES", "COLUMNS")}
        pid, fd = pty.fork()
        if pid == 0:  # the child: becomes the program
            os.chdir(cwd)
            os.execve(argv[0], list(argv), child_env)
        self.pid, self.fd = pid, fd
        import fcntl
        import termios

        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.raw = ""  # everything the program wrote, escape sequences included
        self._seen = 0
        self.status: int | None = None

    @property
    def text(self) -> str:
        """What the program wrote, without terminal escape sequences."""
        return _ESCAPES.sub("", self.raw).replace("\r\n", "\n")

    def send(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def _pump(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # the program closed the terminal
            return False
        if not data:
            return False
        self.raw += data.decode(errors="replace")
        return True

    def expect(self, pattern: str, timeout: float = 60) -> str:
        """Wait until ``pattern`` (a regex) appears in the output after the last match; return
        the output up to and including the match. Fails with the screen so far if it never does."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while True:
            found = regex.search(self.text, self._seen)
            if found:
                before = self.text[self._seen : found.end()]
                self._seen = found.end()
                return before
            if time.monotonic() > deadline or not self._pump(0.1):
                shows = f"{self.text}\n(the last bytes: {self.raw[-400:]!r})"
                raise AssertionError(f"never saw {pattern!r}; the terminal shows:\n{shows}")

    def wait(self, timeout: float = 30) -> int:
        """Read until the program exits; its exit status."""
        deadline = time.monotonic() + timeout
        while self.status is None:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.status = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"the program did not exit; the terminal shows:\n{self.text}")
            self._pump(0.1)
        while self._pump(0):  # what it wrote last
            if not select.select([self.fd], [], [], 0)[0]:
                break
        return self.status

    def close(self) -> None:
        if self.status is None:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.status = -9
        os.close(self.fd)
