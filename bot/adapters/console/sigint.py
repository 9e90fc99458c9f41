"""Ctrl-C that is never lost while readline reads a line.

Python's readline notices a signal only when the ``select()`` it waits in is interrupted. A
Ctrl-C that arrives while readline is busy (echoing a key, drawing a list of completions) is
noted but not acted on, and the prompt seems to ignore it until the next key. While a line is
read, a watcher thread hears every signal (``signal.set_wakeup_fd``) and, if the same line is
still being read a moment later, sends SIGINT to the main thread again, which by then waits
in ``select()`` and raises ``KeyboardInterrupt`` at once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator

__all__ = ["reliable_interrupts"]

NUDGE_AFTER = 0.05  # seconds: long enough for readline to be back in select()


class _Reader:
    def __init__(self, read: Callable[[str], str]) -> None:
        self._read = read
        self._line = 0  # which line is being read
        self._reading = False

    def __call__(self, prompt: str) -> str:
        self._line += 1
        self._reading = True
        try:
            return self._read(prompt)
        finally:
            self._reading = False

    def watch(self, signals: int) -> None:
        main = threading.main_thread().ident
        while data := _read_all(signals):
            if signal.SIGINT not in data or main is None:
                continue
            line = self._line
            time.sleep(NUDGE_AFTER)
            if self._reading and self._line == line:  # not acted on yet: again, into select()
                signal.pthread_kill(main, signal.SIGINT)


def _read_all(fd: int) -> bytes:
    try:
        return os.read(fd, 64)
    except OSError:
        return b""


@contextlib.contextmanager
def reliable_interrupts(read: Callable[[str], str]) -> Iterator[Callable[[str], str]]:
    """``read`` wrapped so that Ctrl-C always interrupts it (where the platform allows)."""
    on_main = threading.current_thread() is threading.main_thread()
    if not hasattr(signal, "pthread_kill") or not on_main:
        yield read
        return
    reader = _Reader(read)
    heard, told = os.pipe()
    os.set_blocking(told, False)
    previous = signal.set_wakeup_fd(told)
    watcher = threading.Thread(target=reader.watch, args=(heard,), daemon=True)
    watcher.start()
    try:
        yield reader
    finally:
        signal.set_wakeup_fd(previous)
        os.close(told)  # the watcher reads end of file and stops
        watcher.join(timeout=1)
        os.close(heard)
