"""The reuse of PostgreSQL test schemas (``tests.pgschemas``): a schema given back starts the
next test exactly as a new one would, and one that cannot be put back is never reused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from bot.core.documents import to_document
from bot.core.models import Citation, Fact
from bot.store import open_store
from tests.conftest import POSTGRES_URL, _copy_postgres_schema, _drop_schema, _schema_url
from tests.pgschemas import SchemaPool

pytestmark = pytest.mark.postgres

GUILD = 111
CURATED_FACT = "membership-six-founding-members"  # a fact of data/facts.yaml
CITE = [Citation(source="test-source", excerpt="a passage of the test source")]


async def _state(store: Any) -> dict[str, Any]:
    """What a test could observe of a schema: every table's rows and the next document id."""
    async with store.pool.acquire() as conn:
        tables = [
            t
            for (t,) in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename <> 'schema_version' ORDER BY 1"
            )
        ]
        state: dict[str, Any] = {
            t: sorted(map(str, await conn.fetch(f'SELECT * FROM "{t}"'))) for t in tables
        }
        state["next id"] = await conn.fetchval("SELECT nextval('documents_id_seq')")
        await conn.execute("SELECT setval('documents_id_seq', $1 - 1)", state["next id"])
    return state


@pytest.fixture
async def pool() -> AsyncIterator[SchemaPool]:
    async def connect() -> Any:
        return await asyncpg.connect(POSTGRES_URL, timeout=10)

    made = SchemaPool(connect)
    yield made
    await made.drop_all()


async def _new(pool: SchemaPool, template: str) -> tuple[Any, str]:
    schema = SchemaPool.new_name()
    store = await open_store(_schema_url(schema))
    if template:
        await _copy_postgres_schema(store, template)
    await pool.fresh(store.pool, schema, template)  # type: ignore[attr-defined]
    return store, schema


async def test_a_curated_schema_given_back_starts_as_a_new_copy(
    pool: SchemaPool, postgres_template: str
) -> None:
    store, schema = await _new(pool, postgres_template)
    fresh_state = await _state(store)
    await store.put(to_document(Fact(id="s1", text="A server's own fact.", citations=CITE), GUILD))
    async with store.pool.acquire() as conn:  # type: ignore[attr-defined]
        await conn.execute(
            "INSERT INTO hidden_entries (guild_id, kind, key, actor_id, actor_name, reason, at) "
            "VALUES ($1, 'fact', $2, 1, 'moderator', 'test', now())",
            GUILD,
            CURATED_FACT,
        )
        await conn.execute(
            "INSERT INTO audit_log (guild_id, at, actor_id, actor_name, action, kind, key) "
            "VALUES ($1, now(), 1, 'moderator', 'hide', 'fact', $2)",
            GUILD,
            CURATED_FACT,
        )
    assert await _state(store) != fresh_state
    assert await pool.give_back(store.pool, schema, postgres_template)  # type: ignore[attr-defined]
    await store.close()

    assert pool.take(postgres_template) == schema
    again = await open_store(_schema_url(schema))
    try:
        assert await _state(again) == fresh_state
    finally:
        await again.close()
        await _drop_schema(schema)


async def test_a_schema_whose_curated_rows_changed_is_not_reused(
    pool: SchemaPool, postgres_template: str
) -> None:
    store, schema = await _new(pool, postgres_template)
    async with store.pool.acquire() as conn:  # type: ignore[attr-defined]
        await conn.execute("UPDATE documents SET title = title || '!' WHERE key = $1", CURATED_FACT)
    assert not await pool.give_back(store.pool, schema, postgres_template)  # type: ignore[attr-defined]
    assert pool.take(postgres_template) is None
    await store.close()
    await _drop_schema(schema)


async def test_a_schema_whose_structure_changed_is_not_reused(pool: SchemaPool) -> None:
    store, schema = await _new(pool, "")
    async with store.pool.acquire() as conn:  # type: ignore[attr-defined]
        await conn.execute("ALTER TABLE documents DROP CONSTRAINT IF EXISTS documents_pkey CASCADE")
    assert not await pool.give_back(store.pool, schema, "")  # type: ignore[attr-defined]
    assert pool.take("") is None
    await store.close()
    await _drop_schema(schema)
