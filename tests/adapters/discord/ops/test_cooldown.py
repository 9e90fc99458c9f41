"""Per-user cooldowns (issue 13): one policy for every command, on a fake clock; autocomplete
is never limited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.discord.client import FactBot
from bot.app import build_app
from bot.core.cooldown import SWEEP_EVERY, Cooldowns
from bot.core.errors import RateLimited
from bot.settings import Settings
from tests.fakeclock import FakeClock
from tests.fakediscord import FakeDiscord


async def test_the_limiter_counts_a_sliding_window_per_user_and_command() -> None:
    clock = FakeClock()
    limits = Cooldowns(3, timedelta(seconds=10), clock)
    for _ in range(3):
        limits.check(1, "fact")
    with pytest.raises(RateLimited, match=r"try again in 10 s"):
        limits.check(1, "fact")
    limits.check(2, "fact")  # another user
    limits.check(1, "about")  # another command
    await clock.advance(timedelta(seconds=4))
    with pytest.raises(RateLimited, match=r"try again in 6 s"):
        limits.check(1, "fact")
    await clock.advance(timedelta(seconds=6))
    limits.check(1, "fact")  # the first use left the window


async def test_refused_uses_do_not_extend_the_wait() -> None:
    clock = FakeClock()
    limits = Cooldowns(1, timedelta(seconds=5), clock)
    limits.check(1, "fact")
    for _ in range(10):
        assert limits.retry_after(1, "fact") == 5.0
    await clock.advance(timedelta(seconds=5))
    assert limits.retry_after(1, "fact") is None


async def test_rate_zero_turns_it_off_and_idle_users_are_forgotten() -> None:
    clock = FakeClock()
    off = Cooldowns(0, timedelta(seconds=5), clock)
    assert all(off.retry_after(1, "fact") is None for _ in range(100))
    limits = Cooldowns(2, timedelta(seconds=5), clock)
    for user in range(SWEEP_EVERY - 1):
        limits.check(user, "fact")
    await clock.advance(timedelta(seconds=6))
    limits.check(10**9, "fact")  # the sweep runs: everyone before is idle
    assert len(limits) == 1


def test_defaults_are_generous() -> None:
    settings = Settings()
    assert settings.cooldown_rate >= 5 and settings.cooldown_seconds <= 60


@pytest.fixture
async def limited(tmp_path: Path) -> AsyncIterator[tuple[FakeDiscord, FakeClock]]:
    settings = Settings(
        discord_token="fake-token",
        database_url="sqlite:///:memory:",
        command_hash_file=tmp_path / "command-hash",
        cooldown_rate=2,
        cooldown_seconds=30,
        metrics_port=0,
    )
    clock = FakeClock()
    async with build_app(settings, clock=clock) as app, FakeDiscord.running() as fake:
        fake.add_guild(name="g")
        bot = FactBot(app)
        async with fake.client(bot):
            fake.bot = bot  # type: ignore[attr-defined]
            yield fake, clock


async def test_a_script_is_told_to_wait_privately_and_people_are_not(
    limited: tuple[FakeDiscord, FakeClock],
) -> None:
    fake, clock = limited
    for _ in range(2):
        assert not (await fake.invoke("summit", {"year": 2024})).ephemeral
    refused = await fake.invoke("summit", {"year": 2024})
    assert refused.type == 4 and refused.ephemeral
    assert "try again in 30 s" in str(refused.callback)
    other = fake.add_user("someone else")
    assert not (await fake.invoke("summit", {"year": 2024}, user=other)).ephemeral
    assert not (await fake.invoke("about")).ephemeral  # another command: its own count
    for _ in range(10):  # a person typing is never limited
        typed = await fake.autocomplete("summit", "year", "20")
        assert typed.choices
    await clock.advance(timedelta(seconds=12))
    still = await fake.invoke("summit", {"year": 2024})
    assert "try again in 18 s" in str(still.callback)
    await clock.advance(timedelta(seconds=18))
    assert not (await fake.invoke("summit", {"year": 2024})).ephemeral
    bot: FactBot = fake.bot  # type: ignore[attr-defined]
    await fake.wait_for(lambda: bot.fact_tree.in_flight == 0, "the commands to be counted")
    await bot.app.usage.flush()
    guild = next(iter(fake.guilds.values()))
    rows = await bot.app.usage_store.usage(guild.id, clock.now().date())
    counted = {r.key: r.count for r in rows if r.what == "command"}
    assert counted == {"summit": 4, "about": 1}  # the two refused uses are not usage
    registry = bot.app.metrics.registry  # type: ignore[attr-defined]
    refusals = {"command": "summit", "outcome": "user_error"}
    assert registry.get_sample_value("scofactbot_interactions_total", refusals) == 2


async def test_subcommands_share_the_policy(limited: tuple[FakeDiscord, FakeClock]) -> None:
    fake, _ = limited
    owner = fake.owner
    for _ in range(2):
        await fake.invoke("digest show", user=owner)
    refused = await fake.invoke("digest show", user=owner)
    assert refused.ephemeral and "try again in 30 s" in str(refused.callback)
