"""The database failing under the running bot (issue 13, defects 5 and 6): frozen (a lock held
by another connection, so statements wait), or refusing writes (locked, full, read-only).

Each test drives the real bot through the fake Discord on a file or PostgreSQL store, makes
the database stop answering, and checks the answer: in time (the fake refuses callbacks after
Discord's 3 s, and ``assert_clean`` fails on any logged error), saying it is temporary, with
the typed form shown back and a button reopening it; once the database is back, the reopened
form saves."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest

from bot.adapters.discord.client import FactBot
from bot.adapters.discord.forms import FORM_REOPEN
from bot.app import build_app
from bot.core.errors import Unavailable, as_unavailable
from bot.settings import Settings
from tests.adapters.discord.test_faults_e2e import FACT, text_of
from tests.conftest import postgres_schema_url
from tests.fakediscord import FakeDiscord

Freeze = Callable[[], AbstractAsyncContextManager[None]]


@asynccontextmanager
async def sqlite_locked(path: Path) -> AsyncIterator[None]:
    """Another process holds SQLite's write lock: every write waits, then fails."""
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


def postgres_frozen(url: str) -> Freeze:
    """The server holds every statement on the moderation tables (an ACCESS EXCLUSIVE lock
    from another connection): to the bot, the database is frozen."""

    @asynccontextmanager
    async def frozen() -> AsyncIterator[None]:
        import asyncpg

        from bot.store.postgres import parse_postgres_url

        dsn, schema = parse_postgres_url(url)
        conn = await asyncpg.connect(dsn, server_settings={"search_path": f'"{schema}"'})
        try:
            tx = conn.transaction()
            await tx.start()
            await conn.execute("LOCK TABLE entry_versions, audit_log IN ACCESS EXCLUSIVE MODE")
            yield
            await tx.rollback()
        finally:
            await conn.close()

    return frozen


@pytest.fixture(params=["sqlite-file", pytest.param("postgres", marks=pytest.mark.postgres)])
async def frozen_bot(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[FakeDiscord, Freeze]]:
    async with _database(request.param, tmp_path) as (url, freeze):
        settings = Settings(
            discord_token="fake-token",
            database_url=url,
            command_hash_file=tmp_path / "command-hash",
        )
        async with build_app(settings) as app, FakeDiscord.running() as fake:
            fake.add_guild(name="Zebra fans", channels=["general"])
            async with fake.client(FactBot(app)):
                yield fake, freeze


@asynccontextmanager
async def _database(backend: str, tmp_path: Path) -> AsyncIterator[tuple[str, Freeze]]:
    if backend == "postgres":
        async with postgres_schema_url() as url:
            yield url, postgres_frozen(url)
    else:
        path = tmp_path / "store.db"
        yield f"sqlite:///{path}", lambda: sqlite_locked(path)


async def test_a_frozen_database_answers_in_time_and_keeps_the_form(
    frozen_bot: tuple[FakeDiscord, Freeze],
) -> None:
    fake, freeze = frozen_bot
    opened = await fake.invoke("entry add", {"kind": "fact"}, user=fake.owner)
    async with freeze():
        refused = await fake.submit_modal(opened, FACT)
        text = text_of(refused)
        assert refused.status == 200 and refused.latency is not None and refused.latency < 3
        assert "The database is not answering" in text and "temporary" in text
        assert FACT["text"] in text and FACT["excerpt"] in text  # what was typed, shown back
        reopen = next(c for c in refused.custom_ids if c.startswith(FORM_REOPEN + ":"))
    reopened = await fake.press(refused, reopen, user=fake.owner)
    saved = await fake.submit_modal(reopened, {})  # prefilled as typed: submitted unchanged
    assert "s1" in text_of(saved)


async def test_a_frozen_database_answers_a_command_in_time(
    frozen_bot: tuple[FakeDiscord, Freeze],
) -> None:
    fake, freeze = frozen_bot
    async with freeze():
        answered = await asyncio.wait_for(
            fake.invoke("entry history", {"id": "s1"}, user=fake.owner), 10
        )
    assert answered.latency is not None and answered.latency < 3
    text = text_of(answered)
    # The history is read before anything is written: SQLite reads past another's write lock.
    assert "The database is not answering" in text or "No entry with the id" in text


def test_storage_failures_count_as_temporary_and_bugs_do_not() -> None:
    import bot.store.faults  # noqa: F401  (registers the backends' temporary failures)

    assert isinstance(as_unavailable(sqlite3.OperationalError("database is locked")), Unavailable)
    full = sqlite3.OperationalError("database or disk is full")
    assert as_unavailable(RuntimeError("wrapped").with_traceback(None)) is None
    try:
        raise RuntimeError("while saving") from full
    except RuntimeError as exc:
        assert isinstance(as_unavailable(exc), Unavailable)
    assert as_unavailable(TimeoutError()) is not None
    assert as_unavailable(sqlite3.OperationalError("no such table: x")) is None
    assert as_unavailable(KeyError("a bug")) is None
    assert as_unavailable(ConnectionRefusedError(111, "refused")) is not None  # server stopped
    asyncpg = pytest.importorskip("asyncpg")
    assert as_unavailable(asyncpg.ConnectionDoesNotExistError("closed")) is not None
    assert as_unavailable(asyncpg.exceptions.DiskFullError("full")) is not None
    assert as_unavailable(asyncpg.exceptions.UndefinedTableError("a bug")) is None


async def test_a_full_disk_says_temporary_and_keeps_the_form(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(
        discord_token="fake-token",
        database_url=f"sqlite:///{tmp_path / 'store.db'}",
        command_hash_file=tmp_path / "command-hash",
    )
    async with build_app(settings) as app, FakeDiscord.running() as fake:
        fake.add_guild(name="Zebra fans", channels=["general"])
        async with fake.client(FactBot(app)):
            mods = app.moderation.entries.mods
            write = mods.commit_new

            async def disk_full(*args: object, **kwargs: object) -> object:
                raise sqlite3.OperationalError("database or disk is full")  # as SQLite says it

            monkeypatch.setattr(mods, "commit_new", disk_full)
            opened = await fake.invoke("entry add", {"kind": "fact"}, user=fake.owner)
            refused = await fake.submit_modal(opened, FACT)
            text = text_of(refused)
            assert "The database is not answering" in text and "temporary" in text
            assert FACT["text"] in text
            monkeypatch.setattr(mods, "commit_new", write)  # space again
            reopen = next(c for c in refused.custom_ids if c.startswith(FORM_REOPEN + ":"))
            reopened = await fake.press(refused, reopen, user=fake.owner)
            assert "s1" in text_of(await fake.submit_modal(reopened, {}))


async def test_a_read_only_database_stops_the_bot_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from contextlib import asynccontextmanager as cm

    from bot.adapters.discord import runner

    path = tmp_path / "store.db"
    sqlite3.connect(path).close()
    read_only = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as refused:  # what SQLite says, as it says it
        read_only.execute("CREATE TABLE t (x)")
    read_only.close()

    @cm
    async def opening(settings: Settings) -> AsyncIterator[None]:
        raise refused.value
        yield  # pragma: no cover

    monkeypatch.setattr(runner, "build_app", opening)
    settings = Settings(discord_token="fake-token", database_url=f"sqlite:///{path}")
    assert await runner.run_async(settings) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "attempt to write a readonly database" in err and "its folder" in err
