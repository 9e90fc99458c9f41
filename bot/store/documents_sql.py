"""The document statements both SQL backends run, built once: visibility (guild scope,
shadowing, hidden entries), key-ordered pages and the walk to the n-th key. Pure functions of
their arguments; ``bot.store.documents`` runs them. Placeholders are ``$n``, numbered by
``Params`` as values are added (``bot.store.sql``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.models import Document, Kind

__all__ = [
    "Added",
    "Changed",
    "LinkRef",
    "Params",
    "in_scope",
    "keys_at",
    "ordered_page",
    "unshadowed",
    "visible",
]

LinkRef = tuple[str, str] | None
Added = tuple[Document, str, datetime, datetime]
"""A document to insert: (document, content hash, created_at, updated_at)."""
Changed = tuple[int, Document, str, datetime]
"""A stored document to rewrite: (id, document, content hash, updated_at)."""


class Params:
    """Query parameters, numbered as they are added: ``f"... = {params(value)}"``."""

    def __init__(self, *values: Any) -> None:
        self.values: list[Any] = list(values)

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


def unshadowed(alias: str, g: str) -> str:
    """SQL condition: guild ``g`` (a placeholder) has no row of the same (kind, key) as
    ``alias``'s row, and has not hidden it."""
    return (
        "NOT EXISTS (SELECT 1 FROM documents s "
        f"WHERE s.kind = {alias}.kind AND s.key = {alias}.key AND s.guild_id = {g}) "
        "AND NOT EXISTS (SELECT 1 FROM hidden_entries h "
        f"WHERE h.guild_id = {g} AND h.kind = {alias}.kind AND h.key = {alias}.key)"
    )


def visible(alias: str, guild: int, params: Params) -> str:
    """SQL condition for the rows of ``alias`` (any table with kind, key and guild_id) that
    ``guild`` sees: its own, and the curated ones it does not shadow (or hide)."""
    if guild == 0:
        return f"{alias}.guild_id = 0"
    g = params(guild)
    return f"({alias}.guild_id = {g} OR ({alias}.guild_id = 0 AND {unshadowed(alias, g)}))"


def in_scope(kind: Kind, link: LinkRef, params: Params) -> tuple[str, str, str]:
    """Table (aliased ``t``), document-id column and condition of one kind's rows, or of those
    linked to ``link``; either table is indexed on (condition..., guild_id, key)."""
    if link is None:
        return "documents", "id", f"t.kind = {params(kind.value)}"
    condition = (
        f"t.link_kind = {params(link[0])} AND t.link_key = {params(link[1])} "
        f"AND t.kind = {params(kind.value)}"
    )
    return "document_links", "document_id", condition


def ordered_page(
    kind: Kind, link: LinkRef, guild: int, limit: int, offset: int, params: Params
) -> str:
    """An inner query for a page (``SqlDocumentStore._page``): one page, by key, of what
    ``guild`` sees of ``kind`` (linked to ``link``). For a guild, its rows and the unshadowed
    curated rows are two branches, each read in index order and cut at ``offset + limit``
    before the merge, so the shadow check runs on at most that many rows."""
    table, ident, condition = in_scope(kind, link, params)
    select = f"SELECT t.{ident} AS id, t.key AS sort, 0 AS tie FROM {table} t WHERE {condition}"
    if guild == 0:
        return (
            f"{select} AND t.guild_id = 0 ORDER BY t.key "
            f"LIMIT {params(limit)} OFFSET {params(offset)}"
        )
    branch = params(limit + offset)
    g = params(guild)
    return (
        f"SELECT * FROM ({select} AND t.guild_id = {g} ORDER BY t.key LIMIT {branch}) AS own "
        f"UNION ALL SELECT * FROM ({select} AND t.guild_id = 0 AND {unshadowed('t', g)} "
        f"ORDER BY t.key LIMIT {branch}) AS curated "
        f"ORDER BY sort LIMIT {params(limit)} OFFSET {params(offset)}"
    )


def keys_at(kind: Kind, guild: int, link: LinkRef, offset: int, n: int, params: Params) -> str:
    """A query of ``n`` keys from ``offset`` on, in key order, of one scope (guild 0 or one
    guild) of ``kind`` (linked to ``link``): the offset walks an index, never the table."""
    table, _, condition = in_scope(kind, link, params)
    return (
        f"SELECT t.key FROM {table} t WHERE {condition} AND t.guild_id = {params(guild)} "
        f"ORDER BY t.key LIMIT {params(n)} OFFSET {params(offset)}"
    )
