"""Which backend exceptions are temporary storage failures (``bot.core.errors.Unavailable``):
the database stopped, frozen past its timeouts, out of disk, locked by another process or
read-only. Registered with the core when the store package is imported; the adapters answer
them with "the database is not answering, try again shortly" and keep what was typed.

The timeouts that make a frozen database fail in time rather than hang: ``COMMAND_TIMEOUT``
for a PostgreSQL connection attempt and for acquiring a pooled connection for a moderation
write, ``SQLITE_BUSY_MS`` for SQLite's wait on another process's lock where no timeout is
given. The running bot bounds each statement by ``DATABASE_TIMEOUT`` (``open_store``'s
``statement_timeout``: PostgreSQL's ``statement_timeout``, SQLite's busy timeout). All are
under Discord's 3 s for a first answer; the Discord adapter bounds each interaction's work
as well.
"""

from __future__ import annotations

import sqlite3

from bot.core.errors import register_storage_fault

__all__ = ["COMMAND_TIMEOUT", "SQLITE_BUSY_MS", "is_storage_fault"]

COMMAND_TIMEOUT = 2.0
SQLITE_BUSY_MS = 2000

# sqlite3.OperationalError messages that say the database is unusable for now.
_SQLITE_TEMPORARY = (
    "database is locked",
    "database table is locked",
    "disk i/o error",
    "database or disk is full",
    "attempt to write a readonly database",
    "unable to open database",
)
# asyncpg exception class names (checked by name: asyncpg is optional) that mean the server is
# gone, frozen, shutting down or out of resources, not that a statement is wrong.
_POSTGRES_TEMPORARY = {
    "PostgresConnectionError",
    "ConnectionDoesNotExistError",
    "ConnectionFailureError",
    "CannotConnectNowError",
    "TooManyConnectionsError",
    "InterfaceError",
    "QueryCanceledError",
    "InsufficientResourcesError",
    "DiskFullError",
    "OutOfMemoryError",
    "OperatorInterventionError",
    "AdminShutdownError",
    "CrashShutdownError",
    "ReadOnlySQLTransactionError",
}


def is_storage_fault(error: BaseException) -> bool:
    if isinstance(error, sqlite3.OperationalError):
        text = str(error).casefold()
        return any(part in text for part in _SQLITE_TEMPORARY)
    if isinstance(error, OSError):
        return True
    if type(error).__module__.startswith("asyncpg"):
        names = {cls.__name__ for cls in type(error).__mro__}
        return bool(names & _POSTGRES_TEMPORARY)
    return False


register_storage_fault(is_storage_fault)
