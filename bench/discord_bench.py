"""The bot through the loopback fake Discord, each bot in its own process.

    python -m bench.discord_bench [--url sqlite:///...|postgresql://...] [--facts 100000]
                                  [--burst 600] [--bursts 3] [--rate 500] [--seconds 2]
                                  [--only about,fact]

This process runs the fake Discord (``tests.fakediscord``, REST and gateway on 127.0.0.1) and
the load generator. Each bot runs in a process of its own, pointed at the fake by
``DISCORD_API_BASE``/``DISCORD_GATEWAY_URL``: first the null bot (``bench.null_bot``: one
command answering a constant embed, what discord.py itself costs), then the bot as
``python -m bot run``. For each command, each interaction from a different member (so per-user
cooldowns do not shape the figures):

- burst: ``--burst`` interactions sent back to back, answered per second, the median of
  ``--bursts`` such bursts (after an unmeasured one of the same size: every figure is the bot
  warmed up, as it runs once it has served);
- sustained: ``--rate`` interactions per second for ``--seconds``; p50/p99 of the time from the
  INTERACTION_CREATE event sent to the request carrying the answer (the callback, or the edit
  completing a deferred response);
- the bot's CPU time per interaction over both (``cpu ms``; its ratio to the null bot's is
  the throughput ratio with a core to itself, which holds on a machine shared with other
  work, where the wall-clock figures move with the load);
- the bot's resident memory (VmRSS, and its peak VmHWM) after the command's runs.

``--facts N`` loads the curated store plus N generated facts (``bench.store_bench``'s
generator, written as a data directory the bot loads at start). ``--url`` picks the database:
a SQLite file in a temporary directory (default) or a throwaway schema of a PostgreSQL
database, dropped after. The fake's payload checks are off (``--validate`` turns them on).
Every wait is bounded: a run stops by itself. Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.store.curated import DEFAULT_DATA_DIR, load_catalog
from tests.fakediscord import FakeDiscord, FakeUser
from tests.fakediscord.reply import Reply
from tests.fakediscord.rest import API_PREFIX

COMMANDS: list[tuple[str, dict[str, Any]]] = [
    ("about", {}),
    ("fact", {}),
    ("source", {}),
    ("member", {"country": "china"}),
    ("quote", {"person": "fan-xianrong"}),
    ("search", {"query": "railway"}),
    ("summit", {"year": 2024}),
    ("member", {}),
    ("summit", {"year": 2025}),
]
NULL = ("constant", {})
START_TIMEOUT = 1500.0  # a 100,000-fact load at start, on a busy machine
ANSWER_TIMEOUT = 120.0  # slow bots queue for tens of seconds; still a bounded run
ROOT = Path(__file__).resolve().parents[1]
SPEED_MODULES = ("orjson", "zstandard", "brotli", "aiodns")  # discord.py[speed]


@dataclass
class Row:
    label: str
    cpu_ms: float  # the bot's CPU time per interaction over the burst and the sustained run
    burst: float
    rate: float
    p50: float
    p99: float
    rss_mb: float
    peak_mb: float
    fake_cpu_ms: float = 0.0  # this process's (the fake's and the load's) CPU per interaction
    lag_p99: float = 0.0  # ms this process's event loop was late, p99 over the sustained run
    gc_max: float = 0.0  # ms, the bot's longest garbage collection over both runs


def label_of(command: str, options: dict[str, Any]) -> str:
    return "/" + command + "".join(f" {v}" for v in options.values())


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) ``pid`` has used so far: what an interaction costs the bot
    whatever else the machine runs, where wall-clock rates move with the machine's load."""
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of ``pid`` in MB."""
    fields: dict[str, float] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0]) / 1024
    return fields.get("VmRSS", 0.0), fields.get("VmHWM", 0.0)


def gc_pauses(path: Path, start: float, end: float) -> list[tuple[int, float]]:
    """(generation, ms) of the bot's collections of 1 ms or more between ``start`` and ``end``
    (``time.perf_counter()``), as ``bench.gc_probe`` wrote them."""
    found = []
    with contextlib.suppress(OSError):
        for line in path.read_text().splitlines():
            when, generation, ms = json.loads(line)
            if start <= when <= end:
                found.append((int(generation), float(ms)))
    return found


def own_cpu_seconds() -> float:
    """CPU time this process (the fake Discord and the load generator) has used so far."""
    times = os.times()
    return times.user + times.system


class LoopLag:
    """How late this process's event loop runs a callback asked for 1 ms ahead, sampled while
    a run lasts: the fake's and the load generator's own delay, which every latency the fake
    measures includes (an event it is slow to send, a callback it is slow to read)."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _sample(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time()
            await asyncio.sleep(0.001)
            self.lags.append((loop.time() - asked - 0.001) * 1000)

    def __enter__(self) -> LoopLag:
        self._task = asyncio.get_running_loop().create_task(self._sample())
        return self

    def __exit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()

    def p99(self) -> float:
        lags = sorted(self.lags)
        return lags[min(len(lags) - 1, int(len(lags) * 0.99))] if lags else 0.0


# --- the load -------------------------------------------------------------------------------


class Load:
    """The load generator: each interaction from the next member of a pool of fake users."""

    def __init__(self, fake: FakeDiscord, users: int, gc_file: Path) -> None:
        self.fake = fake
        self.gc_file = gc_file  # the bots' collections (bench.gc_probe)
        self.users = [fake.add_user(f"member{i}") for i in range(users)]
        self.next = 0
        self.timeouts = 0
        self.lag = LoopLag()

    def user(self) -> FakeUser:
        user = self.users[self.next % len(self.users)]
        self.next += 1
        return user

    async def one(self, command: str, options: dict[str, Any]) -> Reply | None:
        """The interaction answered, or None when no answer came within ANSWER_TIMEOUT."""
        try:
            return await self.fake.invoke(
                command, options, user=self.user(), timeout=ANSWER_TIMEOUT, complete_deferred=False
            )
        except AssertionError:
            self.timeouts += 1
            return None

    def answered_at(self, reply: Reply | None) -> float:
        """When the request carrying the answer arrived: the callback, or the edit completing
        a deferred response; infinity when none came in time (or Discord refused it)."""
        if reply is None or reply.status != 200 or reply.latency is None:
            return float("inf")
        if reply.type != 5:
            return reply.sent_at + reply.latency
        return self.edits.get(reply.token, float("inf"))

    def index_edits(self) -> None:
        self.edits: dict[str, float] = {}
        for request in self.fake.requests:
            if request.method == "PATCH" and request.path.endswith("/messages/@original"):
                token = request.path.split("/")[3]
                self.edits.setdefault(token, request.at)

    async def deferred_done(self, replies: Sequence[Reply]) -> None:
        pending = [r for r in replies if r.status == 200 and r.type == 5]
        if pending:
            await self.fake.wait_for(
                lambda: all(r.edits for r in pending), "deferred answers", ANSWER_TIMEOUT
            )

    async def burst(self, command: str, options: dict[str, Any], count: int) -> float:
        start = time.perf_counter()
        replies = await asyncio.gather(*(self.one(command, options) for _ in range(count)))
        answered = [r for r in replies if r is not None]
        await self.deferred_done(answered)
        self.index_edits()
        return count / (max(self.answered_at(r) for r in replies) - start)

    async def sustained(
        self, command: str, options: dict[str, Any], rate: float, seconds: float
    ) -> tuple[float, float, float]:
        """Send at ``rate``/s for ``seconds``; (achieved rate, p50 ms, p99 ms). ``self.lag``
        samples this process's loop over the run."""
        loop = asyncio.get_running_loop()
        total = int(rate * seconds)
        start = loop.time()
        self.lag = LoopLag()
        with self.lag:
            tasks = await self._send(command, options, rate, total, start)
            sent = loop.time() - start
            await asyncio.wait(tasks)
        replies = [r for r in await asyncio.gather(*tasks) if r is not None]
        await self.deferred_done(replies)
        self.index_edits()
        latencies = sorted((self.answered_at(r) - r.sent_at) * 1000 for r in replies)
        latencies += [float("inf")] * (total - len(replies))
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        return total / sent, statistics.median(latencies), p99

    async def _send(
        self, command: str, options: dict[str, Any], rate: float, total: int, start: float
    ) -> list[asyncio.Task[Reply | None]]:
        """Start ``total`` interactions at ``rate``/s from ``start``."""
        loop = asyncio.get_running_loop()
        tasks = []
        for i in range(total):
            delay = start + i / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.one(command, options)))
        return tasks

    def forget(self) -> None:
        """Drop what the fake kept of the last run (its growing lists slow it down)."""
        fake = self.fake
        fake.requests.clear()
        fake.interactions.clear()
        fake.messages.clear()
        fake.channel_messages.clear()
        for session in fake.gateway.sessions.values():
            session.log.clear()  # kept for RESUME replays; none here
        for conn in fake.gateway.connections:
            conn.received.clear()
        gc.collect()


# --- the bots' processes --------------------------------------------------------------------


@contextlib.asynccontextmanager
async def bot_process(
    fake: FakeDiscord, argv: list[str], env: dict[str, str], log: Path
) -> AsyncIterator[int]:
    """Start ``argv`` pointed at the fake; yield its pid once it answers; stop it at exit."""
    for session in fake.gateway.sessions.values():
        session.invalid = True  # the previous bot's: interactions go to this one
    sessions_before = len(fake.gateway.sessions)
    full_env = {
        **os.environ,
        "DISCORD_TOKEN": fake.token,
        "DISCORD_API_BASE": fake.http_url + API_PREFIX,
        "DISCORD_GATEWAY_URL": fake.ws_url,
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        **env,
    }
    with log.open("ab") as out:
        proc = await asyncio.create_subprocess_exec(
            *argv, cwd=ROOT, env=full_env, stdout=out, stderr=out
        )
    try:
        await fake.wait_for(
            lambda: len(fake.gateway.sessions) > sessions_before or proc.returncode is not None,
            "the bot to connect to the gateway",
            START_TIMEOUT,
        )
        if proc.returncode is not None:
            text = await asyncio.to_thread(log.read_text, errors="replace")
            tail = "\n".join(text.splitlines()[-30:])
            raise RuntimeError(f"{argv} exited with {proc.returncode}; its log ends:\n{tail}")
        await asyncio.sleep(2.5)  # discord.py's guild_ready_timeout before READY
        yield proc.pid
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 20)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def measure(
    load: Load, pid: int, commands: Sequence[tuple[str, dict[str, Any]]], args: argparse.Namespace
) -> list[Row]:
    rows = []
    for command, options in commands:
        load.forget()
        # Warm up with a whole burst, unmeasured: a bot's first burst of 600 opens its HTTP
        # connections (discord.py's connector has no limit: one per answer in flight) and
        # first-time allocations, and runs at about half the pace of the next (measured:
        # /fact first 492/s, after /about 852/s; /about first 502/s, after /fact 948/s).
        # Without it the first command listed, and the null bot with its one command, were
        # measured cold and the others warm.
        await load.burst(command, options, args.burst)
        load.forget()
        gc.disable()  # the fake's own collector pauses are not the bot's latency
        cpu, own, began = cpu_seconds(pid), own_cpu_seconds(), time.perf_counter()
        try:
            # The median of several bursts: one lasts a fifth of a second, and a single
            # hiccup of the shared machine moved it by a third between runs.
            bursts = []
            for _ in range(args.bursts):
                bursts.append(await load.burst(command, options, args.burst))
                load.forget()
            burst = statistics.median(bursts)
            await asyncio.sleep(0.5)
            rate, p50, p99 = await load.sustained(command, options, args.rate, args.seconds)
        finally:
            gc.enable()
        count = args.burst * args.bursts + int(args.rate * args.seconds)
        cpu_ms = (cpu_seconds(pid) - cpu) * 1000 / count
        fake_ms = (own_cpu_seconds() - own) * 1000 / count
        ended = time.perf_counter()
        await asyncio.sleep(0.3)  # the probe writes every 0.2 s
        pauses = gc_pauses(load.gc_file, began, ended)
        rss, peak = memory_mb(pid)
        row = Row(
            label_of(command, options),
            cpu_ms,
            burst,
            rate,
            p50,
            p99,
            rss,
            peak,
            fake_ms,
            load.lag.p99(),
            max((ms for _, ms in pauses), default=0.0),
        )
        print(format_row(row, None), flush=True)
        by_generation = {
            g: [ms for gen, ms in pauses if gen == g] for g in sorted({g for g, _ in pauses})
        }
        if by_generation:
            print(
                "    the bot's collections of 1 ms or more: "
                + "; ".join(
                    f"generation {g}: {len(ms)}, {sum(ms):.0f} ms in all, longest {max(ms):.1f}"
                    for g, ms in by_generation.items()
                ),
                flush=True,
            )
        rows.append(row)
    return rows


def format_row(row: Row, null: Row | None) -> str:
    ratio = f"{row.burst / null.burst:8.2f}" if null else " " * 8
    cpu_ratio = f"{null.cpu_ms / row.cpu_ms:8.2f}" if null and row.cpu_ms else " " * 8
    return (
        f"{row.label:<22}{row.cpu_ms:8.2f}{cpu_ratio}{row.burst:8.0f}{ratio}{row.rate:7.0f}"
        f"{row.p50:9.1f}{row.p99:9.1f}{row.rss_mb:7.0f}{row.peak_mb:8.0f}"
        f"{row.fake_cpu_ms:9.2f}{row.lag_p99:9.1f}{row.gc_max:8.1f}"
    )


# "cpu ms": the bot's CPU time per interaction; "x null" after it: the null bot's over this
# one, the throughput ratio the bot would reach with the CPU to itself. "fake ms": this
# process's CPU per interaction (the fake Discord and the load); "lag p99": how late its loop
# ran (ms, p99 over the sustained run), a delay inside every latency it measures; "gc max":
# the bot's longest garbage collection over the command's runs (``bench.gc_probe``).
HEADER = (
    f"{'command':<22}{'cpu ms':>8}{'x null':>8}{'burst/s':>8}{'x null':>8}{'rate/s':>7}"
    f"{'p50 ms':>9}{'p99 ms':>9}{'RSS MB':>7}{'peak MB':>8}{'fake ms':>9}{'lag p99':>9}"
    f"{'gc max':>8}"
)


def _load_average() -> str:
    """The machine's 1, 5 and 15 minute load averages: how far the wall-clock figures moved."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


# --- the store ------------------------------------------------------------------------------


def write_data_dir(target: Path, facts: int) -> Path:
    """``data/`` plus ``facts`` generated facts, as a data directory the bot loads. The facts
    are written as JSON, which is YAML too (flow style): dumping 100,000 facts as block YAML
    takes minutes, JSON a second."""
    from bench.store_bench import generated_facts

    shutil.copytree(DEFAULT_DATA_DIR, target)
    if facts:
        catalog = load_catalog(DEFAULT_DATA_DIR)
        generated = generated_facts(catalog, facts, random.Random(42))
        entries = [f.model_dump(mode="json", exclude_none=True) for f in catalog.facts]
        entries += [f.model_dump(mode="json", exclude_none=True) for f in generated]
        text = json.dumps(entries, ensure_ascii=False, indent=0)
        (target / "facts.yaml").write_text(text, encoding="utf-8")
    return target


@contextlib.asynccontextmanager
async def database(url: str | None, tmp: Path) -> AsyncIterator[str]:
    if url is None or url.startswith("sqlite"):
        yield f"sqlite:///{tmp / 'bench.db'}"
        return
    import asyncpg

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    try:
        yield f"{url}{'&' if '?' in url else '?'}schema={schema}"
    finally:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await conn.close()


async def main(args: argparse.Namespace) -> None:
    commands = [c for c in COMMANDS if not args.only or c[0] in args.only.split(",")]
    users = args.burst + int(args.rate * args.seconds) + 20
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        data_dir = await asyncio.to_thread(write_data_dir, tmp / "data", args.facts)
        log = tmp / "bots.log"
        probe = tmp / "probe"  # bench.gc_probe as each bot's sitecustomize
        probe.mkdir()
        shutil.copyfile(ROOT / "bench" / "gc_probe.py", probe / "sitecustomize.py")
        paths = [str(probe), str(ROOT)]
        if args.no_speed:  # the bots import none of discord.py's speed extra
            blocked = tmp / "no-speed"
            blocked.mkdir()
            for name in SPEED_MODULES:
                (blocked / f"{name}.py").write_text(
                    f"raise ModuleNotFoundError('{name}: --no-speed')\n"
                )
            paths.insert(0, str(blocked))
        bot_env = {"PYTHONPATH": os.pathsep.join(paths), "BENCH_GC_PAUSES": str(tmp / "gc")}
        async with (
            database(args.url, tmp) as url,
            FakeDiscord.running(check_clean=False, callback_deadline=ANSWER_TIMEOUT) as fake,
        ):
            fake.add_guild(name="bench")
            if not args.validate:
                fake.check = lambda kind, body, request: []  # type: ignore[method-assign]
            load = Load(fake, users, tmp / "gc")
            print(
                f"store: {url.split('?')[0].split('@')[-1]}, curated + {args.facts} facts; "
                f"speed extra {'off' if args.no_speed else 'on'}; "
                f"burst {args.burst}; {args.rate:.0f}/s for {args.seconds:.0f} s; "
                f"{os.cpu_count()} CPUs (shared), load average {_load_average()}"
            )
            print(HEADER, flush=True)
            rows: list[Row] = []
            if not args.skip_null:
                argv = [sys.executable, "-m", "bench.null_bot"]
                if args.profile:
                    argv[1:1] = ["-m", "cProfile", "-o", f"{args.profile}.null"]
                async with bot_process(fake, argv, bot_env, log) as pid:
                    rows += await measure(load, pid, [NULL], args)
            env = {
                **bot_env,
                "DATABASE_URL": url,
                "DATA_DIR": str(data_dir),
                "COMMAND_HASH_FILE": str(tmp / "hash"),
            }
            started = time.perf_counter()
            argv = [sys.executable, "-m", "bot", "run"]
            if args.profile:  # written when the bot stops (SIGTERM: it drains and exits)
                argv[1:1] = ["-m", "cProfile", "-o", args.profile]
            async with bot_process(fake, argv, env, log) as pid:
                print(f"(the bot started in {time.perf_counter() - started:.1f} s)", flush=True)
                rows += await measure(load, pid, commands, args)
        null = rows[0] if not args.skip_null else None
        print(f"\nload average at the end: {_load_average()}")
        print(HEADER)
        for row in rows:
            print(format_row(row, null))
        if load.timeouts:
            print(f"{load.timeouts} interactions unanswered after {ANSWER_TIMEOUT:.0f} s (inf)")
        lines = log.read_text().splitlines()
        errors = [n for n, line in enumerate(lines) if "ERROR" in line]
        if errors:
            print(f"\n{len(errors)} error lines logged by the bots; the first:")
            print("\n".join(lines[errors[0] : errors[0] + 40]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="sqlite (default: a temporary file) or postgresql://...")
    parser.add_argument("--facts", type=int, default=0, help="generated facts on top of data/")
    parser.add_argument("--burst", type=int, default=600)
    parser.add_argument("--bursts", type=int, default=3, help="bursts measured (the median)")
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--only", help="commands to run, comma-separated (e.g. about,member)")
    parser.add_argument("--skip-null", action="store_true", help="leave out the null bot")
    parser.add_argument("--validate", action="store_true", help="let the fake check payloads")
    parser.add_argument(
        "--profile", metavar="FILE", help="cProfile the bot into FILE (the null bot into FILE.null)"
    )
    parser.add_argument(
        "--no-speed", action="store_true", help="run the bots without discord.py's speed extra"
    )
    arguments = parser.parse_args()
    if arguments.profile:
        arguments.profile = str(Path(arguments.profile).resolve())
    asyncio.run(main(arguments))
