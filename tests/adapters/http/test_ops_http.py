"""/healthz and /metrics, through a real HTTP client against the running bot (issue 13).

The bot runs unmodified against the loopback fake Discord with ``METRICS_PORT=0`` (any free
port on 127.0.0.1); the tests read what an operator's curl or Prometheus would.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import yaml

from bot.adapters.discord.client import FactBot, ShardedFactBot, make_bot
from bot.app import App, build_app
from bot.settings import Settings
from tests.fakediscord import FakeDiscord

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        discord_token="fake-token",
        database_url="sqlite:///:memory:",
        command_hash_file=tmp_path / "command-hash",
        metrics_port=0,
    )


@pytest.fixture
async def running(app: App) -> AsyncIterator[tuple[FakeDiscord, FactBot]]:
    async with FakeDiscord.running() as fake:
        fake.add_guild(name="SCO fans", channels=["general"])
        bot = FactBot(app)
        async with fake.client(bot):
            yield fake, bot


def _url(bot: FactBot, path: str) -> str:
    server = bot.metrics_server
    assert server is not None, "METRICS_PORT is set: the endpoint must be running"
    return f"http://127.0.0.1:{server.port}{path}"


async def _get(bot: FactBot, path: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as http, http.get(_url(bot, path)) as response:
        return response.status, response.headers["Content-Type"], await response.text()


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition (0 when absent)."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.fullmatch(r"([a-z_:]+)(?:\{(.*)\})? (\S+)", line)
        if match is None or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match.group(3))
    return 0.0


async def test_healthz_is_ok_while_connected(running: tuple[FakeDiscord, FactBot]) -> None:
    _, bot = running
    status, ctype, body = await _get(bot, "/healthz")
    assert status == 200 and ctype.startswith("application/json")
    assert '"status": "ok"' in body
    assert '"gateway": true' in body and '"database": true' in body
    assert '"digest_scheduler": true' in body
    _, _, metrics = await _get(bot, "/metrics")
    assert _sample(metrics, "scofactbot_healthy") == 1


async def test_healthz_is_503_with_a_reason_when_the_database_fails(
    running: tuple[FakeDiscord, FactBot], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, bot = running

    async def broken() -> None:
        raise OSError("connection refused")

    monkeypatch.setattr(bot.app.usage_store, "ping", broken)
    status, _, body = await _get(bot, "/healthz")
    assert status == 503
    assert '"database": false' in body and "connection refused" in body
    _, _, metrics = await _get(bot, "/metrics")
    assert _sample(metrics, "scofactbot_healthy") == 0


async def test_healthz_is_503_when_the_digest_scheduler_died(
    running: tuple[FakeDiscord, FactBot],
) -> None:
    _, bot = running
    task = bot.digest_scheduler._task
    assert task is not None
    task.cancel()
    await asyncio.sleep(0)
    status, _, body = await _get(bot, "/healthz")
    assert status == 503 and "digest scheduler" in body


async def test_healthz_is_503_while_the_gateway_is_down(
    running: tuple[FakeDiscord, FactBot],
) -> None:
    fake, bot = running
    ws = bot.ws
    await ws.close(code=4000)  # the bot's side of the socket, before it reconnects
    status, _, body = await _get(bot, "/healthz")
    assert status == 503 and "gateway" in body
    await fake.wait_for(lambda: bot.ws is not ws and bot.ws.open, "the bot to reconnect")


async def test_metrics_count_interactions_by_outcome_and_time_them(
    running: tuple[FakeDiscord, FactBot],
) -> None:
    fake, bot = running
    await fake.invoke("summit", {"year": 2024})
    await fake.invoke("summit", {"year": 2024})
    await fake.invoke("member", {"country": "narnia"})  # not found: the user's error
    await fake.autocomplete("member", "country", "bel")
    status, ctype, text = await _get(bot, "/metrics")
    assert status == 200 and ctype.startswith("text/plain")
    answered = {"command": "summit", "outcome": "answered"}
    assert _sample(text, "scofactbot_interactions_total", **answered) == 2
    refused = {"command": "member", "outcome": "user_error"}
    assert _sample(text, "scofactbot_interactions_total", **refused) == 1
    assert _sample(text, "scofactbot_answer_seconds_count", command="summit") == 2
    assert _sample(text, "scofactbot_autocomplete_seconds_count", command="member") == 1
    assert _sample(text, "scofactbot_database_seconds_count", operation="get") >= 2
    assert _sample(text, "process_resident_memory_bytes") > 0
    assert _sample(text, "scofactbot_gateway_events_total", event="connect") == 1


async def test_an_unexpected_error_counts_as_internal(
    running: tuple[FakeDiscord, FactBot], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, bot = running

    async def broken(guild_id: int | None = None) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(bot.app.facts, "about", broken)
    reply = await fake.invoke("about")
    assert reply.ephemeral
    fake.log_errors.clear()  # the bot logged the error on purpose
    _, _, text = await _get(bot, "/metrics")
    internal = {"command": "about", "outcome": "internal_error"}
    assert _sample(text, "scofactbot_interactions_total", **internal) == 1


async def test_gateway_resumes_and_reconnects_are_counted(
    running: tuple[FakeDiscord, FactBot],
) -> None:
    fake, bot = running
    await fake.reconnect()
    _, _, text = await _get(bot, "/metrics")
    assert _sample(text, "scofactbot_gateway_events_total", event="resume") == 1
    assert _sample(text, "scofactbot_gateway_events_total", event="reconnect") == 0


async def test_a_new_session_counts_as_a_reconnect(
    running: tuple[FakeDiscord, FactBot],
) -> None:
    fake, bot = running
    bot.before_identify_hook = _no_identify_wait  # type: ignore[method-assign]
    sessions = len(fake.gateway.sessions)
    await fake.disconnect(resume=False)  # the session is gone: the bot IDENTIFYs again
    await fake.wait_for(lambda: len(fake.gateway.sessions) > sessions, "a new session")
    await fake.wait_for(lambda: bot.ws is not None and bot.ws.open, "the bot to reconnect")
    text = ""
    for _ in range(100):
        _, _, text = await _get(bot, "/metrics")
        if _sample(text, "scofactbot_gateway_events_total", event="reconnect") == 1:
            break
        await asyncio.sleep(0.05)
    assert _sample(text, "scofactbot_gateway_events_total", event="reconnect") == 1
    assert _sample(text, "scofactbot_gateway_events_total", event="connect") == 1
    assert _sample(text, "scofactbot_gateway_events_total", event="disconnect") >= 1


async def test_database_errors_are_counted(
    running: tuple[FakeDiscord, FactBot],
) -> None:
    fake, bot = running
    await bot.app.store.close()  # the database is gone
    reply = await fake.invoke("summit", {"year": 2024})
    assert reply.ephemeral
    fake.log_errors.clear()
    _, _, text = await _get(bot, "/metrics")
    assert _sample(text, "scofactbot_database_errors_total", operation="get") >= 1


async def test_off_by_default_and_bound_to_loopback(tmp_path: Path) -> None:
    plain = Settings(discord_token="t", command_hash_file=tmp_path / "h")
    assert plain.metrics_port is None and plain.metrics_host == "127.0.0.1"
    async with build_app(plain.model_copy(update={"database_url": "sqlite://"})) as app:
        bot = FactBot(app)
        try:
            await bot._serve_metrics()
            assert bot.metrics_server is None
        finally:
            await bot.close()


async def _no_identify_wait(shard_id: int | None, *, initial: bool = False) -> None:
    """discord.py waits 5 s before IDENTIFYing each shard after the first; the fake needn't."""


async def test_healthz_names_a_disconnected_shard(settings: Settings) -> None:
    sharded = settings.model_copy(update={"shard_count": 2})
    async with build_app(sharded) as app, FakeDiscord.running(shard_count=2) as fake:
        fake.add_guild(name="g")
        bot = make_bot(app)
        assert isinstance(bot, ShardedFactBot)
        bot.before_identify_hook = _no_identify_wait  # type: ignore[method-assign]
        async with fake.client(bot):
            status, _, body = await _get(bot, "/healthz")
            assert status == 200, body
            shard = bot.shards[1]
            ws = shard._parent.ws
            await ws.close(code=4000)  # shard 1 drops; shard 0 stays
            status, _, body = await _get(bot, "/healthz")
            assert status == 503 and "gateway shard(s) 1 disconnected" in body
            await fake.wait_for(lambda: not bot.shards[1].is_closed(), "shard 1 to reconnect")
            _, _, text = await _get(bot, "/metrics")
            assert _sample(text, "scofactbot_gateway_events_total", event="connect") == 2


def _compose_bot_healthcheck() -> tuple[list[str], str]:
    """The bot services' healthcheck command and the METRICS_PORT compose gives them."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
    checks, ports = set(), set()
    for name in ("bot", "bot-shard-0", "bot-shard-1"):
        service = compose["services"][name]
        checks.add(tuple(service["healthcheck"]["test"]))
        ports.add(str(service["environment"]["METRICS_PORT"]))
    assert len(checks) == 1 and len(ports) == 1, "every bot service is checked alike"
    return list(checks.pop()), ports.pop()


async def test_composes_healthcheck_passes_and_fails_with_healthz(
    running: tuple[FakeDiscord, FactBot], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, bot = running
    test, port = _compose_bot_healthcheck()
    assert test[0] == "CMD" and test[1] == "python"
    assert f"http://127.0.0.1:{port}/healthz" in test[-1]
    server = bot.metrics_server
    assert server is not None
    command = [sys.executable, *(arg.replace(port, str(server.port)) for arg in test[2:])]

    async def check() -> int:
        process = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
        )
        return await asyncio.wait_for(process.wait(), 30)

    assert await check() == 0

    async def broken() -> None:
        raise OSError("connection refused")

    monkeypatch.setattr(bot.app.usage_store, "ping", broken)
    assert await check() != 0
