"""Starting, syncing and stopping the real bot against the loopback fake Discord."""

from __future__ import annotations

import asyncio
import gc
import time
from pathlib import Path

import pytest

from bot.adapters.discord import runner
from bot.adapters.discord.client import FactBot
from bot.app import build_app
from bot.settings import Settings
from tests.fakediscord import FakeDiscord


def _settings(tmp_path: Path, token: str = "fake-token") -> Settings:
    return Settings(
        discord_token=token,
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        command_hash_file=tmp_path / "command-hash",
    )


async def test_rejected_token_is_one_clear_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with FakeDiscord.running(check_clean=False):
        code = await runner.run_async(_settings(tmp_path, token="not-the-token"))
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip().splitlines() == [f"error: {runner.REJECTED_TOKEN}"]


async def test_missing_token_is_refused_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = _settings(tmp_path, token="")
    assert runner.run_bot(settings) == 1
    assert "DISCORD_TOKEN is not set" in capsys.readouterr().err


async def test_sync_command_registers_in_one_guild(tmp_path: Path) -> None:
    async with FakeDiscord.running() as fake:
        guild = fake.add_guild(name="dev")
        assert await runner.sync_async(_settings(tmp_path), guild.id) == 0
        assert {c["name"] for c in fake.commands[guild.id]} >= {"member", "summit", "search"}
        assert fake.requests_to("PUT", rf"/applications/\d+/guilds/{guild.id}/commands")


async def test_stop_finishes_in_flight_interactions_then_closes(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    async with FakeDiscord.running() as fake, build_app(settings) as app:
        fake.add_guild(name="g")
        # READY comes guild_ready_timeout after the last GUILD_CREATE: 2 s in discord.py, the
        # fake's 0.05 s here (``fake.client`` sets it; this test starts the bot as ``run`` does).
        bot = FactBot(app, guild_ready_timeout=0.05)
        release = asyncio.Event()
        original = app.facts.about

        async def slow_about(guild_id: int | None = None) -> object:
            await release.wait()
            return await original(guild_id)

        app.facts.about = slow_about  # type: ignore[method-assign]
        stop = asyncio.Event()
        serving = asyncio.create_task(runner.serve(bot, fake.token, stop))
        await fake.wait_for(bot.is_ready, "the bot to be ready")
        pending = asyncio.create_task(fake.invoke("about"))
        await fake.wait_for(lambda: bot.fact_tree.in_flight == 1, "the interaction in flight")
        stop.set()
        await asyncio.sleep(0.05)
        assert not bot.is_closed() and not bot.fact_tree.accepting
        release.set()
        reply = await pending
        await asyncio.wait_for(serving, 5)
        assert reply.type == 4 and reply.embeds[0]["title"] == "SCO Fact Bot"
        assert bot.is_closed()


async def test_while_serving_the_start_is_frozen_and_collections_are_rarer(
    tmp_path: Path,
) -> None:
    """What the start made, and what discord.py made until it was ready, is frozen (a full
    collection no longer walks it), with fewer collections of the youngest objects while
    serving; all as it was once the bot stops."""
    settings = _settings(tmp_path)
    before = gc.get_threshold()
    async with FakeDiscord.running() as fake, build_app(settings) as app:
        fake.add_guild(name="g")
        bot = FactBot(app, guild_ready_timeout=0.05)
        async with runner._collector_set_for_serving(bot):
            frozen_at_start = gc.get_freeze_count()
            assert frozen_at_start > 0
            assert gc.get_threshold() == runner.GC_THRESHOLDS
            stop = asyncio.Event()
            serving = asyncio.create_task(runner.serve(bot, fake.token, stop))
            await fake.wait_for(bot.is_ready, "the bot to be ready")
            await fake.wait_for(
                lambda: gc.get_freeze_count() > frozen_at_start, "what the login made frozen"
            )
            reply = await fake.invoke("about")
            assert reply.type == 4
            stop.set()
            await asyncio.wait_for(serving, 5)
        assert gc.get_freeze_count() == 0
        assert gc.get_threshold() == before


async def test_full_collections_wait_for_a_quiet_moment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full collection runs once nothing has been in flight for a while, never while a
    command is (a pause then would delay its answer)."""
    monkeypatch.setattr(runner, "QUIET", 0.3)
    monkeypatch.setattr(runner, "QUIET_CHECK", 0.05)
    full: list[float] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and info["generation"] == 2:
            full.append(time.monotonic())

    settings = _settings(tmp_path)
    gc.callbacks.append(seen)
    try:
        async with FakeDiscord.running() as fake, build_app(settings) as app:
            fake.add_guild(name="g")
            bot = FactBot(app, guild_ready_timeout=0.05)
            async with runner._collector_set_for_serving(bot):
                frozen_at_start = gc.get_freeze_count()
                stop = asyncio.Event()
                serving = asyncio.create_task(runner.serve(bot, fake.token, stop))
                await fake.wait_for(bot.is_ready, "the bot to be ready")
                await fake.wait_for(
                    lambda: gc.get_freeze_count() > frozen_at_start, "the freeze once ready"
                )
                assert (await fake.invoke("about")).type == 4
                tree = bot.fact_tree
                tree._enter()  # a command in flight
                full.clear()
                gc.collect(1)  # something new in the oldest generation
                await asyncio.sleep(runner.QUIET * 3)
                assert full == []
                tree._leave()  # it ended
                ended = time.monotonic()
                await fake.wait_for(lambda: bool(full), "a full collection", 5)
                assert full[0] - ended >= runner.QUIET
                stop.set()
                await asyncio.wait_for(serving, 5)
    finally:
        gc.callbacks.remove(seen)
