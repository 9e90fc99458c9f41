"""The SQL the PostgreSQL backend builds: URLs and schemas, visibility (guild scope,
shadowing, hidden entries), key-ordered pages, search terms, and rows back into ``Document``s.
Pure functions and constants; ``bot.store.postgres`` runs them."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from bot.core.models import Document, Kind, Link
from bot.store.common import TITLE_WEIGHT, normalise_name

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

MARK_STEP = 256
"""Keys between two ``document_marks`` of a kind: the longest walk ``random`` takes."""
MARK_MIN = 1024
"""Curated kinds smaller than this get no marks (walking them is already short)."""

# ts_rank's weights for D, C, B, A: titles are A, bodies B.
_RANK_WEIGHTS = f"'{{0.1, 0.1, {1.0 / TITLE_WEIGHT}, 1.0}}'::float4[]"

_DOC_COLUMNS = (
    "d.kind, d.key, d.guild_id, d.data, d.title, d.body, "
    "ARRAY(SELECT l.link_kind FROM document_links l WHERE l.document_id = d.id "
    "ORDER BY l.position), "
    "ARRAY(SELECT l.link_key FROM document_links l WHERE l.document_id = d.id "
    "ORDER BY l.position), "
    "ARRAY(SELECT n.name FROM document_names n WHERE n.document_id = d.id ORDER BY n.position)"
)

# One document with its links and names in one statement: no position of the new version is
# both deleted and written, so the CTEs never touch the same row twice.
_PUT = """
WITH doc AS (
    INSERT INTO documents AS d
        (kind, key, guild_id, data, title, body, content_hash, created_at, updated_at)
    VALUES ($1, $2, $3, $4::json, $5, $6, $7, now(), now())
    ON CONFLICT (kind, key, guild_id) DO UPDATE SET data = excluded.data,
        title = excluded.title, body = excluded.body, content_hash = excluded.content_hash,
        updated_at = excluded.updated_at
    RETURNING d.id, d.kind, d.key, d.guild_id
), links AS (
    INSERT INTO document_links AS l
        (document_id, position, link_kind, link_key, kind, key, guild_id)
    SELECT doc.id, t.n - 1, t.link_kind, t.link_key, doc.kind, doc.key, doc.guild_id
    FROM doc, unnest($8::text[], $9::text[]) WITH ORDINALITY AS t (link_kind, link_key, n)
    ON CONFLICT (document_id, position) DO UPDATE
        SET link_kind = excluded.link_kind, link_key = excluded.link_key
), stale_links AS (
    DELETE FROM document_links l USING doc
    WHERE l.document_id = doc.id AND l.position >= cardinality($8::text[])
), names AS (
    INSERT INTO document_names AS m (document_id, position, name, norm, kind, key, guild_id)
    SELECT doc.id, t.n - 1, t.name, t.norm, doc.kind, doc.key, doc.guild_id
    FROM doc, unnest($10::text[], $11::text[]) WITH ORDINALITY AS t (name, norm, n)
    ON CONFLICT (document_id, position) DO UPDATE SET name = excluded.name, norm = excluded.norm
), stale_names AS (
    DELETE FROM document_names m USING doc
    WHERE m.document_id = doc.id AND m.position >= cardinality($10::text[])
)
SELECT id FROM doc
"""

_INSERT_DOCUMENTS = """
INSERT INTO documents
    (kind, key, guild_id, data, title, body, content_hash, created_at, updated_at)
SELECT kind, key, guild_id, data::json, title, body, content_hash, created_at, updated_at
FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[],
            $7::text[], $8::timestamptz[], $9::timestamptz[])
    AS u (kind, key, guild_id, data, title, body, content_hash, created_at, updated_at)
RETURNING id, kind, key, guild_id
"""

_UPDATE_DOCUMENTS = """
UPDATE documents d SET data = u.data::json, title = u.title, body = u.body,
    content_hash = u.content_hash, updated_at = u.updated_at
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
    AS u (id, data, title, body, content_hash, updated_at)
WHERE d.id = u.id
"""

_LINK_COLUMNS = ("document_id", "position", "link_kind", "link_key", "kind", "key", "guild_id")
_NAME_COLUMNS = ("document_id", "position", "name", "norm", "kind", "key", "guild_id")

Conn = asyncpg.Connection | PoolConnectionProxy
"""A connection, bare or lent by the pool."""
Docs = list[Document]
Keys = list[str]
Pairs = list[tuple[str, str]]
LinkRef = tuple[str, str] | None
After = tuple[str, int, str]


def parse_postgres_url(url: str) -> tuple[str, str | None]:
    """(the DSN for asyncpg, the schema ``?schema=NAME`` names or None).

    Other query parameters stay in the DSN (``sslmode``, ``options=-csearch_path=...``...).
    A schema name is lowercase letters, digits and ``_``: it goes into ``search_path``."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("postgresql", "postgres"):
        raise ValueError(f"not a PostgreSQL URL: {url!r}")
    query = parse_qsl(parts.query, keep_blank_values=True)
    schemas = [value for name, value in query if name == "schema"]
    if len(schemas) > 1:
        raise ValueError(f"{url!r}: give ?schema= once")
    schema = schemas[0] if schemas else None
    if schema is not None and not _SCHEMA_NAME.match(schema):
        raise ValueError(
            f"{url!r}: a schema name is lowercase letters, digits and '_' (at most 63), "
            "starting with a letter or '_'"
        )
    rest = urlencode([(name, value) for name, value in query if name != "schema"])
    return urlunsplit(parts._replace(scheme="postgresql", query=rest)), schema


def _has_word(term: str) -> bool:
    return any(unicodedata.category(ch)[0] in "LN" for ch in term)


def search_terms(terms: Sequence[str]) -> list[str]:
    """The terms worth searching, made safe to send: invalid UTF-8 replaced, NUL (which
    PostgreSQL text cannot hold) made a space, and terms without any letter or digit dropped,
    as the SQLite backend drops them. Each term is still only ever a query *parameter*."""
    clean = (t.encode("utf-8", "replace").decode("utf-8").replace("\x00", " ") for t in terms)
    return [term for term in clean if _has_word(term)]


class _Args:
    """Query parameters, numbered as they are added."""

    def __init__(self, *values: Any) -> None:
        self.values: list[Any] = list(values)

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


def _unshadowed(alias: str, g: str) -> str:
    """SQL condition: guild ``g`` (a parameter) has no row of the same (kind, key) as
    ``alias``'s row, and has not hidden it."""
    return (
        "NOT EXISTS (SELECT 1 FROM documents s "
        f"WHERE s.kind = {alias}.kind AND s.key = {alias}.key AND s.guild_id = {g}) "
        "AND NOT EXISTS (SELECT 1 FROM hidden_entries h "
        f"WHERE h.guild_id = {g} AND h.kind = {alias}.kind AND h.key = {alias}.key)"
    )


def _visible(alias: str, guild: int, args: _Args) -> str:
    """SQL condition for the rows of ``alias`` (any table with kind, key and guild_id) that
    ``guild`` sees: its own, and the curated ones it does not shadow (or hide)."""
    if guild == 0:
        return f"{alias}.guild_id = 0"
    g = args(guild)
    return f"({alias}.guild_id = {g} OR ({alias}.guild_id = 0 AND {_unshadowed(alias, g)}))"


def _in_scope(kind: Kind, link: LinkRef, args: _Args) -> tuple[str, str, str]:
    """Table, document-id column and condition of one kind's rows, or of those linked to
    ``link``; either table is indexed on (condition..., guild_id, key)."""
    if link is None:
        return "documents", "id", f"t.kind = {args(kind.value)}"
    condition = (
        f"t.link_kind = {args(link[0])} AND t.link_key = {args(link[1])} "
        f"AND t.kind = {args(kind.value)}"
    )
    return "document_links", "document_id", condition


def _ordered_page(
    kind: Kind, link: LinkRef, guild: int, limit: int, offset: int, args: _Args
) -> str:
    """An inner query for ``_page_sql``: one page, by key, of what ``guild`` sees of ``kind``
    (linked to ``link``). For a guild, its rows and the unshadowed curated rows are two
    branches, each read in index order and cut at ``offset + limit`` before the merge."""
    table, ident, condition = _in_scope(kind, link, args)
    select = f"SELECT t.{ident} AS id, t.key AS sort, 0 AS tie FROM {table} t WHERE {condition}"
    if guild == 0:
        return (
            f"{select} AND t.guild_id = 0 ORDER BY t.key LIMIT {args(limit)} OFFSET {args(offset)}"
        )
    branch = args(limit + offset)
    g = args(guild)
    unshadowed = _unshadowed("t", g)
    return (
        f"SELECT * FROM ({select} AND t.guild_id = {g} ORDER BY t.key LIMIT {branch}) AS own "
        f"UNION ALL SELECT * FROM ({select} AND t.guild_id = 0 AND {unshadowed} "
        f"ORDER BY t.key LIMIT {branch}) AS curated "
        f"ORDER BY sort LIMIT {args(limit)} OFFSET {args(offset)}"
    )


def _keys_at_sql(kind: Kind, guild: int, link: LinkRef, offset: int, args: _Args) -> str:
    """A query of the keys from ``offset`` on, in key order, of one scope (guild 0 or one
    guild) of ``kind`` (linked to ``link``); the caller adds LIMIT. Unlinked curated keys start
    from the mark at or below ``offset`` when it is current (its generation is the scope's),
    so the walk is at most ``MARK_STEP`` entries; without one it walks from the first key."""
    table, _, condition = _in_scope(kind, link, args)
    scope = f"{condition} AND t.guild_id = {args(guild)}"
    if link is not None or guild != 0:
        return f"SELECT t.key FROM {table} t WHERE {scope} ORDER BY t.key OFFSET {args(offset)}"
    k, base = args(kind.value), args(offset - offset % MARK_STEP)
    mark = (
        f"FROM document_marks m JOIN document_counts c ON c.kind = m.kind "
        f"AND c.guild_id = m.guild_id AND c.generation = m.generation "
        f"WHERE m.kind = {k} AND m.guild_id = 0 AND m.ordinal = {base}"
    )
    return (
        f"SELECT t.key FROM {table} t WHERE {scope} "
        f"AND t.key >= coalesce((SELECT m.key {mark}), '') ORDER BY t.key "
        f"OFFSET {args(offset)} - coalesce((SELECT m.ordinal {mark}), 0)"
    )


def _page_sql(inner: str) -> str:
    """Rows for ``_document`` of the page ``inner`` selects as (id, sort, tie), in that order."""
    return (
        f"SELECT {_DOC_COLUMNS} FROM ({inner}) AS p JOIN documents d ON d.id = p.id "
        "ORDER BY p.sort, p.tie"
    )


def _document(row: asyncpg.Record | tuple[Any, ...]) -> Document:
    kind, key, guild_id, data, title, body, link_kinds, link_keys, names = row
    return Document(
        kind=Kind(kind),
        key=key,
        guild_id=guild_id,
        data=json.loads(data),
        title=title,
        body=body,
        links=tuple(Link(kind=k, key=v) for k, v in zip(link_kinds, link_keys, strict=True)),
        names=tuple(names),
    )


def _json(doc: Document) -> str:
    return json.dumps(doc.data, ensure_ascii=False)


def _side_records(
    written: Iterable[tuple[int, Document]],
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Link and name rows of freshly written documents, identity copied from each document."""
    links: list[tuple[Any, ...]] = []
    names: list[tuple[Any, ...]] = []
    for doc_id, doc in written:
        ident = (doc.kind.value, doc.key, doc.guild_id)
        for position, link in enumerate(dict.fromkeys(doc.links)):
            links.append((doc_id, position, link.kind, link.key, *ident))
        for position, name in enumerate(doc.names):
            names.append((doc_id, position, name, normalise_name(name), *ident))
    return links, names
