"""The store the bot runs on (``CachedStore``: the curated store in memory, an overlay per
server) answers every read as its backend does, and a write shows at once, in this process
and, on PostgreSQL, in another process on the same schema.

The world is ``test_backends_agree``'s (curated data, 1,500 generated facts, one server's own
documents, half of them shadowing curated facts) plus curated entries the server hid.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.documents import to_document
from bot.core.models import Citation, Fact, Kind
from bot.core.ports import Store
from bot.core.records import Actor, AuditRecord, HiddenEntry
from bot.store import CachedStore, moderation_store, open_cached_store, open_store
from tests.conftest import (
    _copy_postgres_schema,
    backend_url,
    postgres_schema_of,
    sqlite_file_of,
)
from tests.store.test_backends_agree import GUILD, OTHER, SEEDS, generated, load

HIDDEN = [(Kind.FACT, "gen-00002"), (Kind.FACT, "gen-00005"), (Kind.COUNTRY, "india")]
ACTOR = Actor(id=1, name="mod")
AT = datetime(2025, 1, 1, tzinfo=UTC)


def _fact(key: str) -> Fact:
    return Fact(
        id=key,
        text="The zebra council met in Astana.",
        topics=["zebras"],
        countries=["kazakhstan"],
        citations=[Citation(source="https://example.org/zebras", excerpt="zebras met")],
    )


async def _hide(store: Store, guild: int, kind: Kind, key: str) -> None:
    audit = AuditRecord(guild_id=guild, at=AT, actor=ACTOR, action="hide", kind=kind, key=key)
    entry = HiddenEntry(guild_id=guild, kind=kind, key=key, actor=ACTOR, reason="test", at=AT)
    await moderation_store(store).hide(entry, audit)


async def _fill(store: Store) -> None:
    """The module's world: ``test_backends_agree``'s, then the entries the server hid."""
    await load(store)
    for kind, key in HIDDEN:
        await _hide(store, GUILD, kind, key)


@pytest.fixture(scope="module")
def sqlite_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The world in a SQLite file (rollback-journal mode, one file), built once for the
    module and copied for each test: loading it was most of a test's setup."""
    return sqlite_file_of(tmp_path_factory.mktemp("world") / "world.db", _fill)


@pytest.fixture(scope="module")
def postgres_world() -> Iterator[str]:
    """The world in a schema of the test server, built once for the module (each test gets
    a copy of its rows: ``tests/conftest.py`` ``_copy_postgres_schema``); "" without one."""
    yield from postgres_schema_of("world", _fill)


@pytest.fixture
async def pair(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[Store, CachedStore]]:
    """(the backend holding a copy of the world, the cached store over another connection to
    the same database)."""
    if backend == "sqlite-memory":
        pytest.skip("one in-memory database cannot be opened twice")
    async with backend_url(backend, tmp_path) as url:
        if backend == "sqlite-file":
            shutil.copyfile(request.getfixturevalue("sqlite_world"), tmp_path / "store.db")
        plain = await open_store(url)
        if backend == "postgres":
            await _copy_postgres_schema(plain, request.getfixturevalue("postgres_world"))
        try:
            # The world is there (a read of an empty copy would agree with anything).
            assert await plain.count(Kind.FACT, GUILD) > 1500
            assert await plain.get(Kind.FACT, HIDDEN[0][1], GUILD) is None
            cached = await open_cached_store(url)
            try:
                yield plain, cached
            finally:
                await cached.close()
        finally:
            await plain.close()


async def test_every_read_agrees_with_the_backend(pair: tuple[Store, CachedStore]) -> None:
    plain, cached = pair
    for guild in (None, GUILD, OTHER):
        for kind in Kind:
            assert await cached.count(kind, guild) == await plain.count(kind, guild)
            assert await cached.names(kind, guild) == await plain.names(kind, guild)
            for limit, offset in ((1000, 0), (7, 0), (7, 1234), (50, 1480), (10, 5000)):
                got = await cached.list(kind, guild, limit=limit, offset=offset)
                assert got == await plain.list(kind, guild, limit=limit, offset=offset)
        for kind, key in [*HIDDEN, (Kind.FACT, "gen-00037"), (Kind.FACT, "guild-000")]:
            assert await cached.get(kind, key, guild) == await plain.get(kind, key, guild)
        for link_kind in ("topic", "country", "source", "person", "summit"):
            keys = await plain.link_keys(link_kind, guild)
            assert await cached.link_keys(link_kind, guild) == keys
            for key in keys:
                for kind in (Kind.FACT, Kind.QUOTE, Kind.SUMMIT):
                    assert await cached.linked(kind, link_kind, key, guild, limit=30) == (
                        await plain.linked(kind, link_kind, key, guild, limit=30)
                    ), (kind, link_kind, key, guild)
                assert await cached.count_linked(link_kind, key, guild) == (
                    await plain.count_linked(link_kind, key, guild)
                )


async def test_random_picks_agree_seed_by_seed(pair: tuple[Store, CachedStore]) -> None:
    plain, cached = pair
    cases: list[tuple[Kind, int | None, tuple[str, str] | None]] = [
        (Kind.FACT, None, None),
        (Kind.FACT, GUILD, None),
        (Kind.FACT, GUILD, ("topic", "security")),
        (Kind.FACT, GUILD, ("country", "india")),
        (Kind.COUNTRY, GUILD, None),
        (Kind.QUOTE, OTHER, None),
    ]
    for kind, guild, link in cases:
        for seed in SEEDS[::3]:
            got = await cached.random(kind, guild, link=link, seed=seed)
            assert got == await plain.random(kind, guild, link=link, seed=seed), (kind, seed)


async def test_writes_show_at_once(pair: tuple[Store, CachedStore]) -> None:
    plain, cached = pair
    before = await cached.count(Kind.FACT, GUILD)
    await cached.put(to_document(_fact("s900"), GUILD))
    assert await cached.count(Kind.FACT, GUILD) == before + 1
    assert "zebras" in await cached.link_keys("topic", GUILD)
    assert "zebras" not in await cached.link_keys("topic", OTHER)
    await _hide(cached, GUILD, Kind.FACT, "gen-00001")  # through the versioned moderation store
    assert await cached.get(Kind.FACT, "gen-00001", GUILD) is None
    assert await cached.get(Kind.FACT, "gen-00001", OTHER) is not None
    assert await cached.delete(Kind.FACT, "s900", GUILD)
    assert await cached.count(Kind.FACT, GUILD) == before - 1
    curated = [*generated(1500)[:10]]
    await cached.sync_curated(curated)  # the curated store shrinks to ten facts
    assert await cached.count(Kind.FACT) == 10
    for guild in (None, GUILD):  # held as the backend reads it back
        assert await cached.list(Kind.FACT, guild) == await plain.list(Kind.FACT, guild)
        assert await cached.names(Kind.FACT, guild) == await plain.names(Kind.FACT, guild)
    assert await cached.count(Kind.COUNTRY, OTHER) == 0


@pytest.mark.postgres
async def test_a_change_reaches_another_process_within_a_second(postgres_url: str) -> None:
    first, second = await open_cached_store(postgres_url), await open_cached_store(postgres_url)
    try:
        await first.sync_curated([*generated(20)])
        assert await second.count(Kind.FACT, GUILD) == 20
        await first.put(to_document(_fact("s1"), GUILD))
        await _hide(first, GUILD, Kind.FACT, "gen-00003")
        await first.sync_curated([*generated(30)])
        for _ in range(100):  # a second at most
            if await second.count(Kind.FACT, GUILD) == 30:
                break
            await asyncio.sleep(0.01)
        assert await second.count(Kind.FACT, GUILD) == 30  # 30 curated + s1 - one hidden
        assert await second.get(Kind.FACT, "s1", GUILD) is not None
        assert await second.get(Kind.FACT, "gen-00003", GUILD) is None
        assert await second.count(Kind.FACT, OTHER) == 30
    finally:
        await first.close()
        await second.close()
