"""The SQL the SQLite backend builds: visibility (guild scope, shadowing, hidden entries),
key-ordered pages, the FTS5 query, and rows back into ``Document``s. Pure functions of their
arguments; ``bot.store.sqlite`` runs them."""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.core.models import Document, Kind, Link

__all__ = [
    "DOC_COLUMNS",
    "Docs",
    "Keys",
    "LinkRef",
    "Pairs",
    "Params",
    "Row",
    "Rows",
    "document_from_row",
    "fts_query",
    "in_scope",
    "now",
    "ordered_page",
    "page_sql",
    "unshadowed",
    "visible",
]

DOC_COLUMNS = (
    "d.kind, d.key, d.guild_id, d.data, d.title, d.body, "
    "(SELECT json_group_array(json_array(link_kind, link_key)) FROM (SELECT link_kind, link_key "
    "FROM document_links WHERE document_id = d.id ORDER BY position)), "
    "(SELECT json_group_array(name) FROM "
    "(SELECT name FROM document_names WHERE document_id = d.id ORDER BY position))"
)

Row = sqlite3.Row
# Aliases for annotations inside SqliteStore, where ``list`` names the protocol method.
Keys = list[str]
Rows = list[Row]
Docs = list[Document]
Pairs = list[tuple[str, str]]
Params = list[Any]
LinkRef = tuple[str, str] | None


def has_token(term: str) -> bool:
    """Whether FTS5's unicode61 tokenizer finds a word in ``term`` (letters, digits, Co)."""
    categories = (unicodedata.category(ch) for ch in term)
    return any(cat[0] in "LN" or cat == "Co" for cat in categories)


def fts_query(terms: Sequence[str]) -> str | None:
    """An FTS5 query matching documents that contain every term, each as a quoted phrase.

    User text never reaches FTS5 syntax: each term is one string literal (``"`` doubled), so
    ``*``, ``-``, ``:``, ``^``, ``AND``, ``NEAR(`` are just characters. Terms without any word
    (``"*"``) are dropped; ``None`` when nothing is left to search for.
    """
    phrases = []
    for term in terms:
        clean = term.encode("utf-8", "replace").decode("utf-8").replace("\x00", " ")
        if has_token(clean):
            phrases.append('"' + clean.replace('"', '""') + '"')
    return " AND ".join(phrases) if phrases else None


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def unshadowed(alias: str) -> str:
    """SQL condition, taking the guild id as parameter twice: no row of that guild has the same
    (kind, key) as ``alias``'s row, and the guild has not hidden it."""
    return (
        "NOT EXISTS (SELECT 1 FROM documents s "
        f"WHERE s.kind = {alias}.kind AND s.key = {alias}.key AND s.guild_id = ?) "
        "AND NOT EXISTS (SELECT 1 FROM hidden_entries h "
        f"WHERE h.guild_id = ? AND h.kind = {alias}.kind AND h.key = {alias}.key)"
    )


def visible(alias: str, guild: int) -> tuple[str, Params]:
    """SQL condition (and its parameters) for the rows of ``alias`` that ``guild`` sees.
    ``alias`` is any of the tables with kind, key and guild_id columns."""
    if guild == 0:
        return f"{alias}.guild_id = 0", []
    return (
        f"({alias}.guild_id = ? OR ({alias}.guild_id = 0 AND {unshadowed(alias)}))",
        [guild, guild, guild],
    )


def in_scope(kind: Kind, link: LinkRef) -> tuple[str, str, Params]:
    """Table, condition and parameters of one kind's rows, or of those linked to ``link``.
    Either table is indexed on (condition..., guild_id, key)."""
    if link is None:
        return "documents", "kind = ?", [kind.value]
    return "document_links", "link_kind = ? AND link_key = ? AND kind = ?", [*link, kind.value]


def ordered_page(
    kind: Kind, link: LinkRef, guild: int, limit: int, offset: int
) -> tuple[str, Params]:
    """An inner query for ``page_sql``: one page, by key, of the documents of ``kind``
    (linked to ``link``) that ``guild`` sees. For a guild, its own rows and the unshadowed
    curated rows are two branches, each read in index order and cut at ``offset + limit``
    before the merge, so the shadow check runs on at most that many rows."""
    table, condition, params = in_scope(kind, link)
    ident = "document_id" if link else "id"
    select = f"SELECT t.{ident} AS id, t.key AS sort, 0 AS tie FROM {table} t WHERE {condition}"
    if guild == 0:
        sql = f"{select} AND t.guild_id = 0 ORDER BY t.key LIMIT ? OFFSET ?"
        return sql, [*params, limit, offset]
    sql = (
        f"SELECT * FROM ({select} AND t.guild_id = ? ORDER BY t.key LIMIT ?) UNION ALL "
        f"SELECT * FROM ({select} AND t.guild_id = 0 AND {unshadowed('t')} "
        "ORDER BY t.key LIMIT ?) ORDER BY sort LIMIT ? OFFSET ?"
    )
    branch = limit + offset
    return sql, [*params, guild, branch, *params, guild, guild, branch, limit, offset]


def page_sql(inner: str) -> str:
    """Rows for ``document_from_row`` of the page ``inner`` selects as (id, sort, tie), in
    that order. Links and names are gathered for the page's rows only."""
    return (
        f"SELECT {DOC_COLUMNS} FROM ({inner}) AS p JOIN documents d ON d.id = p.id "
        "ORDER BY p.sort, p.tie"
    )


def document_from_row(row: Row) -> Document:
    kind, key, guild_id, data, title, body, links, names = row
    return Document(
        kind=Kind(kind),
        key=key,
        guild_id=guild_id,
        data=json.loads(data),
        title=title,
        body=body,
        links=tuple(Link(kind=k, key=v) for k, v in json.loads(links)),
        names=tuple(json.loads(names)),
    )
