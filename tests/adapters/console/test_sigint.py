"""Ctrl-C while readline is busy (a signal it notes but does not act on) is sent again."""

from __future__ import annotations

import signal
import sys
import time

import pytest

from bot.adapters.console.sigint import reliable_interrupts

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _busy_reader(prompt: str) -> str:
    """Readline as it is when Ctrl-C lands mid-redraw: the interrupt is swallowed (a readline
    hook clears it), then it waits in select() for the next key, which here never comes."""
    try:
        signal.raise_signal(signal.SIGINT)
        time.sleep(0)
    except KeyboardInterrupt:
        pass
    time.sleep(5)
    return "the line, as if Ctrl-C had not been pressed"


def test_a_swallowed_ctrl_c_is_sent_again_and_interrupts_the_read() -> None:
    with reliable_interrupts(_busy_reader) as read, pytest.raises(KeyboardInterrupt):
        read("sco> ")


def test_a_read_without_ctrl_c_is_untouched() -> None:
    with reliable_interrupts(lambda prompt: "/about") as read:
        assert read("sco> ") == "/about"
        assert read("sco> ") == "/about"
    assert signal.set_wakeup_fd(-1) == -1  # the wakeup descriptor is put back as it was
