"""The SQL only the PostgreSQL dialect runs: URLs and schemas, the columns of a document
(links and names as arrays), the one-statement upsert of a document, the bulk writes over
``unnest`` and the marks that shorten the walk to the n-th curated key. Pure functions and
constants; ``bot.store.postgres`` runs them (the shared statements are
``bot.store.documents_sql``)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.core.models import Document, Kind
from bot.store.common import TITLE_WEIGHT, normalise_name
from bot.store.documents_sql import Params, in_scope

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

MARK_STEP = 256
"""Keys between two ``document_marks`` of a kind: the longest walk ``random`` takes."""
MARK_MIN = 1024
"""Curated kinds smaller than this get no marks (walking them is already short)."""

# ts_rank's weights for D, C, B, A: titles are A, bodies B.
RANK_WEIGHTS = f"'{{0.1, 0.1, {1.0 / TITLE_WEIGHT}, 1.0}}'::float4[]"

DOC_COLUMNS = (
    "d.kind, d.key, d.guild_id, d.data, d.title, d.body, "
    "ARRAY(SELECT l.link_kind FROM document_links l WHERE l.document_id = d.id "
    "ORDER BY l.position), "
    "ARRAY(SELECT l.link_key FROM document_links l WHERE l.document_id = d.id "
    "ORDER BY l.position), "
    "ARRAY(SELECT n.name FROM document_names n WHERE n.document_id = d.id ORDER BY n.position)"
)

# One document with its links and names in one statement: no position of the new version is
# both deleted and written, so the CTEs never touch the same row twice.
PUT = """
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

INSERT_DOCUMENTS = """
INSERT INTO documents
    (kind, key, guild_id, data, title, body, content_hash, created_at, updated_at)
SELECT kind, key, guild_id, data::json, title, body, content_hash, created_at, updated_at
FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[],
            $7::text[], $8::timestamptz[], $9::timestamptz[])
    AS u (kind, key, guild_id, data, title, body, content_hash, created_at, updated_at)
RETURNING id, kind, key, guild_id
"""

UPDATE_DOCUMENTS = """
UPDATE documents d SET data = u.data::json, title = u.title, body = u.body,
    content_hash = u.content_hash, updated_at = u.updated_at
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
    AS u (id, data, title, body, content_hash, updated_at)
WHERE d.id = u.id
"""

LINK_COLUMNS = ("document_id", "position", "link_kind", "link_key", "kind", "key", "guild_id")
NAME_COLUMNS = ("document_id", "position", "name", "norm", "kind", "key", "guild_id")


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


def keys_at_marked(kind: Kind, offset: int, n: int, args: Params) -> str:
    """A query of ``n`` curated keys of ``kind`` from ``offset`` on, in key order, starting
    from the mark at or below ``offset`` when it is current (its generation is the scope's),
    so the walk is at most ``MARK_STEP`` entries; without one it walks from the first key."""
    table, _, condition = in_scope(kind, None, args)
    scope = f"{condition} AND t.guild_id = {args(0)}"
    k, base = args(kind.value), args(offset - offset % MARK_STEP)
    mark = (
        f"FROM document_marks m JOIN document_counts c ON c.kind = m.kind "
        f"AND c.guild_id = m.guild_id AND c.generation = m.generation "
        f"WHERE m.kind = {k} AND m.guild_id = 0 AND m.ordinal = {base}"
    )
    return (
        f"SELECT t.key FROM {table} t WHERE {scope} "
        f"AND t.key >= coalesce((SELECT m.key {mark}), '') ORDER BY t.key LIMIT {args(n)} "
        f"OFFSET {args(offset)} - coalesce((SELECT m.ordinal {mark}), 0)"
    )


def json_data(doc: Document) -> str:
    return json.dumps(doc.data, ensure_ascii=False)


def side_records(
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
