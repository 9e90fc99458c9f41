"""Storage backends for the core's ``Store`` protocol, picked by ``open_store`` from a URL.

``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db``, ``sqlite://:memory:``,
``sqlite:///:memory:`` (or ``sqlite://``) and a bare filesystem path open SQLite;
``postgresql://user:password@host:5432/dbname`` (or ``postgres://``) opens PostgreSQL, with
``?schema=NAME`` to keep the store in its own schema (created when missing). Backends are
imported when chosen, so SQLite users never import asyncpg, an optional extra.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable

from bot.core.ports import DigestStore, ModerationStore, Store, UsageStore
from bot.store.cached import Backend, CachedStore

__all__ = [
    "POSTGRES_INSTALL_HINT",
    "CachedStore",
    "UnsupportedBackend",
    "digest_store",
    "moderation_store",
    "open_cached_store",
    "open_store",
    "sqlite_path",
    "usage_store",
]

_MEMORY = ":memory:"

POSTGRES_INSTALL_HINT = (
    "PostgreSQL storage needs the asyncpg package, which is not installed. Install the "
    "postgres extra from the bot's checkout with: pip install '.[postgres]' "
    "(or: pip install 'asyncpg>=0.29')"
)


class UnsupportedBackend(NotImplementedError):
    """The URL names a backend this installation cannot open (its optional extra is missing)."""


def sqlite_path(url: str) -> str:
    """The file path (or ``:memory:``) a SQLite URL or bare path names."""
    if "://" not in url:
        if not url.strip():
            raise ValueError("an empty database URL; try sqlite:///scofactbot.db")
        return url
    scheme, _, rest = url.partition("://")
    if scheme.lower() != "sqlite":
        raise ValueError(f"not a SQLite URL: {url!r}")
    if rest in ("", _MEMORY, "/" + _MEMORY):
        return _MEMORY
    if not rest.startswith("/"):
        raise ValueError(
            f"{url!r}: write sqlite:///relative.db or sqlite:////absolute.db (three or four '/')"
        )
    path = rest[1:]
    if "?" in path:
        raise ValueError(f"{url!r}: SQLite URL options are not supported")
    return path


async def _open_sqlite(url: str, statement_timeout: float | None) -> Backend:
    from bot.store.sqlite import SqliteStore

    store = await SqliteStore.open(sqlite_path(url), busy_timeout=statement_timeout)
    try:
        await store.migrate()
    except BaseException:
        await store.close()
        raise
    return store


async def _open_postgres(url: str, statement_timeout: float | None) -> Backend:
    try:
        import asyncpg  # noqa: F401  (the optional extra; checked before the backend loads)
    except ImportError as exc:
        raise UnsupportedBackend(POSTGRES_INSTALL_HINT) from exc
    from bot.store.postgres import PostgresStore

    store = await PostgresStore.open(url, statement_timeout=statement_timeout)
    try:
        await store.migrate()
    except BaseException:
        await store.close()
        raise
    return store


_OPENERS: dict[str, Callable[[str, float | None], Awaitable[Backend]]] = {
    "sqlite": _open_sqlite,
    "postgresql": _open_postgres,
    "postgres": _open_postgres,
}


async def open_store(url: str, *, statement_timeout: float | None = None) -> Store:
    """Open the store ``url`` names, migrated to the current schema and ready to use.
    ``statement_timeout`` (seconds): the bound on one statement on PostgreSQL (migrations and
    the curated load exempt) and on SQLite's wait for another process's lock; the bot passes
    ``DATABASE_TIMEOUT``, the command line's long jobs (``store copy``, ``store load``) none."""
    return await _open_backend(url, statement_timeout)


async def open_cached_store(url: str, *, statement_timeout: float | None = None) -> CachedStore:
    """``open_store``'s backend answered from memory (``bot.store.cached``): what the bot
    runs on. Moderation and digests built on it with ``moderation_store``/``digest_store``
    share its database and keep its versions."""
    backend = await _open_backend(url, statement_timeout)
    try:
        return await CachedStore.over(backend)
    except BaseException:
        await backend.close()
        raise


async def _open_backend(url: str, statement_timeout: float | None) -> Backend:
    scheme = url.partition("://")[0].lower() if "://" in url else "sqlite"
    opener = _OPENERS.get(scheme)
    if opener is None:
        known = ", ".join(f"{name}://" for name in _OPENERS)
        raise ValueError(f"unknown database URL scheme {scheme!r}; expected one of {known}")
    return await opener(url, statement_timeout)


def digest_store(store: Store) -> DigestStore:
    """The daily digests' store on the same database (and connection or pool) as ``store``."""
    from bot.store.sqlite import SqliteStore

    if isinstance(store, CachedStore):
        return digest_store(store.backend)

    if isinstance(store, SqliteStore):
        from bot.store.sqlite_digest import SqliteDigestStore

        return SqliteDigestStore(store)
    # Only a loaded PostgreSQL backend can have made ``store``: no asyncpg import otherwise.
    postgres = sys.modules.get("bot.store.postgres")
    if postgres is not None and isinstance(store, postgres.PostgresStore):
        from bot.store.postgres_digest import PostgresDigestStore

        return PostgresDigestStore(store)
    raise UnsupportedBackend(f"daily digests have no backend for {type(store).__name__}")


def moderation_store(store: Store) -> ModerationStore:
    """Moderation's store (versions, suggestions, audit log...) on the same database as
    ``store``, so a server's documents change in the same transactions as their versions.
    On a ``CachedStore``, its writes also move the cached store's versions."""
    from bot.store.sqlite import SqliteStore

    if isinstance(store, CachedStore):
        from bot.store.cached_moderation import VersionedModeration

        return VersionedModeration(moderation_store(store.backend), store)

    if isinstance(store, SqliteStore):
        from bot.store.sqlite_moderation import SqliteModerationStore

        return SqliteModerationStore(store)
    postgres = sys.modules.get("bot.store.postgres")
    if postgres is not None and isinstance(store, postgres.PostgresStore):
        from bot.store.postgres_moderation import PostgresModerationStore

        return PostgresModerationStore(store)
    raise UnsupportedBackend(f"moderation has no backend for {type(store).__name__}")


def usage_store(store: Store) -> UsageStore:
    """Usage counts (and the health check's ping) on the same database as ``store``."""
    from bot.store.sqlite import SqliteStore

    if isinstance(store, CachedStore):
        return usage_store(store.backend)

    if isinstance(store, SqliteStore):
        from bot.store.sqlite_usage import SqliteUsageStore

        return SqliteUsageStore(store)
    postgres = sys.modules.get("bot.store.postgres")
    if postgres is not None and isinstance(store, postgres.PostgresStore):
        from bot.store.postgres_usage import PostgresUsageStore

        return PostgresUsageStore(store)
    raise UnsupportedBackend(f"usage counts have no backend for {type(store).__name__}")
