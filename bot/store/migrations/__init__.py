"""Numbered schema migrations and the runner that applies them.

Each backend has a folder of ``NNNN_name.sql`` files (``sqlite/``, ``postgres/``), numbered
from 0001 without gaps; the two folders hold the same migrations, number for number, each in
its dialect. The runner (``migrate_sqlite``, ``migrate_postgres``) applies the pending ones in
order, each inside its own transaction together with the row recording it in ``schema_version``,
so a failed migration leaves nothing behind and running it again is a no-op.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib.resources import files
from typing import TYPE_CHECKING

import aiosqlite

if TYPE_CHECKING:  # asyncpg is an optional extra: imported only by the PostgreSQL backend
    import asyncpg
    from asyncpg.pool import PoolConnectionProxy

__all__ = [
    "DIALECTS",
    "Migration",
    "MigrationError",
    "load_migrations",
    "migrate_postgres",
    "migrate_sqlite",
]

DIALECTS = ("sqlite", "postgres")

_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

_SCHEMA_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
)
"""


class MigrationError(Exception):
    """The migration files are malformed, one failed, or the database is newer than the code."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(dialect: str) -> list[Migration]:
    """The migrations of ``dialect`` (a sub-package of this one), checked to run 1, 2, 3..."""
    folder = files(f"{__name__}.{dialect}")
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _FILE_NAME.match(entry.name)
        if match is None:
            if entry.name.endswith(".sql"):
                raise MigrationError(f"{dialect}/{entry.name}: expected a name like 0001_name.sql")
            continue
        found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(
                f"{dialect} migrations must be numbered 1, 2, 3... without gaps or repeats; "
                f"found {[m.version for m in found]}"
            )
    return found


def _check_not_newer(current: int, migrations: list[Migration]) -> None:
    if current > len(migrations):
        raise MigrationError(
            f"the database is at schema version {current}, newer than this code knows "
            f"({len(migrations)}); upgrade the bot instead of running an older one"
        )


async def _sqlite_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("SELECT coalesce(max(version), 0) FROM schema_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row is not None else 0


async def migrate_sqlite(conn: aiosqlite.Connection) -> int:
    """Apply the pending SQLite migrations to ``conn`` (opened with ``isolation_level=None``);
    return the schema version now in force. Safe to run again, and from several processes."""
    migrations = load_migrations("sqlite")
    await conn.execute(_SCHEMA_VERSION_TABLE)
    current = await _sqlite_version(conn)
    _check_not_newer(current, migrations)
    for migration in migrations[current:]:
        # executescript runs the file as written (triggers contain ';'), so the transaction
        # and the version row go into the script itself. Versions and names are validated
        # above (digits, [a-z0-9_]), so formatting them in is safe.
        script = (
            "BEGIN IMMEDIATE;\n"
            f"{migration.sql}\n;\n"
            "INSERT INTO schema_version (version, name) "
            f"VALUES ({migration.version}, '{migration.name}');\n"
            "COMMIT;\n"
        )
        try:
            await conn.executescript(script)
        except sqlite3.Error as exc:
            if conn.in_transaction:
                await conn.rollback()
            if await _sqlite_version(conn) >= migration.version:
                continue  # another process applied it while we were preparing
            raise MigrationError(
                f"sqlite migration {migration.version:04d}_{migration.name} failed: {exc}"
            ) from exc
    return await _sqlite_version(conn)


_PG_SCHEMA_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""

# One migration at a time per schema, across processes: a session advisory lock on the schema.
_PG_LOCK = "hashtext('sco-fact-bot migrate ' || coalesce(current_schema(), ''))"


async def migrate_postgres(conn: asyncpg.Connection | PoolConnectionProxy) -> int:
    """Apply the pending PostgreSQL migrations in the first schema of ``conn``'s search_path;
    return the schema version now in force. Safe to run again, and from several processes:
    they queue on an advisory lock, and the later ones find nothing left to do."""
    import asyncpg

    migrations = load_migrations("postgres")
    await conn.execute(f"SELECT pg_advisory_lock({_PG_LOCK})")
    try:
        await conn.execute(_PG_SCHEMA_VERSION_TABLE)
        current = int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_version"))
        _check_not_newer(current, migrations)
        for migration in migrations[current:]:
            try:
                async with conn.transaction():
                    # No arguments: the simple query protocol runs the whole file as written.
                    await conn.execute(migration.sql)
                    await conn.execute(
                        "INSERT INTO schema_version (version, name) VALUES ($1, $2)",
                        migration.version,
                        migration.name,
                    )
            except asyncpg.PostgresError as exc:
                raise MigrationError(
                    f"postgres migration {migration.version:04d}_{migration.name} failed: {exc}"
                ) from exc
        return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_version"))
    finally:
        await conn.execute(f"SELECT pg_advisory_unlock({_PG_LOCK})")
