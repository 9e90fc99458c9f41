"""What issue 13's operations cost: metrics on versus off, /healthz and /metrics latency, and
the per-call price of the cooldown, the usage tally and the store-call timer.

    python -m bench.ops_bench [--burst 200] [--requests 200]

The bot runs against the loopback fake Discord (payload checks off, as in discord_bench) on a
temporary SQLite file; the fake, the bot and the HTTP client share one process and event loop,
so the figures are upper bounds on the bot's own cost. Runs in about half a minute; prints
figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import aiohttp

from bench.discord_bench import burst
from bot.adapters.discord.client import FactBot
from bot.app import build_app
from bot.core.cooldown import Cooldowns
from bot.core.observe import NO_METRICS
from bot.core.usage.service import Tally, Usage
from bot.settings import Settings
from tests.fakeclock import FakeClock
from tests.fakediscord import FakeDiscord

COMMAND, OPTIONS = "summit", {"year": 2024}


async def _bot_run(settings: Settings, args: argparse.Namespace) -> tuple[float, dict[str, str]]:
    async with (
        build_app(settings) as app,
        FakeDiscord.running(check_clean=False, callback_deadline=30.0) as fake,
    ):
        fake.add_guild(name="bench")
        fake.check = lambda kind, body, request: []  # type: ignore[method-assign]
        bot = FactBot(app)
        async with fake.client(bot):
            await burst(fake, COMMAND, OPTIONS, 20)  # warm up
            rates = [await burst(fake, COMMAND, OPTIONS, args.burst) for _ in range(3)]
            http: dict[str, str] = {}
            registry = getattr(app.metrics, "registry", None)
            if registry is not None:
                calls = sum(
                    sample.value
                    for metric in registry.collect()
                    if metric.name == "scofactbot_database_seconds"
                    for sample in metric.samples
                    if sample.name.endswith("_count")
                )
                handled = 20 + 3 * args.burst
                http["store calls"] = f"{calls / handled:.1f} per /{COMMAND} (timed each)"
            if bot.metrics_server is not None:
                base = f"http://127.0.0.1:{bot.metrics_server.port}"
                async with aiohttp.ClientSession() as session:
                    for path in ("/healthz", "/metrics"):
                        times, size = [], 0
                        for _ in range(args.requests):
                            started = time.perf_counter()
                            async with session.get(base + path) as response:
                                size = len(await response.read())
                            times.append((time.perf_counter() - started) * 1000)
                        times.sort()
                        http[path] = (
                            f"p50 {statistics.median(times):.2f} ms, "
                            f"p99 {times[int(len(times) * 0.99) - 1]:.2f} ms, {size} bytes"
                        )
    return statistics.median(rates), http


def _per_call(label: str, seconds: float, calls: int) -> None:
    print(f"  {label:<44} {seconds / calls * 1e6:8.2f} µs")


async def _micro() -> None:
    clock = FakeClock()
    n = 100_000
    limits = Cooldowns(8, timedelta(seconds=20), clock)
    started = time.perf_counter()
    for i in range(n):
        limits.retry_after(i % 5000, "summit")
    _per_call("Cooldowns.retry_after (5,000 users)", time.perf_counter() - started, n)

    class _Nothing:
        async def add_usage(self, counts: object) -> None:
            pass

        async def purge_usage(self, before: object) -> int:
            return 0

    usage = Usage(_Nothing(), clock, None)  # type: ignore[arg-type]
    tally = Tally(views=[("summit", "2024")], words=["rail"], gaps=[])
    started = time.perf_counter()
    for i in range(n):
        await usage.record(i % 50, "search", tally)
    _per_call("Usage.record (50 servers, flushes included)", time.perf_counter() - started, n)

    from bot.adapters.http.metrics import PrometheusMetrics
    from bot.core.observe import time_calls

    class _Store:
        async def get(self) -> None:
            return None

    plain, timed = _Store(), time_calls(_Store(), PrometheusMetrics())
    for label, target in (("a store call, untimed", plain), ("a store call, timed", timed)):
        started = time.perf_counter()
        for _ in range(n):
            await target.get()
        _per_call(label, time.perf_counter() - started, n)
    assert NO_METRICS is not None


async def main(args: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        common = {
            "discord_token": "fake-token",
            "command_hash_file": Path(tmp) / "hash",
            "cooldown_rate": 0,
        }
        print(f"/{COMMAND} 2024, bursts of {args.burst} (median of 3), SQLite file")
        for label, port in (("metrics off", None), ("metrics on", 0)):
            settings = Settings(
                database_url=f"sqlite:///{Path(tmp) / (label.replace(' ', '-') + '.db')}",
                metrics_port=port,
                **common,  # type: ignore[arg-type]
            )
            rate, http = await _bot_run(settings, args)
            print(f"  {label:<12} {rate:8.0f} interactions/s")
            for path, figures in http.items():
                if path.startswith("/"):
                    print(f"    GET {path:<9} {figures} ({args.requests} requests)")
                else:
                    print(f"    {path}: {figures}")
    print("per call (100,000 calls each)")
    await _micro()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--requests", type=int, default=200)
    asyncio.run(main(parser.parse_args()))
