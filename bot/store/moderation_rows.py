"""The moderation records as table rows, shared by the SQLite and PostgreSQL backends: the
column lists (the same tables, ``migrations/*/0003_moderation.sql``), parameters from records
and records from rows. Times go in through ``stamp`` (UTC text for SQLite, aware datetimes for
PostgreSQL) and come back from either form; JSON goes in as text."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from bot.core.models import Kind
from bot.core.records import (
    Actor,
    AuditRecord,
    EntryVersion,
    HiddenEntry,
    Suggestion,
    SuggestionStatus,
)
from bot.store.sql import moment_of

__all__ = [
    "AUDIT_COLUMNS",
    "HIDDEN_COLUMNS",
    "SET_ROLE",
    "SUGGESTION_COLUMNS",
    "VERSION_COLUMNS",
    "Stamp",
    "audit_of",
    "audit_params",
    "hidden_of",
    "hidden_params",
    "insert_sql",
    "suggestion_of",
    "suggestion_params",
    "to_json",
    "version_of",
    "version_params",
]

Stamp = Callable[[datetime], Any]
Row = Sequence[Any] | Any  # a tuple or asyncpg.Record: indexable by position

VERSION_COLUMNS = (
    "guild_id, kind, key, version, status, data, action, actor_id, actor_name, reason, at, "
    "suggested_by_id, suggested_by_name"
)
HIDDEN_COLUMNS = "guild_id, kind, key, actor_id, actor_name, reason, at"
SUGGESTION_COLUMNS = (
    "guild_id, number, kind, data, new_person, author_id, author_name, at, duplicate_of, "
    "status, reviewer_id, reviewer_name, decided_at, reason, entry_key, corrects, curated"
)
AUDIT_COLUMNS = "guild_id, at, actor_id, actor_name, action, kind, key, version, detail"


def _data(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _actor(actor_id: Any, name: Any) -> Actor | None:
    return Actor(id=int(actor_id), name=name) if actor_id is not None else None


def version_params(v: EntryVersion, stamp: Stamp) -> tuple[Any, ...]:
    by = v.suggested_by
    return (
        v.guild_id,
        v.kind.value,
        v.key,
        v.version,
        v.status.value,
        to_json(v.data),
        v.action,
        v.actor.id,
        v.actor.name,
        v.reason,
        stamp(v.at),
        by.id if by else None,
        by.name if by else None,
    )


def version_of(row: Row) -> EntryVersion:
    guild, kind, key, number, status, data, action, actor_id, actor_name, reason, at = row[:11]
    return EntryVersion(
        guild_id=guild,
        kind=Kind(kind),
        key=key,
        version=number,
        status=status,
        data=_data(data),
        action=action,
        actor=Actor(id=actor_id, name=actor_name),
        reason=reason,
        at=moment_of(at),
        suggested_by=_actor(row[11], row[12]),
    )


def hidden_params(h: HiddenEntry, stamp: Stamp) -> tuple[Any, ...]:
    return (h.guild_id, h.kind.value, h.key, h.actor.id, h.actor.name, h.reason, stamp(h.at))


def hidden_of(row: Row) -> HiddenEntry:
    guild, kind, key, actor_id, actor_name, reason, at = row
    return HiddenEntry(
        guild_id=guild,
        kind=Kind(kind),
        key=key,
        actor=Actor(id=actor_id, name=actor_name),
        reason=reason,
        at=moment_of(at),
    )


def suggestion_params(s: Suggestion, stamp: Stamp) -> tuple[Any, ...]:
    return (
        s.guild_id,
        s.number,
        s.kind.value,
        to_json(s.data),
        to_json(s.new_person) if s.new_person is not None else None,
        s.author.id,
        s.author.name,
        stamp(s.at),
        s.duplicate_of,
        s.status.value,
        s.reviewer.id if s.reviewer else None,
        s.reviewer.name if s.reviewer else None,
        stamp(s.decided_at) if s.decided_at else None,
        s.reason,
        s.entry_key,
        s.corrects,
        s.curated,
    )


def suggestion_of(row: Row) -> Suggestion:
    guild, number, kind, data, new_person, author_id, author_name, at = row[:8]
    duplicate_of, status, reviewer_id, reviewer_name, decided_at, reason, entry_key = row[8:15]
    corrects, curated = row[15:17]
    return Suggestion(
        guild_id=guild,
        number=number,
        kind=Kind(kind),
        data=_data(data),
        new_person=_data(new_person) if new_person is not None else None,
        author=Actor(id=author_id, name=author_name),
        at=moment_of(at),
        duplicate_of=duplicate_of,
        status=SuggestionStatus(status),
        reviewer=_actor(reviewer_id, reviewer_name),
        decided_at=moment_of(decided_at) if decided_at else None,
        reason=reason,
        entry_key=entry_key,
        corrects=corrects,
        curated=bool(curated),
    )


def audit_params(a: AuditRecord, stamp: Stamp) -> tuple[Any, ...]:
    return (
        a.guild_id,
        stamp(a.at),
        a.actor.id,
        a.actor.name,
        a.action,
        a.kind.value if a.kind else None,
        a.key,
        a.version,
        a.detail,
    )


def audit_of(row: Row) -> AuditRecord:
    guild, at, actor_id, actor_name, action, kind, key, version, detail = row
    return AuditRecord(
        guild_id=guild,
        at=moment_of(at),
        actor=Actor(id=actor_id, name=actor_name),
        action=action,
        kind=Kind(kind) if kind else None,
        key=key,
        version=version,
        detail=detail,
    )


SET_ROLE = (
    "INSERT INTO moderation_settings (guild_id, moderator_role_id) VALUES ($1, $2) "
    "ON CONFLICT (guild_id) DO UPDATE SET moderator_role_id = excluded.moderator_role_id"
)
"""Set a server's moderator role (``$1`` the server, ``$2`` the role or NULL)."""


def insert_sql(table: str, columns: str) -> str:
    """An INSERT of one row of ``columns`` (a column list above) into ``table``."""
    marks = ", ".join(f"${n}" for n in range(1, len(columns.split(",")) + 1))
    return f"INSERT INTO {table} ({columns}) VALUES ({marks})"
