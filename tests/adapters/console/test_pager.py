"""The console's pager: screens that fit the terminal, Enter for more, q or Ctrl-C to stop."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from bot.adapters.console.pager import Pager, screens
from bot.adapters.console.text import format_page
from bot.core.render import Reply


def _reply(pages: int, fields: int) -> Reply:
    return Reply(
        [
            {
                "content": None,
                "embeds": [
                    {
                        "title": f"Answer ({p + 1}/{pages})",
                        "description": "The **first** lines answer it.",
                        "fields": [
                            {"name": f"Item {p}.{f}", "value": f"Text {p}.{f} " * 30}
                            for f in range(fields)
                        ],
                        "footer": {"text": f"Page {p + 1} of {pages}"},
                    }
                ],
            }
            for p in range(pages)
        ]
    )


@pytest.mark.parametrize(("width", "height"), [(100, 40), (40, 12), (200, 8)])
def test_screens_fit_and_lose_no_line(width: int, height: int) -> None:
    reply = _reply(pages=3, fields=6)
    parts = screens(reply, width, height)
    for part in parts:
        assert len(part.split("\n")) <= height
        assert max(len(line) for line in part.split("\n")) <= width
    shown = [line for part in parts for line in part.split("\n") if line]
    whole = [line for p in reply.pages for line in format_page(p, width).split("\n") if line]
    assert shown == whole


class _Keys:
    """The keys a person presses at the pager's prompts, in turn; records the prompts."""

    def __init__(self, *pressed: str | type[BaseException]) -> None:
        self.pending = list(pressed)
        self.asked: list[str] = []

    @contextmanager
    def __call__(self) -> Iterator[Callable[[str], str]]:
        def key(prompt: str) -> str:
            self.asked.append(prompt)
            item = self.pending.pop(0)
            if isinstance(item, str):
                return item
            raise item

        yield key


def _size(columns: int, lines: int) -> Callable[[], os.terminal_size]:
    return lambda: os.terminal_size((columns, lines))


def test_enter_shows_more_and_q_stops() -> None:
    out = io.StringIO()
    keys = _Keys("\n", "q")
    Pager(out, keys, _size(80, 20)).show(_reply(pages=4, fields=4))
    text = out.getvalue()
    total = len(screens(_reply(pages=4, fields=4), 80, 19))
    assert keys.asked == [
        f"-- 1/{total} · Enter: more · q: stop --",
        f"-- 2/{total} · Enter: more · q: stop --",
    ]
    assert total > 3, "the test needs an answer of more than three screens"
    assert f"({total - 2} more screens not shown)" in text
    assert "Item 3.3" not in text


def test_ctrl_c_or_ctrl_d_in_the_pager_stops_it() -> None:
    for stop in (KeyboardInterrupt, EOFError, "\x04"):
        out = io.StringIO()
        Pager(out, _Keys(stop), _size(80, 20)).show(_reply(pages=2, fields=4))
        assert "not shown" in out.getvalue()


def test_a_short_answer_is_not_paged() -> None:
    out = io.StringIO()
    keys = _Keys()
    Pager(out, keys, _size(80, 40)).show(_reply(pages=1, fields=1))
    assert keys.asked == []
    assert "Item 0.0" in out.getvalue()


def test_without_a_terminal_everything_is_written() -> None:
    out = io.StringIO()
    reply = _reply(pages=3, fields=6)
    Pager(out, None).show(reply)
    assert all(f"Answer ({p}/3)" in out.getvalue() for p in (1, 2, 3))


def test_one_screen_left_is_said_in_the_singular() -> None:
    out = io.StringIO()
    reply = _reply(pages=2, fields=1)
    assert len(screens(reply, 80, 39)) == 2
    Pager(out, _Keys("q"), _size(80, 40)).show(reply)
    assert "(1 more screen not shown)" in out.getvalue()
