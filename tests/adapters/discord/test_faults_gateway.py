"""A gateway outage (issue 13, defect 11): the bot is back within seconds of its end, not the
minute discord.py's own backoff can sleep (``bot.adapters.discord.ops.reconnect``), and each
failed attempt is one warning line, not an error with a traceback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import discord.client
import discord.shard
import pytest

from bot.adapters.discord.client import FactBot
from bot.adapters.discord.ops.reconnect import MAX_RECONNECT_DELAY, GatewayBackoff
from bot.app import App
from tests.fakediscord import FakeDiscord

# The outage test shortens the cap (``GatewayBackoff.cap``, MAX_RECONNECT_DELAY in production,
# held to it by the test above) to wait out an outage of a few caps, not of 5 s caps: in
# OUTAGE seconds a capped backoff tries about 2 * OUTAGE / CAP times, where discord.py's own
# tries about 3 times (its waits in [0, 2], [0, 4], [0, 8] s ...) and then sleeps up to 16 s.
CAP = 0.5  # seconds
OUTAGE = 3.0  # seconds
TRIES = 5  # at least, while down: discord.py's own backoff gets there in 7% of its outages


@pytest.fixture
async def fake(app: App, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    monkeypatch.setattr(GatewayBackoff, "cap", CAP)
    async with FakeDiscord.running() as running:
        running.add_guild(name="Zebra fans", channels=["general"])
        async with running.client(FactBot(app)):
            yield running


def test_discord_py_builds_its_gateway_backoff_from_ours(app: App) -> None:
    FactBot(app)
    assert discord.client.ExponentialBackoff is GatewayBackoff  # type: ignore[attr-defined]
    assert discord.shard.ExponentialBackoff is GatewayBackoff  # type: ignore[attr-defined]
    backoff = GatewayBackoff()
    delays = [backoff.delay() for _ in range(50)]
    assert max(delays) <= MAX_RECONNECT_DELAY and len(set(delays)) > 40  # capped, jittered


async def test_the_bot_is_back_within_seconds_of_a_gateway_outage(
    fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING", logger="discord"):
        fake.gateway_down()
        await asyncio.sleep(OUTAGE)
        assert fake.gateway.refused >= TRIES  # it kept trying meanwhile, within the cap
        ended = fake.gateway_up()
        seen = len(fake.gateway.attempts)
        await fake.wait_for(lambda: len(fake.gateway.attempts) > seen, "the bot back", 60)
    at, kind = fake.gateway.attempts[seen]
    assert kind == "resume"  # the session goes on: nothing to IDENTIFY again
    assert at - ended < CAP + 1.0, f"back {at - ended:.1f} s after the outage"
    assert (await fake.invoke("about")).type == 4
    attempts = [r for r in caplog.records if "Attempting a reconnect" in r.getMessage()]
    assert attempts and all(r.levelname == "WARNING" and not r.exc_info for r in attempts)
    assert "503" in attempts[0].getMessage()  # what the gateway said, in the one line
