"""How the command tree watches each command and autocomplete from its task's start to its end
(``FactTree``: discord.py's public ``interaction_check`` and a done callback on the task), seen
through the running bot: work that never answers gets the overdue notice (a command) or no
choices (an autocomplete) within Discord's window, and every interaction leaves the in-flight
count, however its task ended."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Iterator

import discord
import pytest

from bot.adapters.discord import deadline
from bot.adapters.discord.client import FactBot
from bot.app import App
from tests.fakediscord import FakeDiscord

BUDGET = 0.3  # seconds: the answer budget in these tests, well inside Discord's 3


@pytest.fixture
def short_budget() -> Iterator[None]:
    saved = deadline.ANSWER_BUDGET
    deadline.ANSWER_BUDGET = BUDGET
    yield
    deadline.ANSWER_BUDGET = saved


@pytest.fixture
async def running(app: App, short_budget: None) -> AsyncIterator[tuple[FakeDiscord, FactBot]]:
    async with FakeDiscord.running() as fake:
        fake.add_guild(name="g")
        bot = FactBot(app)
        async with fake.client(bot):
            yield fake, bot


async def _hang(*args: object, **kwargs: object) -> object:
    await asyncio.Event().wait()  # never set: the work never answers
    raise AssertionError("unreachable")


async def _settled(fake: FakeDiscord, bot: FactBot) -> None:
    await fake.wait_for(lambda: bot.fact_tree.in_flight == 0, "the interactions to end")
    assert bot.fact_tree.idle.is_set()


async def test_a_command_that_never_answers_gets_the_overdue_notice_in_time(
    running: tuple[FakeDiscord, FactBot], app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, bot = running
    monkeypatch.setattr(app.facts, "about", _hang)
    reply = await asyncio.wait_for(fake.invoke("about"), 10)
    assert reply.latency is not None and BUDGET <= reply.latency < 3
    assert "The database is not answering" in (reply.content or str(reply.embeds))
    await _settled(fake, bot)
    # The command is still counted as this server's use (it ran; the database failed).
    assert app.usage.pending >= 1


async def test_an_autocomplete_that_never_answers_gets_no_choices_in_time(
    running: tuple[FakeDiscord, FactBot], app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, bot = running
    monkeypatch.setattr(app.facts, "complete", _hang)
    reply = await asyncio.wait_for(fake.autocomplete("member", "country", "bela"), 10)
    assert reply.type == 8 and reply.choices == []
    assert reply.latency is not None and reply.latency < 3
    await _settled(fake, bot)


async def test_a_failure_outside_discord_py_s_error_path_is_logged_and_leaves_the_count(
    running: tuple[FakeDiscord, FactBot],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake, bot = running

    def broken(user_id: int, command: str) -> None:
        raise RuntimeError("cooldowns broke")

    assert bot.fact_tree.cooldowns is not None
    monkeypatch.setattr(bot.fact_tree.cooldowns, "check", broken)
    sent = asyncio.create_task(fake.invoke("about"))

    def logged() -> list[logging.LogRecord]:
        return [r for r in caplog.records if r.getMessage().startswith("unexpected error in")]

    await fake.wait_for(logged, "the failure to be logged")
    await _settled(fake, bot)
    (record,) = logged()
    assert record.exc_info is not None and "cooldowns broke" in str(record.exc_info[1])
    assert record.levelno == logging.ERROR
    sent.cancel()  # never answered: the check itself failed
    with pytest.raises(asyncio.CancelledError):
        await sent


def _interactions_held() -> int:
    """discord.py ``Interaction`` objects alive or awaiting the cyclic collector."""
    return sum(isinstance(o, discord.Interaction) for o in gc.get_objects())


async def test_an_answered_command_is_freed_without_the_cyclic_collector(
    running: tuple[FakeDiscord, FactBot],
) -> None:
    """Each answered interaction is freed by reference counting as its task ends, not left in
    a cycle for a full collection (which, under load, made collections of 265 ms)."""
    fake, bot = running
    await fake.invoke("about")
    await _settled(fake, bot)
    gc.collect()
    gc.disable()
    try:
        before = _interactions_held()
        replies = [await fake.invoke(name) for name in ("about", "fact", "source") * 5]
        await _settled(fake, bot)
        await asyncio.sleep(0)  # the done callbacks of the ended tasks
        after = _interactions_held()
    finally:
        gc.enable()
    assert all(reply.type == 4 and reply.embeds for reply in replies)
    assert after - before == 0
