"""A bounded memory soak: the real bot, in its own process, answering a steady stream of
interactions from the loopback fake Discord; its resident memory sampled as it goes.

    python -m bench.soak [--seconds 60] [--rate 50] [--warmup 10] [--mix all|paged|single]
                         [--database URL] [--trace]

The fake (this process) serves 127.0.0.1 only and sends ``--rate`` interactions a second, a mix
of commands whose answers have several pages (a pager each) and of single answers (or only
one kind, ``--mix``), for
``--warmup`` seconds and then ``--seconds`` more; it reads the bot's VmRSS from
``/proc/<pid>/status`` every ``--every`` seconds, then stops the bot (SIGTERM, then SIGKILL
after 10 s) and prints the samples: the figure that matters is the growth after warm-up.
With ``--trace`` the bot runs under ``tracemalloc`` and prints, on its way out, the 15 source
lines whose allocations grew most between the end of warm-up and the end: what is held.
Bounded by construction: it ends after warm-up + seconds + 15 s whatever happens. Prints
figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PAGED: list[tuple[str, dict[str, Any]]] = [  # answers of several pages: a pager each
    ("search", {"query": "summit"}),
    ("summit", {"year": 2024}),
]
SINGLE: list[tuple[str, dict[str, Any]]] = [  # one page each
    ("member", {}),
    ("member", {"country": "belarus"}),
    ("source", {}),
    ("fact", {}),
    ("about", {}),
]
MIXES = {"all": PAGED + SINGLE, "paged": PAGED, "single": SINGLE}


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


# -- the bot's process ----------------------------------------------------------------------


async def child(args: argparse.Namespace) -> None:
    import tracemalloc

    import discord
    import yarl

    from bot.adapters.discord.client import FactBot
    from bot.app import build_app
    from bot.settings import Settings

    tracing = args.trace
    discord.http.Route.BASE = args.api
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(args.gateway)
    logging.basicConfig(level=logging.ERROR)
    settings = Settings(
        discord_token="fake-token",
        database_url=args.database,
        command_hash_file=Path(args.tmp) / "hash",
    )
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    warm: list[Any] = []
    loop.add_signal_handler(signal.SIGTERM, stop.set)

    def warmed() -> None:
        # Traced from the end of warm-up only: what is allocated after it and still held at
        # the end is what grows (tracing from the start would slow the curated load badly).
        tracemalloc.start(6)
        warm.append(tracemalloc.take_snapshot())

    if tracing:
        loop.add_signal_handler(signal.SIGUSR1, warmed)
    async with build_app(settings) as app:
        bot = FactBot(app)
        bot._connection.guild_ready_timeout = 0.05
        runner = asyncio.create_task(bot.start("fake-token"))
        await stop.wait()
        store = bot._connection._view_store
        views = len(store._synced_message_views)
        items = sum(len(v) for v in store._views.values())
        import gc

        alive = sum(isinstance(o, discord.ui.View) for o in gc.get_objects())
        print(
            f"held at the end: {alive} views alive, of which discord.py's view store tracks "
            f"{views} by message ({items} dispatchable items); {len(store._modals)} modals",
            flush=True,
        )
        if tracing and warm:
            end = tracemalloc.take_snapshot()
            print("tracemalloc: growth from the end of warm-up to the end, by line", flush=True)
            for stat in end.compare_to(warm[0], "traceback")[:15]:
                frames = [
                    f"{f.filename.rsplit('site-packages/', 1)[-1]}:{f.lineno}"
                    for f in stat.traceback
                ]
                print(
                    f"  {stat.size_diff / 1024:+9.0f} KiB {stat.count_diff:+7d} blocks  "
                    + " <- ".join(reversed(frames[-4:])),
                    flush=True,
                )
        await bot.close()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(runner, 10)


# -- the fake and the load ------------------------------------------------------------------


async def load(args: argparse.Namespace) -> None:
    from tests.fakediscord import FakeDiscord

    logging.basicConfig(level=logging.ERROR)
    budget = args.warmup + args.seconds + 15  # the whole run ends by then, whatever happens
    async with (
        asyncio.timeout(budget + 30),
        FakeDiscord.running(check_clean=False, callback_deadline=30.0) as fake,
    ):
        fake.check = lambda kind, body, request: []  # type: ignore[method-assign]
        fake.add_guild(name="soak", channels=["general"])
        with tempfile.TemporaryDirectory() as tmp:
            database = args.database or f"sqlite:///{Path(tmp) / 'soak.db'}"
            command = [sys.executable, "-m", "bench.soak", "--child", "--tmp", tmp]
            command += ["--api", fake.http_url + "/api/v10", "--gateway", fake.ws_url]
            command += ["--database", database] + (["--trace"] if args.trace else [])
            proc = await asyncio.create_subprocess_exec(*command)
            try:
                await fake.wait_for(
                    lambda: fake.commands.get(None) and fake.gateway.live_sessions(),
                    "the bot to log in",
                    60,
                )
                await asyncio.sleep(1.0)  # GUILD_CREATE and READY
                samples = await drive(fake, proc.pid, args)
            finally:
                if proc.returncode is None:
                    proc.send_signal(signal.SIGTERM)
                    try:
                        await asyncio.wait_for(proc.wait(), 10)
                    except TimeoutError:
                        proc.kill()
                        await proc.wait()
    report(samples, args, database)


async def drive(fake: Any, pid: int, args: argparse.Namespace) -> list[tuple[float, int, int]]:
    """Send at ``args.rate``/s; sample (seconds, RSS KiB, answered so far)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    end = start + args.warmup + args.seconds
    samples: list[tuple[float, int, int]] = []
    pending: set[asyncio.Task[Any]] = set()
    answered = sent = 0
    next_sample = start
    warmed = False

    def done(task: asyncio.Task[Any]) -> None:
        nonlocal answered
        pending.discard(task)
        if not task.cancelled() and task.exception() is None:
            answered += 1

    while (now := loop.time()) < end:
        if now >= next_sample:
            rss = rss_kib(pid)
            if rss is None:
                print("the bot's process is gone")
                break
            samples.append((now - start, rss, answered))
            next_sample += args.every
            forget(fake)
        if not warmed and now - start >= args.warmup:
            warmed = True
            if args.trace:
                os.kill(pid, signal.SIGUSR1)
        mix = MIXES[args.mix]
        name, options = mix[sent % len(mix)]
        task = asyncio.create_task(fake.invoke(name, options, timeout=20))
        task.add_done_callback(done)
        pending.add(task)
        sent += 1
        await asyncio.sleep(max(0.0, start + sent / args.rate - loop.time()))
    if pending:
        await asyncio.wait(pending, timeout=10)
    rss = rss_kib(pid)
    if rss is not None:
        samples.append((loop.time() - start, rss, answered))
    print(f"sent {sent}, answered {answered}")
    return samples


def forget(fake: Any) -> None:
    """Drop what the fake keeps of answered interactions (its memory, not the bot's)."""
    fake.requests.clear()
    fake.messages.clear()
    fake.channel_messages.clear()
    for token in [t for t, r in fake.interactions.items() if r.status is not None]:
        del fake.interactions[token]
    for session in fake.gateway.sessions.values():
        session.log.clear()
    for conn in fake.gateway.connections:
        conn.received.clear()


def report(samples: list[tuple[float, int, int]], args: argparse.Namespace, db: str) -> None:
    backend = db.partition("://")[0]
    print(
        f"soak: {backend}, {args.mix} commands, {args.rate:.0f}/s, "
        f"warm-up {args.warmup:.0f} s, then "
        f"{args.seconds:.0f} s; the bot's resident memory (VmRSS)"
    )
    print(f"{'t (s)':>8}{'RSS MB':>10}{'answered':>10}")
    for at, rss, answered in samples:
        print(f"{at:8.1f}{rss / 1024:10.1f}{answered:10d}")
    after = [s for s in samples if s[0] >= args.warmup]
    if len(after) >= 2:
        first, last = after[0], after[-1]
        minutes = max((last[0] - first[0]) / 60, 1e-9)
        growth = (last[1] - first[1]) / 1024
        print(
            f"after warm-up: {first[1] / 1024:.1f} -> {last[1] / 1024:.1f} MB "
            f"({growth:+.1f} MB, {growth / minutes:+.1f} MB/min)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--every", type=float, default=5.0)
    parser.add_argument("--database", default=None, help="default: a temporary SQLite file")
    parser.add_argument(
        "--mix", choices=sorted(MIXES), default="all", help="paged: only answers with a pager"
    )
    parser.add_argument("--trace", action="store_true", help="tracemalloc in the bot")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--gateway", help=argparse.SUPPRESS)
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    args = parser.parse_args()
    started = time.monotonic()
    asyncio.run(child(args) if args.child else load(args))
    if not args.child:
        print(f"done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
