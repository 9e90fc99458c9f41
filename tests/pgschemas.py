"""Migrated PostgreSQL schemas of the test server, reused from one test to the next.

A new schema per test costs what the test itself rarely does: creating it and running every
migration (about 100 ms), copying the curated template's rows in (about 110 ms, most of it
PostgreSQL computing each document's ``tsvector``) and dropping it after (about 40 ms). So a
test's schema is put back, after the test passes, in the state it started in, and the next
test of the same process that asks for the same start (empty, or the curated template's rows)
takes it:

* what may not be put back is never reused: before anything is restored, one query compares
  the schema's structure (tables, columns, indexes, constraints, triggers, functions and the
  migrations applied) with a freshly migrated schema's and, for a curated schema, the curated
  rows (``guild_id = 0`` in ``documents``, ``document_links`` and ``document_names``, every
  column) with the template's. A test that changed either, failed, or closed the store's pool
  itself leaves its schema to be dropped, as before;
* restoring is one transaction on the store's own pool, with triggers off (as the template's
  copy is made): the rows servers wrote are deleted, every other table is emptied and given
  the template's rows again, and each identity sequence is set where the template's stands (or
  back to its start).

Each pytest-xdist worker is its own process with its own schemas (named after its pid); the
session drops them at its end (``drop_all``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

# The tables whose curated rows (guild_id = 0) a curated schema keeps from test to test.
DOCUMENT_TABLES = ("documents", "document_links", "document_names")

_OBJECTS = """
SELECT
    array(SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = current_schema()),
    array(SELECT p.oid FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname = current_schema())
"""
"""The schema's relations and functions, found once when it is new (a scan of the catalogs,
which the tests' many schemas made and dropped can make slow): the mark then reads their rows
by oid, through the catalogs' indexes."""

_MARK = """
SELECT md5(concat_ws(' | ',
    (SELECT string_agg(c.oid || ':' || c.xmin, ',' ORDER BY c.oid)
     FROM pg_class c WHERE c.oid = ANY($1::oid[])),
    (SELECT string_agg(a.attrelid || ':' || a.attnum || ':' || a.xmin, ','
                       ORDER BY a.attrelid, a.attnum)
     FROM pg_attribute a WHERE a.attrelid = ANY($1::oid[])),
    (SELECT string_agg(co.oid || ':' || co.xmin, ',' ORDER BY co.oid)
     FROM pg_constraint co WHERE co.conrelid = ANY($1::oid[])),
    (SELECT string_agg(i.indexrelid || ':' || i.xmin, ',' ORDER BY i.indexrelid)
     FROM pg_index i WHERE i.indrelid = ANY($1::oid[])),
    (SELECT string_agg(t.oid || ':' || t.xmin, ',' ORDER BY t.oid)
     FROM pg_trigger t WHERE t.tgrelid = ANY($1::oid[])),
    (SELECT string_agg(p.oid || ':' || p.xmin, ',' ORDER BY p.oid)
     FROM pg_proc p WHERE p.oid = ANY($2::oid[])),
    (SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_version),
    %s
))
"""
"""One md5 that changes when anything a restore cannot put back changes: the catalog rows of
the schema's relations (tables, columns, indexes, constraints, triggers) and functions (a
row's ``xmin`` is new whenever DDL rewrites it; dropped objects and added columns, indexes,
constraints or triggers drop or add rows), the migrations applied and, in a curated schema, the
curated rows of the document tables (kept, not restored: an ``UPDATE``, or a ``DELETE`` and
re-``INSERT``, gives a row a new ``xmin`` and place)."""


def _mark(template: str) -> str:
    if not template:
        return _MARK % "''"
    rows = [
        f"(SELECT string_agg(ctid || ':' || xmin, ',' ORDER BY ctid) FROM {table} "
        "WHERE guild_id = 0)"
        for table in DOCUMENT_TABLES
    ]
    return _MARK % ",\n    ".join(rows)


class SchemaPool:
    """This process's schemas ready for reuse, by what they start with: ``""`` (migrated and
    empty) or a template's name (its rows)."""

    def __init__(self, connect: Callable[[], Awaitable[Any]]) -> None:
        self._connect = connect  # a new connection to the test database (for drop_all)
        self._free: dict[str, list[str]] = {}
        # schema -> (its relations' and functions' oids, its mark (``_MARK``) when new)
        self._marks: dict[str, tuple[tuple[Any, ...], str]] = {}
        self._restore: dict[str, str] = {}  # template ("" for none) -> the restoring script
        self.reused = 0

    @staticmethod
    def new_name() -> str:
        return f"test_{os.getpid()}_{uuid.uuid4().hex[:12]}"

    def take(self, template: str) -> str | None:
        """A schema in the state ``template`` describes, if one is free."""
        free = self._free.get(template)
        if free:
            self.reused += 1
            return free.pop()
        return None

    async def fresh(self, pool: Any, schema: str, template: str) -> None:
        """Note what ``schema``, just made (migrated and, with ``template``, filled), looks
        like: the mark it must still have to be given back."""
        async with pool.acquire() as conn:
            objects = tuple(await conn.fetchrow(_OBJECTS))
            self._marks[schema] = (objects, await conn.fetchval(_mark(template), *objects))

    async def give_back(self, pool: Any, schema: str, template: str) -> bool:
        """Restore ``schema`` (open in ``pool``) to its start and keep it for the next test;
        False (and nothing done) when it cannot be: then the caller drops it."""
        kept = self._marks.pop(schema, None)
        if pool.is_closing() or kept is None:
            return False
        objects, mark = kept
        async with pool.acquire() as conn:
            if await conn.fetchval(_mark(template), *objects) != mark:
                return False
            script = await self._script(conn, template)
            async with conn.transaction():
                await conn.execute(script)
        self._marks[schema] = kept
        self._free.setdefault(template, []).append(schema)
        return True

    async def _script(self, conn: Any, template: str) -> str:
        """The statements that put a schema back to its start, worked out once per template
        from the catalog (run with the schema first in the search path)."""
        if template not in self._restore:
            tables = [
                name
                for (name,) in await conn.fetch(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                    "AND tablename <> 'schema_version' ORDER BY tablename"
                )
            ]
            statements = [
                "SET LOCAL session_replication_role = replica",
                "SET LOCAL lock_timeout = '2s'",
            ]
            for table in tables:
                keep = template and table in DOCUMENT_TABLES
                where = " WHERE guild_id <> 0" if keep else ""
                statements.append(f'DELETE FROM "{table}"{where}')
            if template:
                statements += await template_rows(conn, template, DOCUMENT_TABLES)
            sequences = await conn.fetch(
                "SELECT sequencename, start_value FROM pg_sequences "
                "WHERE schemaname = current_schema()"
            )
            used = {}
            if template:
                used = dict(
                    await conn.fetch(
                        "SELECT sequencename, last_value FROM pg_sequences "
                        "WHERE schemaname = $1 AND last_value IS NOT NULL",
                        template,
                    )
                )
            for name, start in sequences:
                if name in used:
                    statements.append(f"SELECT setval('\"{name}\"', {int(used[name])}, true)")
                else:
                    statements.append(f"SELECT setval('\"{name}\"', {int(start)}, false)")
            self._restore[template] = ";\n".join(statements)
        return self._restore[template]

    async def drop_all(self) -> None:
        """Drop every schema kept (at the end of the session)."""
        names = [name for free in self._free.values() for name in free]
        self._free.clear()
        if not names:
            return
        conn = await self._connect()
        try:
            for name in names:
                await conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        finally:
            await conn.close()


async def template_rows(conn: Any, template: str, skip: tuple[str, ...] = ()) -> list[str]:
    """INSERTs giving the schema first in ``conn``'s search path the rows of ``template``'s
    non-empty tables (but ``schema_version`` and ``skip``), naming every column but the
    generated ones, which PostgreSQL computes again."""
    columns = await conn.fetch(
        "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 "
        "AND NOT a.attisdropped AND a.attgenerated = '' AND c.relname <> 'schema_version' "
        "ORDER BY c.relname, a.attnum",
        template,
    )
    by_table: dict[str, list[str]] = {}
    for table, column in columns:
        if table not in skip:
            by_table.setdefault(table, []).append(f'"{column}"')
    statements = []
    for table, cols in by_table.items():
        if await conn.fetchval(f'SELECT EXISTS (SELECT FROM "{template}"."{table}")'):
            names = ", ".join(cols)
            statements.append(
                f'INSERT INTO "{table}" ({names}) OVERRIDING SYSTEM VALUE '
                f'SELECT {names} FROM "{template}"."{table}"'
            )
    return statements
