"""Storage backends for the core's ``Store`` protocol, picked by ``open_store`` from a URL.

``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db``, ``sqlite://:memory:``,
``sqlite:///:memory:`` (or ``sqlite://``) and a bare filesystem path open SQLite;
``postgresql://user:password@host:5432/dbname`` (or ``postgres://``) opens PostgreSQL, with
``?schema=NAME`` to keep the store in its own schema (created when missing). Backends are
imported when chosen, so SQLite users never import asyncpg, an optional extra.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.core.ports_digest import DigestStore
from bot.core.ports_moderation import ModerationStore
from bot.core.ports_usage import UsageStore
from bot.store.cached import CachedStore

if TYPE_CHECKING:
    from bot.store.documents import SqlDocumentStore

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


async def _open_sqlite(url: str, statement_timeout: float | None) -> SqlDocumentStore:
    from bot.store.sqlite import SqliteStore

    return await SqliteStore.open(sqlite_path(url), busy_timeout=statement_timeout)


async def _open_postgres(url: str, statement_timeout: float | None) -> SqlDocumentStore:
    try:
        import asyncpg  # noqa: F401  (the optional extra; checked before the backend loads)
    except ImportError as exc:
        raise UnsupportedBackend(POSTGRES_INSTALL_HINT) from exc
    from bot.store.postgres import PostgresStore

    return await PostgresStore.open(url, statement_timeout=statement_timeout)


_BACKENDS: dict[str, Callable[[str, float | None], Awaitable[SqlDocumentStore]]] = {
    "sqlite": _open_sqlite,
    "postgresql": _open_postgres,
    "postgres": _open_postgres,
}
"""The factory: a URL's scheme names the backend; each is imported only when chosen."""


async def open_store(url: str, *, statement_timeout: float | None = None) -> SqlDocumentStore:
    """Open the database ``url`` names, migrated to the current schema and ready to use: one
    object with every store the bot needs (the ``Store`` itself, and its ``moderation``,
    ``digests`` and ``usage`` stores on the same connection or pool).

    ``statement_timeout`` (seconds): the bound on one statement on PostgreSQL (migrations and
    the curated load exempt) and on SQLite's wait for another process's lock; the bot passes
    ``DATABASE_TIMEOUT``, the command line's long jobs (``store copy``, ``store load``) none."""
    scheme = url.partition("://")[0].lower() if "://" in url else "sqlite"
    opener = _BACKENDS.get(scheme)
    if opener is None:
        known = ", ".join(f"{name}://" for name in _BACKENDS)
        raise ValueError(f"unknown database URL scheme {scheme!r}; expected one of {known}")
    store = await opener(url, statement_timeout)
    try:
        await store.migrate()
    except BaseException:
        await store.close()
        raise
    return store


async def open_cached_store(url: str, *, statement_timeout: float | None = None) -> CachedStore:
    """``open_store``'s backend answered from memory (``bot.store.cached``): what the bot
    runs on. Its ``moderation`` store (``moderation_store``) moves its versions on writes."""
    backend = await open_store(url, statement_timeout=statement_timeout)
    try:
        return await CachedStore.over(backend)
    except BaseException:
        await backend.close()
        raise


def digest_store(store: SqlDocumentStore | CachedStore) -> DigestStore:
    """The daily digests' store on the same database (and connection or pool) as ``store``."""
    return store.digests


def moderation_store(store: SqlDocumentStore | CachedStore) -> ModerationStore:
    """Moderation's store (versions, suggestions, audit log...) on the same database as
    ``store``, so a server's documents change in the same transactions as their versions.
    On a ``CachedStore``, its writes also move the cached store's versions."""
    return store.moderation


def usage_store(store: SqlDocumentStore | CachedStore) -> UsageStore:
    """Usage counts (and the health check's ping) on the same database as ``store``."""
    return store.usage
