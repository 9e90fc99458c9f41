"""Each statement of the running bot is bounded (``DATABASE_TIMEOUT``, issue 13 defect 5):
PostgreSQL cancels a statement past it (``statement_timeout``, lock waits included), SQLite
stops waiting for another process's lock (its busy timeout); the long jobs (migrations, the
curated load) are exempt. Through the fake Discord, the bound alone (the adapter's own answer
budget lifted) answers a form in Discord's 3 s with "the database is not answering", the form
echoed with a way to resubmit it.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord import deadline
from bot.adapters.discord.client import FactBot
from bot.adapters.discord.forms import FORM_REOPEN
from bot.app import build_app
from bot.core.errors import Unavailable, as_unavailable
from bot.core.models import Document, Kind
from bot.settings import Settings
from bot.store import open_store
from tests.adapters.discord.test_faults_database import postgres_frozen, sqlite_locked
from tests.adapters.discord.test_faults_e2e import FACT, text_of
from tests.conftest import postgres_schema_url
from tests.fakediscord import FakeDiscord

CURATED = [Document(kind=Kind.FACT, key="f1", data={}, title="Zebra", body="A zebra fact.")]


@pytest.fixture(autouse=True)
def _budget_lifted() -> Iterator[None]:
    """Only the database's own bound can answer in time: the adapter's budget is lifted."""
    saved = deadline.ANSWER_BUDGET
    deadline.ANSWER_BUDGET = 50.0
    yield
    deadline.ANSWER_BUDGET = saved


@asynccontextmanager
async def _other_connection(url: str) -> AsyncIterator[Any]:
    import asyncpg

    from bot.store.postgres import parse_postgres_url

    dsn, schema = parse_postgres_url(url)
    conn = await asyncpg.connect(dsn, server_settings={"search_path": f'"{schema}"'})
    try:
        yield conn
    finally:
        await conn.close()


async def _fails_within(call: Any, seconds: float) -> BaseException:
    started = time.perf_counter()
    with pytest.raises(Exception) as raised:
        await asyncio.wait_for(call, 10)
    elapsed = time.perf_counter() - started
    assert not isinstance(raised.value, TimeoutError) or elapsed < 9, "it waited, unbounded"
    assert elapsed < seconds, f"failed only after {elapsed:.1f} s"
    return raised.value


@pytest.mark.postgres
async def test_a_postgres_statement_waiting_on_a_lock_is_cancelled_in_time() -> None:
    async with postgres_schema_url() as url:
        store = await open_store(url, statement_timeout=0.2)
        try:
            async with _other_connection(url) as other, other.transaction():
                await other.execute("LOCK TABLE documents IN ACCESS EXCLUSIVE MODE")
                error = await _fails_within(store.get(Kind.FACT, "f1"), 2.0)
            assert type(error).__name__ == "QueryCanceledError"
            assert isinstance(as_unavailable(error), Unavailable)  # "not answering", temporary
            assert await store.get(Kind.FACT, "f1") is None  # and the pool works on
        finally:
            await store.close()


@pytest.mark.postgres
async def test_the_curated_load_waits_its_turn_past_the_bound() -> None:
    """Two processes starting at once take turns at the load's advisory lock: the second
    waits longer than the statement bound, and loads all the same."""
    async with postgres_schema_url() as url:
        store = await open_store(url, statement_timeout=0.2)
        try:
            async with _other_connection(url) as other:
                # PostgresStore.lock(conn, "curated", 0): the curated area's key of this schema.
                turn = "hashtextextended('curated ' || current_schema(), 0)"
                await other.execute(f"SELECT pg_advisory_lock({turn})")
                loading = asyncio.create_task(store.sync_curated(CURATED))
                await asyncio.sleep(0.6)  # three bounds
                assert not loading.done()
                await other.execute(f"SELECT pg_advisory_unlock({turn})")
                report = await asyncio.wait_for(loading, 10)
            assert report.added == 1
            pool = store.pool  # type: ignore[attr-defined]
            assert await pool.fetchval("SHOW statement_timeout") == "200ms"  # bound again
        finally:
            await store.close()


async def test_sqlite_waits_for_another_process_lock_no_longer_than_the_bound(
    tmp_path: Path,
) -> None:
    path = tmp_path / "store.db"
    store = await open_store(f"sqlite:///{path}", statement_timeout=0.3)
    try:
        async with sqlite_locked(path):
            error = await _fails_within(store.sync_curated(CURATED), 1.5)  # not SQLite's 2 s
        assert isinstance(error, sqlite3.OperationalError) and "locked" in str(error)
        assert isinstance(as_unavailable(error), Unavailable)
        assert (await store.sync_curated(CURATED)).added == 1
    finally:
        await store.close()


@pytest.mark.postgres
async def test_a_form_meeting_a_locked_postgres_is_answered_in_time_and_kept(
    tmp_path: Path,
) -> None:
    async with postgres_schema_url() as url:
        settings = Settings(
            discord_token="fake-token",
            database_url=url,
            command_hash_file=tmp_path / "command-hash",
            database_timeout=1.0,
        )
        async with build_app(settings) as app, FakeDiscord.running() as fake:
            fake.add_guild(name="Zebra fans", channels=["general"])
            async with fake.client(FactBot(app)):
                opened = await fake.invoke("entry add", {"kind": "fact"}, user=fake.owner)
                async with postgres_frozen(url)():
                    refused = await fake.submit_modal(opened, FACT)
                    assert refused.latency is not None and refused.latency < 3
                    text = text_of(refused)
                    assert "The database is not answering" in text and "temporary" in text
                    assert FACT["text"] in text and FACT["excerpt"] in text
                    reopen = next(c for c in refused.custom_ids if c.startswith(FORM_REOPEN))
                reopened = await fake.press(refused, reopen, user=fake.owner)
                saved = await fake.submit_modal(reopened, {})
                assert "s1" in text_of(saved)
