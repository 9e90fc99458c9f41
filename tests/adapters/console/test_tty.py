"""The interactive console under a pseudo-terminal, as a person uses it: keys, not lines."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.terminal import Terminal

ROOT = Path(__file__).resolve().parents[3]
PROMPT = r"sco> "

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One home (history file) and one database for the module: the first console loads it."""
    return tmp_path_factory.mktemp("console-home")


@pytest.fixture
def term(home: Path) -> Iterator[Terminal]:
    env = {
        **os.environ,
        "HOME": str(home),
        "DATABASE_URL": f"sqlite:///{home / 'console.db'}",
        "DISCORD_TOKEN": "",
        "PYTHONPATH": str(ROOT),
        "TERM": "xterm",
        "INPUTRC": os.devnull,
    }
    terminal = Terminal([sys.executable, "-m", "bot", "console"], env=env, cwd=str(home))
    terminal.expect(PROMPT)
    yield terminal
    terminal.close()


def test_ctrl_c_clears_the_line_and_the_next_command_answers(term: Terminal) -> None:
    term.send("/memb")
    term.expect("/memb")  # as a person does: the key after the echo, not within microseconds
    term.send("\x03")
    term.expect(r"\^C\n" + PROMPT + "$")  # a fresh, empty line
    term.send("/about\r")
    answered = term.expect(PROMPT)
    assert "SCO Fact Bot" in answered and "/memb/about" not in answered
    term.send("\x03")  # at an empty prompt too
    term.expect(PROMPT)
    term.send("help\r")
    assert "/summit" in term.expect(PROMPT)
    term.send("\x04")
    assert term.wait() == 0
    assert "Traceback" not in term.text and "KeyboardInterrupt" not in term.text


def test_ctrl_d_leaves_with_a_newline(term: Terminal) -> None:
    term.send("\x04")
    assert term.wait() == 0
    assert term.text.endswith(PROMPT + "\n")


def test_a_long_answer_is_paged_enter_for_more_q_to_stop(term: Terminal) -> None:
    term.send("/summit 2025\r")
    first = term.expect(r"-- 1/(\d+) · Enter: more · q: stop --")
    assert "2025" in first
    term.send("\r")
    term.expect(r"-- 2/\d+ ")
    term.send("q")
    term.expect(r"more screens? not shown")
    term.expect(PROMPT)
    term.send("/summit 2025\r")
    term.expect(r"-- 1/\d+ ")
    term.send("\x03")  # Ctrl-C in the pager stops it too
    term.expect(r"more screens? not shown")
    term.expect(PROMPT)
    term.send("/about\r")
    assert "SCO Fact Bot" in term.expect(PROMPT)
    term.send("\x04")
    assert term.wait() == 0 and "Traceback" not in term.text


def test_every_screen_fits_the_terminal(term: Terminal) -> None:
    term.send("/summit 2025\r")
    rows = 40  # the Terminal's default size
    screen = term.expect(r"-- 1/\d+ ")
    echoed, *shown = screen.split("\n")  # the typed line, then the screen and the pager's line
    assert echoed.endswith("/summit 2025")
    assert len(shown) <= rows
    assert max(len(line) for line in shown) <= 100
    term.send("q")
    term.expect(PROMPT)


def test_tab_completes_commands_and_names(term: Terminal) -> None:
    term.send("/fa\t")
    term.expect(r"/fact ")
    term.send("tra\t")
    term.expect(r"trade")
    term.send("\r")
    answer = term.expect(PROMPT)  # a fact on trade: one screen
    assert "trade" in answer and "not found" not in answer.casefold()
    term.send("/member \t\t")  # twice: the names Discord offers, listed
    listed = term.expect(PROMPT + "/member ")  # the list, then the line again
    assert "belarus" in listed and "china" in listed
    term.send("ch\t")
    term.expect("china")
    term.send("\r")
    if "-- 1/" in term.expect(r"-- 1/\d+ |" + PROMPT):  # China's answer, paged or not
        term.send("q")
        term.expect(PROMPT)
    term.send("\x04")
    assert term.wait() == 0 and "Traceback" not in term.text


def test_manage_py_run_starts_the_console_and_ctrl_c_stays_in_it(home: Path) -> None:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    if not (ROOT / ".venv" / f".installed-{digest}").exists():
        pytest.skip("manage.py has not set up .venv here (python3 manage.py test does)")
    env = {
        **os.environ,
        "HOME": str(home),
        "DATABASE_URL": f"sqlite:///{home / 'console.db'}",
        "DISCORD_TOKEN": "",
        "TERM": "xterm",
        "INPUTRC": os.devnull,
    }
    term = Terminal([sys.executable, str(ROOT / "manage.py"), "run"], env=env, cwd=str(home))
    try:
        term.expect(PROMPT)
        term.send("/memb")
        term.expect("/memb")
        term.send("\x03")
        term.expect(PROMPT)
        term.send("/about\r")
        assert "SCO Fact Bot" in term.expect(PROMPT)
        term.send("\x04")
        assert term.wait() == 0
        assert "Traceback" not in term.text and "KeyboardInterrupt" not in term.text
    finally:
        term.close()
