"""The console adapter: parsing as a person types, every command, every bad input."""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.adapters.console import COMMANDS, Console, parse_command
from bot.adapters.console.commands import SEARCH_EXAMPLE
from bot.adapters.console.prompt import Prompt
from bot.adapters.console.text import format_page, plain
from bot.app import App
from bot.core.errors import Invalid, NotFound
from bot.core.ports import Store
from bot.core.reading.service import FactService
from bot.core.render import render
from tests.limits import assert_page_within_limits

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("line", "name", "args"),
    [
        ("/member belarus", "member", {"country": "belarus"}),
        ("/member Kyrgyz Republic", "member", {"country": "Kyrgyz Republic"}),
        ('/member country:"Kyrgyz Republic"', "member", {"country": "Kyrgyz Republic"}),
        ("/summit 2024", "summit", {"year": 2024}),
        ("/summit year:2019", "summit", {"year": 2019}),
        ("/summit", "summit", {}),
        ('/search "890 billion"', "search", {"query": "890 billion"}),
        ("/search 890 billion", "search", {"query": "890 billion"}),
        ("/search time:10 AND x", "search", {"query": "time:10 AND x"}),
        ("quote fan-xianrong", "quote", {"person": "fan-xianrong"}),
        ("/FACT trade", "fact", {"topic": "trade"}),
        ("/about", "about", {}),
        ("help", "help", {}),
        ("what is the sco?", "search", {"query": "what is the sco?"}),
        ("  who's the secretary-general  ", "search", {"query": "who's the secretary-general"}),
        ("membr belarus", "search", {"query": "membr belarus"}),
    ],
)
def test_parse_as_typed(line: str, name: str, args: dict[str, object]) -> None:
    parsed = parse_command(line)
    assert (parsed.name, parsed.args) == (name, args)


@pytest.mark.parametrize(
    ("line", "error", "reason"),
    [
        ("/summit twenty", Invalid, r"`year`.*whole number.*twenty"),
        ("/summit 2024 2025", Invalid, r"`/summit` takes 1 option.*2025.* extra"),
        ("/search", Invalid, r"`/search` needs `query`"),
        ('/search "unbalanced', Invalid, r"(?i)quot"),
        ("/about extra words", Invalid, r"`/about` takes no option.*extra words.* extra"),
        ("/membr belarus", NotFound, r"no command `/membr`"),
        ("", Invalid, r"(?i)type a command.*`/help`"),
    ],
)
def test_parse_refuses_with_a_reason(line: str, error: type[Exception], reason: str) -> None:
    with pytest.raises(error, match=reason):
        parse_command(line)


def test_a_mistyped_command_suggests_the_one_meant() -> None:
    with pytest.raises(NotFound) as caught:
        parse_command("/membr belarus")
    assert caught.value.suggestions == ["/member"]


@pytest.fixture
def console_out(curated_store: Store) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(FactService(curated_store), as_json=True, out=out), out


EVERY_COMMAND = [
    "/member belarus",
    "/member",
    "/summit 2024",
    "/summit",
    "/quote fan-xianrong",
    "/quote",
    "/search 890 billion",
    "/fact",
    "/fact trade",
    "/source",
    "/about",
    "/help",
]
BAD_INPUT = [
    "/member narnia",
    "/member <@123>",
    "/summit twenty",
    "/summit 1850",
    "/summit 2017",
    "/quote nobody atall",
    "/search " + "x" * 300,
    '/search ""',
    "/fact zzqqxx",
    "/source nope-not-a-source",
    "/nonsense",
    '/member "unbalanced',
]


async def test_every_command_answers_within_limits(
    console_out: tuple[Console, io.StringIO],
) -> None:
    console, out = console_out
    failures = await console.run_lines(EVERY_COMMAND)
    assert failures == 0
    payloads = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(payloads) == len(EVERY_COMMAND)
    for payload in payloads:
        assert not payload["ephemeral"]
        assert_page_within_limits(payload)


async def test_every_bad_input_answers_ephemerally(
    console_out: tuple[Console, io.StringIO],
) -> None:
    console, out = console_out
    failures = await console.run_lines(BAD_INPUT)
    assert failures == len(BAD_INPUT)
    payloads = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(payloads) == len(BAD_INPUT)
    for payload in payloads:
        assert payload["ephemeral"]
        assert_page_within_limits(payload)
        assert "Traceback" not in json.dumps(payload)


async def test_unexpected_failure_is_an_apology_with_an_id(curated_store: Store) -> None:
    class Broken(FactService):
        async def about(self, guild_id: int | None = None) -> object:  # type: ignore[override]
            raise RuntimeError("boom")

    out = io.StringIO()
    failures = await Console(Broken(curated_store), as_json=True, out=out).run_lines(["/about"])
    payload = json.loads(out.getvalue())
    assert failures == 1 and payload["ephemeral"]
    assert "logged as" in payload["content"] and "boom" not in payload["content"]


async def test_text_mode_is_readable(curated_store: Store) -> None:
    out = io.StringIO()
    await Console(FactService(curated_store), out=out).run_lines(["/summit 2024"])
    payload = render(await FactService(curated_store).summit(2024)).payload(0)
    text = out.getvalue()
    assert text.splitlines()[0] == f"== {plain(payload['embeds'][0]['title'])} =="
    assert "2024" in text.splitlines()[0] and "\\" not in text


@pytest.mark.parametrize(
    ("markdown", "shown"),
    [
        ("**Status:** member", "Status: member"),
        ("*SCO summit in Astana, 2024*", "SCO summit in Astana, 2024"),
        ("try `/search railway`", "try /search railway"),
        ("> the exact words", "│ the exact words"),
        (">>> first\nsecond", "│ first\n│ second"),
        ("[Xinhua](https://xinhua.net/a_b)", "Xinhua (https://xinhua.net/a_b)"),
        ("see <https://example.org/x>", "see https://example.org/x"),
        ("[https://a.org](https://a.org)", "https://a.org"),
        ("a \\*literal\\* star and \\`tick\\`", "a *literal* star and `tick`"),
        ("\\> not a quote", "> not a quote"),
        ("~~old~~ __new__ ||secret||", "old new secret"),
        ("snake_case_name stays", "snake_case_name stays"),
        ("`code with **stars**`", "code with **stars**"),
        ("- one\n* two", "• one\n• two"),
        ("-# small print", "small print"),
        ("<@\u200b123>", "<@123>"),
    ],
)
def test_markdown_is_shown_as_plain_text(markdown: str, shown: str) -> None:
    assert plain(markdown) == shown


async def test_no_markup_is_shown_raw_in_any_answer(curated_store: Store) -> None:
    out = io.StringIO()
    await Console(FactService(curated_store), out=out).run_lines(EVERY_COMMAND)
    text = out.getvalue()
    assert "**" not in text
    assert "`" not in text
    assert "](" not in text
    assert not [line for line in text.splitlines() if line.lstrip().startswith(">")]


def test_long_lines_wrap_to_the_width_and_quotes_keep_their_bar() -> None:
    page = {
        "content": None,
        "embeds": [
            {
                "title": "T",
                "fields": [{"name": "Quote", "value": "> " + "word " * 40, "inline": False}],
            }
        ],
    }
    lines = format_page(page, width=40).splitlines()
    assert all(len(line) <= 40 for line in lines)
    quoted = [line for line in lines if "word" in line]
    assert len(quoted) > 1 and all(line.startswith("  │ word") for line in quoted)


async def test_help_shows_an_example_of_each_command_and_each_example_answers(
    app: App, tmp_path: Path
) -> None:
    out = io.StringIO()
    console = Console(
        app.facts, out=out, finder=app.finder, timeline=app.timeline, files_dir=tmp_path
    )
    assert await console.run_lines(["help"]) == 0
    shown = out.getvalue()
    examples = [spec.example for spec in COMMANDS.values()]
    assert all(f"Example: {example}" in shown for example in examples)
    assert all(spec.usage in shown for spec in COMMANDS.values())
    assert await console.run_lines([*examples, SEARCH_EXAMPLE]) == 0  # every example works


def test_a_wrapped_bullet_keeps_its_text_right_of_the_bullet() -> None:
    page = {"content": None, "embeds": [{"title": "T", "description": "- " + "word " * 30}]}
    lines = format_page(page, width=40).splitlines()[1:]
    assert lines[0].startswith("• word") and len(lines) > 1
    assert all(line.startswith("  word") for line in lines[1:])


def _cli(*args: str, stdin: str | None = None, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'cli.db'}", "DISCORD_TOKEN": ""}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp,
        env={**env, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )


CLI = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    sqlite_template: Path,
) -> CLI:
    """``_cli`` in this process: ``bot.__main__.main`` with the same environment, folder and
    standard input, its exit code and output returned as ``_cli`` returns them, on a copy of
    the session's curated template. A process of its own costs a second of imports each time;
    the tests that need one (the exit status, the interactive console, a first run on an
    empty database) start one."""
    from bot.__main__ import main

    shutil.copyfile(sqlite_template, tmp_path / "cli.db")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("DISCORD_TOKEN", "")

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin or ""))
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(["bot", *args], code, out, err)

    return run


def test_cli_ask_json_prints_one_payload_line(cli: CLI) -> None:
    done = cli("ask", "--json", "/summit 2024")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1
    payload = json.loads(lines[0])
    assert set(payload) >= {"content", "embeds", "ephemeral", "components", "allowed_mentions"}


def test_cli_ask_prints_the_first_page_and_all_of_them_with_all(cli: CLI) -> None:
    pages = [
        json.loads(line)
        for line in cli("ask", "--json", "--all", "/summit 2025").stdout.splitlines()
    ]
    assert len(pages) > 1, "the test needs an answer of several pages"
    first = cli("ask", "--json", "/summit 2025").stdout.splitlines()
    assert [json.loads(line) for line in first] == pages[:1]  # --json alone: unchanged
    text = cli("ask", "/summit 2025").stdout
    assert text.startswith(format_page(pages[0]))
    assert f"Page 1 of {len(pages)}" in text and "ask --all '/summit 2025'" in text
    every = cli("ask", "--all", "/summit 2025").stdout
    assert every.strip() == "\n\n".join(format_page(page) for page in pages)


def test_cli_batch_answers_every_line_and_exits_zero(cli: CLI) -> None:
    done = cli("ask", "--json", stdin="/summit twenty\n/member belarus\n/nope\n")
    assert done.returncode == 0, done.stderr
    payloads = [json.loads(line) for line in done.stdout.splitlines()]
    assert [p["ephemeral"] for p in payloads] == [True, False, True]
    assert "Traceback" not in done.stderr


def test_cli_single_failing_ask_exits_one(tmp_path: Path) -> None:
    done = _cli("ask", "/summit twenty", tmp=tmp_path)
    assert done.returncode == 1
    assert "whole number" in done.stdout and "Traceback" not in done.stderr


async def test_text_without_a_slash_is_searched(curated_store: Store) -> None:
    out = io.StringIO()
    console = Console(FactService(curated_store), as_json=True, out=out)
    assert await console.run_lines(["what is the sco?", "/search what is the sco?"]) == 0
    plain, slashed = (json.loads(line) for line in out.getvalue().splitlines())
    assert plain == slashed
    assert plain["embeds"] and not plain["ephemeral"]


def test_run_without_a_token_starts_the_interactive_console(tmp_path: Path) -> None:
    env_home = {"HOME": str(tmp_path)}  # the console keeps its history file in $HOME
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        input="/summit 2024\n/summit twenty\n/quit\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={
            **os.environ,
            **env_home,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
            "DISCORD_TOKEN": "",
            "PYTHONPATH": str(ROOT),
        },
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    answers = done.stdout.split("sco> ")[1:]  # the answers to the piped lines, in turn
    assert "2024" in answers[0] and "whole number" in answers[1]
    assert "Traceback" not in done.stderr
    assert (tmp_path / ".sco_fact_bot_history").exists()


class _Interrupted:
    """A service whose answer is interrupted by Ctrl-C (SIGINT) while it is being computed."""

    async def about(self, guild_id: int | None = None) -> object:
        signal.raise_signal(signal.SIGINT)
        await asyncio.sleep(30)
        raise AssertionError("the answer went on after Ctrl-C")


def _typed(*lines: str | type[BaseException]) -> Callable[[str], str]:
    """An ``input`` that returns each line in turn, or raises the given exception."""
    pending = list(lines)

    def read(prompt: str) -> str:
        item = pending.pop(0)
        if isinstance(item, str):
            return item
        raise item

    return read


def test_ctrl_c_while_answering_stops_that_answer_and_the_prompt_goes_on() -> None:
    out = io.StringIO()
    with asyncio.Runner() as runner:
        console = Console(_Interrupted(), out=out)  # type: ignore[arg-type]
        Prompt(console, runner, out=out, read=_typed("/about", "/help", EOFError)).loop()
    text = out.getvalue()
    assert "(stopped)" in text
    assert "/member" in text.split("(stopped)")[1]  # /help still answered after it
    assert text.endswith("\n")


def test_ctrl_c_at_the_prompt_drops_the_line() -> None:
    out = io.StringIO()
    with asyncio.Runner() as runner:
        console = Console(_Interrupted(), out=out)  # type: ignore[arg-type]
        Prompt(console, runner, out=out, read=_typed(KeyboardInterrupt, "/help", "/quit")).loop()
    assert "/member" in out.getvalue() and "(stopped)" not in out.getvalue()


def test_cli_ask_answers_in_the_language_of_locale_or_the_locale_setting(
    cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    russian = cli("ask", "--locale", "ru", "/summit 2024")
    assert russian.returncode == 0, russian.stderr
    assert russian.stdout.startswith("== Саммит 2024, Astana ==")
    monkeypatch.setenv("LOCALE", "zh-CN")
    chinese = cli("ask", "/summit 2024")
    assert chinese.stdout.startswith("== 2024 年 Astana 峰会 ==")
    refused = cli("ask", "--locale", "xx", "/summit 2024")
    assert refused.returncode == 2 and "en, ru, zh-CN" in refused.stderr
