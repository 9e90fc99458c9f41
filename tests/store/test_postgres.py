"""What only the PostgreSQL backend has: URLs and schemas, its migrations, its search
configuration, the trigger-kept counts under concurrent writers, and processes that start at
once. Everything the protocol promises runs on it through the ``store`` fixture as well."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import pytest

from bot.core.documents import to_document
from bot.core.models import Citation, Document, Fact, Kind
from bot.core.ports import Store
from bot.store import open_store
from bot.store.migrations import MigrationError, load_migrations

pytestmark = pytest.mark.postgres

asyncpg = pytest.importorskip("asyncpg")
postgres = pytest.importorskip("bot.store.postgres")

CITE = [Citation(source="test-source", excerpt="a passage of the test source")]


def fact(ident: str, text: str, guild: int = 0, topics: list[str] | None = None) -> Document:
    return to_document(Fact(id=ident, text=text, citations=CITE, topics=topics or []), guild)


@pytest.mark.parametrize(
    ("url", "dsn", "schema"),
    [
        ("postgresql://bot@db/bot", "postgresql://bot@db/bot", None),
        ("postgres://bot:pw@db:5433/bot?schema=s_1", "postgresql://bot:pw@db:5433/bot", "s_1"),
        (
            "postgresql://db/bot?sslmode=disable&schema=x",
            "postgresql://db/bot?sslmode=disable",
            "x",
        ),
    ],
)
def test_urls(url: str, dsn: str, schema: str | None) -> None:
    assert postgres.parse_postgres_url(url) == (dsn, schema)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://db/bot?schema=Bad",
        "postgresql://db/bot?schema=a;drop",
        'postgresql://db/bot?schema="x"',
        "postgresql://db/bot?schema=",
        "postgresql://db/bot?schema=a&schema=b",
        "mysql://db/bot",
    ],
)
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        postgres.parse_postgres_url(url)


def test_both_dialects_have_the_same_migrations() -> None:
    sqlite = [(m.version, m.name) for m in load_migrations("sqlite")]
    assert [(m.version, m.name) for m in load_migrations("postgres")] == sqlite


@pytest.fixture
async def admin() -> AsyncIterator[asyncpg.Connection]:
    from tests.conftest import POSTGRES_URL

    conn = await asyncpg.connect(POSTGRES_URL)
    try:
        yield conn
    finally:
        await conn.close()


def schema_of(url: str) -> str:
    schema = postgres.parse_postgres_url(url)[1]
    assert schema is not None
    return str(schema)


async def test_the_store_lives_in_its_schema(postgres_url: str, admin: asyncpg.Connection) -> None:
    store = await open_store(postgres_url)
    await store.close()
    tables = {
        row["table_name"]
        for row in await admin.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = $1",
            schema_of(postgres_url),
        )
    }
    assert {"documents", "document_links", "document_names", "schema_version"} <= tables


async def test_a_search_path_in_options_works_too(
    postgres_url: str, admin: asyncpg.Connection
) -> None:
    schema = schema_of(postgres_url)
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    base = postgres_url.split("?")[0]
    store = await open_store(f"{base}?options=-csearch_path%3D{schema}")
    try:
        await store.sync_curated([fact("a", "Alpha fact.")])
    finally:
        await store.close()
    assert await admin.fetchval(f'SELECT count(*) FROM "{schema}".documents') == 1


async def test_processes_migrating_at_once_agree(
    postgres_url: str, admin: asyncpg.Connection
) -> None:
    stores = await asyncio.gather(*(open_store(postgres_url) for _ in range(4)))
    try:
        versions = await asyncio.gather(*(store.migrate() for store in stores))
        assert set(versions) == {len(load_migrations("postgres"))}
        await stores[0].sync_curated([fact("a", "Alpha fact.")])
        assert [d.key for d in await stores[3].list(Kind.FACT)] == ["a"]
    finally:
        for store in stores:
            await store.close()
    rows = await admin.fetch(f'SELECT version FROM "{schema_of(postgres_url)}".schema_version')
    assert sorted(r["version"] for r in rows) == list(
        range(1, len(load_migrations("postgres")) + 1)
    )


async def test_a_database_newer_than_the_code_is_refused(
    postgres_url: str, admin: asyncpg.Connection
) -> None:
    await (await open_store(postgres_url)).close()
    await admin.execute(
        f'INSERT INTO "{schema_of(postgres_url)}".schema_version (version, name) '
        "VALUES (999, 'future')"
    )
    with pytest.raises(MigrationError, match="newer"):
        await open_store(postgres_url)


@pytest.fixture
async def store(postgres_url: str) -> AsyncIterator[Store]:
    opened = await open_store(postgres_url)
    try:
        yield opened
    finally:
        await opened.close()


async def test_search_words_and_unaccent(store: Store) -> None:
    pool = store.pool  # type: ignore[attr-defined]
    assert await pool.fetchval("SELECT search_words('Fan-Xianrong, 1.5 www.SCO.org')") == (
        "fan xianrong 1 5 www sco org"
    )
    vector = await pool.fetchval("SELECT to_tsvector('search_config', 'Türkiye ШАНХАЙ')::text")
    assert vector == "'turkiye':1 'шанхай':2"


async def test_syncs_from_two_processes_at_once_take_turns(postgres_url: str) -> None:
    first, second = await open_store(postgres_url), await open_store(postgres_url)
    docs = [fact(f"k{i:03d}", f"Fact {i}.") for i in range(300)]
    try:
        reports = await asyncio.gather(first.sync_curated(docs), second.sync_curated(docs))
        assert sorted(r.added for r in reports) == [0, 300]
        assert await first.count(Kind.FACT) == 300
    finally:
        await first.close()
        await second.close()


async def test_counts_stay_true_under_concurrent_writers(store: Store) -> None:
    """Eight writers put, replace and delete at once, some in the same server: the counts
    the triggers keep equal the rows, and no writer deadlocks."""
    await store.sync_curated([fact(f"c{i:03d}", f"Curated {i}.", topics=["t1"]) for i in range(50)])

    async def writer(n: int) -> None:
        guild = 1000 + n % 3
        for i in range(25):
            key = f"c{i:03d}" if i % 5 == 0 else f"w{n}-{i}"
            await store.put(fact(key, f"Writer {n} fact {i}.", guild, [f"t{i % 4}"]))
            if i % 7 == 0:
                await store.put(fact(key, f"Writer {n} again {i}.", guild, ["t9"]))
            if i % 6 == 0:
                await store.delete(Kind.FACT, key, guild)

    await asyncio.gather(*(writer(n) for n in range(8)))
    pool = store.pool  # type: ignore[attr-defined]
    stale = await pool.fetch(
        "SELECT kind, guild_id, count(*) AS n FROM documents GROUP BY kind, guild_id "
        "EXCEPT SELECT kind, guild_id, n FROM document_counts WHERE n > 0"
    )
    assert stale == []
    stale_links = await pool.fetch(
        "(SELECT link_kind, link_key, kind, guild_id, count(*) FROM document_links "
        "GROUP BY 1, 2, 3, 4 EXCEPT SELECT link_kind, link_key, kind, guild_id, n "
        "FROM document_link_counts WHERE n > 0) UNION ALL (SELECT link_kind, link_key, kind, "
        "guild_id, n FROM document_link_counts WHERE n > 0 EXCEPT SELECT link_kind, link_key, "
        "kind, guild_id, count(*) FROM document_links GROUP BY 1, 2, 3, 4)"
    )
    assert stale_links == []
    for guild in (None, 1000, 1001, 1002):
        listed = await store.list(Kind.FACT, guild, limit=10_000)
        assert await store.count(Kind.FACT, guild) == len(listed)
        for topic in ("t1", "t9"):
            linked = await store.linked(Kind.FACT, "topic", topic, guild, limit=10_000)
            assert await store.count_linked("topic", topic, guild) == len(linked)


async def test_without_unaccent_search_still_works(admin: asyncpg.Connection) -> None:
    """A user who may not create the extension, in a database without it: the migration
    falls back to plain 'simple', and search works, only matching accents exactly."""
    if not await admin.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"):
        pytest.skip("needs a superuser to create a database and a role")
    from tests.conftest import POSTGRES_URL

    name = f"scofb_{uuid.uuid4().hex[:10]}"
    await admin.execute(f"CREATE ROLE {name} LOGIN")
    await admin.execute(f"CREATE DATABASE {name}")
    try:
        base = urlsplit(POSTGRES_URL)
        owner = await asyncpg.connect(urlunsplit(base._replace(path=f"/{name}")))
        try:
            await owner.execute(f"CREATE SCHEMA bot AUTHORIZATION {name}")
        finally:
            await owner.close()
        host = base.netloc.rsplit("@", 1)[-1]
        store = await open_store(f"postgresql://{name}@{host}/{name}?schema=bot")
        try:
            await store.sync_curated([fact("a", "Türkiye joined."), fact("b", "Turkiye, plainly.")])
            assert [d.key for d in (await store.search(["türkiye"])).hits] == ["a"]
            assert [d.key for d in (await store.search(["joined"])).hits] == ["a"]
            assert (await store.search(["turkiye"])).total == 1
        finally:
            await store.close()
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.execute(f"DROP ROLE IF EXISTS {name}")
