"""The database really gone under the running bot (issue 13, defect 6), not calls made to fail:
PostgreSQL stopped (``pg_ctl stop -m fast`` on a private cluster, ``tests/pgcluster.py``) and
started again, and SQLite's disk really full (a tmpfs filled to its last byte; mounting one
needs root, so that test skips without it). Through the fake Discord, the user is told it is
temporary, with the typed form shown back and a button reopening it; once the database is
back, the bot answers again without a restart and the reopened form saves.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.adapters.discord.client import FactBot
from bot.adapters.discord.forms import FORM_REOPEN
from bot.app import build_app
from bot.settings import Settings
from bot.store import open_cached_store
from tests.adapters.discord.test_faults_e2e import FACT, text_of
from tests.fakediscord import FakeDiscord
from tests.fakediscord.reply import Reply
from tests.pgcluster import private_cluster

OTHER = {**FACT, "text": "Zebra council met again in 2025."}


@asynccontextmanager
async def bot_on(url: str, tmp_path: Path) -> AsyncIterator[FakeDiscord]:
    settings = Settings(
        discord_token="fake-token", database_url=url, command_hash_file=tmp_path / "hash"
    )
    async with build_app(settings) as app, FakeDiscord.running() as fake:
        fake.add_guild(name="Zebra fans", channels=["general"])
        async with fake.client(FactBot(app)):
            yield fake


def assert_temporary_with_the_form(refused: Reply, values: dict[str, str]) -> str:
    """In time, temporary, what was typed shown back; the id of the reopen button."""
    text = text_of(refused)
    assert refused.latency is not None and refused.latency < 3
    assert "The database is not answering" in text and "temporary" in text, text
    assert values["text"] in text and values["excerpt"] in text
    return next(c for c in refused.custom_ids if c.startswith(FORM_REOPEN + ":"))


@pytest.mark.private_postgres
async def test_postgres_stopped_mid_run_and_started_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with private_cluster() as cluster:
        # Another bot process on the same database hears of this one's writes (LISTEN).
        other_process = await open_cached_store(cluster.url)
        async with bot_on(cluster.url, tmp_path) as fake, contextlib.AsyncExitStack() as stack:
            stack.push_async_callback(other_process.close)
            guild = next(iter(fake.guilds))
            opened = [
                await fake.invoke("entry add", {"kind": "fact"}, user=fake.owner) for _ in range(2)
            ]
            assert "s1" in text_of(await fake.submit_modal(opened[0], FACT))

            cluster.stop("fast")  # mid-run: the pool's connections are cut
            refused = [await fake.submit_modal(opened[1], OTHER)]
            reopen = assert_temporary_with_the_form(refused[0], OTHER)
            history = await fake.invoke("entry history", {"id": "s1"}, user=fake.owner)
            assert "The database is not answering" in text_of(history)  # reads too, in time
            assert history.latency is not None and history.latency < 3
            reopened = await fake.press(refused[0], reopen, user=fake.owner)
            again = await fake.submit_modal(reopened, {})  # still down: kept once more
            reopen = assert_temporary_with_the_form(again, OTHER)

            cluster.start()  # the same port: the bot was not restarted
            await fake.wait_for(lambda: other_process.version(guild)[0] > 0, "LISTEN again", 30)
            heard = other_process.version(guild)
            reopened = await fake.press(again, reopen, user=fake.owner)
            with caplog.at_level("WARNING", logger="bot.store.cached"):
                saved = await fake.submit_modal(reopened, {})
            assert "s2" in text_of(saved), text_of(saved)
            assert not [r for r in caplog.records if "took over" in r.getMessage()]  # its echo
            await fake.wait_for(lambda: other_process.version(guild) > heard, "the notice", 10)
            history = await fake.invoke("entry history", {"id": "s1"}, user=fake.owner)
            assert "The database is not answering" not in text_of(history)
            assert "s1" in text_of(history)
            fake.assert_clean()


# -- SQLite's disk full ---------------------------------------------------------------------


@contextlib.contextmanager
def tiny_filesystem(megabytes: int) -> Iterator[Path]:
    """A tmpfs of ``megabytes`` (mounting needs root: skipped otherwise)."""
    folder = Path(tempfile.mkdtemp(prefix="sco-full-"))
    command = ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(folder)]
    mounted = os.geteuid() == 0 and subprocess.run(command, capture_output=True).returncode == 0
    try:
        if not mounted:
            # tests/adapters/discord/test_faults_database.py still makes the write fail as SQLite
            # says it.
            pytest.skip("no tmpfs to fill: mounting one needs root")
        yield folder
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=True)
        shutil.rmtree(folder, ignore_errors=True)


def fill(folder: Path) -> Path:
    """Write a file in ``folder`` until the filesystem says it is full (ENOSPC)."""
    filler = folder / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


async def save_refused_then_saved(fake: FakeDiscord, full: object, freed: object) -> None:
    opened = await fake.invoke("entry add", {"kind": "fact"}, user=fake.owner)
    await full()  # type: ignore[operator]
    refused = await fake.submit_modal(opened, FACT)
    reopen = assert_temporary_with_the_form(refused, FACT)
    shown = await fake.invoke("summit", {"year": 2024})  # reading still works
    assert "The database is not answering" not in text_of(shown)
    await freed()  # type: ignore[operator]
    reopened = await fake.press(refused, reopen, user=fake.owner)
    assert "s1" in text_of(await fake.submit_modal(reopened, {}))


async def test_sqlite_on_a_full_filesystem(tmp_path: Path) -> None:
    """The real thing: the database on a tmpfs filled to its last byte (ENOSPC, which SQLite
    reports as SQLITE_FULL, "database or disk is full")."""
    with tiny_filesystem(64) as folder:
        path = folder / "store.db"
        async with bot_on(f"sqlite:///{path}", tmp_path) as fake:
            filler: list[Path] = []

            async def full() -> None:
                # The bot's write-ahead log would reuse the room it already has: empty it.
                with contextlib.closing(sqlite3.connect(path)) as other:
                    other.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                filler.append(fill(folder))

            async def freed() -> None:
                filler[0].unlink()

            await save_refused_then_saved(fake, full, freed)
