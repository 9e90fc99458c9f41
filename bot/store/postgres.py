"""The PostgreSQL backend: an asyncpg connection pool, a ``tsvector`` column for search.

It behaves as ``SqliteStore`` does, answer for answer (``tests/test_backends_agree.py`` holds
them to it): the same visibility (``guild_id=None`` or 0 reads curated rows only; a guild reads
curated rows plus its own, and its row shadows the curated row of the same kind and key, as
does a row of ``hidden_entries``, migration 0003, which shows nothing in its place), the
same ``sync_curated`` counts, keys in byte order (the key columns are ``COLLATE "C"``), and the
same numbering behind ``random`` so a seed picks the same document on both. Search matches the
same words: documents are indexed through ``search_words``, which splits text as SQLite's
unicode61 tokenizer does, with accents ignored through ``unaccent`` where the server has it;
only the ranking differs (``ts_rank`` with title words weighted ``TITLE_WEIGHT`` times body
words, where SQLite uses bm25), so pages may order equal-looking hits differently.

A read is one statement where it can be (each is a network round trip); ``random`` reads
several in one read-only REPEATABLE READ transaction so they see one snapshot. Counts come
from ``document_counts`` and ``document_link_counts`` (kept by triggers), and "the n-th key"
of a large curated kind starts from the nearest ``document_marks`` entry, so neither ``count``,
``count_linked`` nor ``random`` walks 100,000 index entries. Past ``SEARCH_COUNT_CAP`` matches
a search ranks within the oldest ``SEARCH_COUNT_CAP`` of them, as the SQLite backend does.
``put`` is one statement: the document, its links and names in data-modifying CTEs. Writes of many
documents (``sync_curated``, ``import_rows``) are one transaction; ``sync_curated`` also holds
a transaction advisory lock, so processes starting at once take turns instead of colliding.

The URL is libpq's, plus ``?schema=NAME``: the store then lives in that schema (created on
``migrate`` when missing), which is how the tests get a throwaway store per test.
"""

from __future__ import annotations

import builtins
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import asyncpg

from bot.core.models import Document, Kind
from bot.core.ports import SearchPage, SyncReport
from bot.store.common import (
    SEARCH_COUNT_CAP,
    check_seed,
    content_hash,
    normalise_name,
    nth_unshadowed,
)
from bot.store.common import scope as _scope
from bot.store.faults import COMMAND_TIMEOUT
from bot.store.migrations import migrate_postgres
from bot.store.portable import (
    DOCUMENT_AREA,
    ImportReport,
    Row,
    document_row,
    row_document,
    row_times,
)
from bot.store.postgres_listen import Listener
from bot.store.postgres_sql import (
    _DOC_COLUMNS,
    _INSERT_DOCUMENTS,
    _LINK_COLUMNS,
    _NAME_COLUMNS,
    _PUT,
    _RANK_WEIGHTS,
    _UPDATE_DOCUMENTS,
    MARK_MIN,
    MARK_STEP,
    After,
    Conn,
    Docs,
    Keys,
    LinkRef,
    Pairs,
    _Args,
    _document,
    _in_scope,
    _json,
    _keys_at_sql,
    _ordered_page,
    _page_sql,
    _side_records,
    _visible,
    parse_postgres_url,
    search_terms,
)

__all__ = ["CHANGES_CHANNEL", "PostgresStore", "parse_postgres_url", "search_terms"]

CHANGES_CHANNEL = "sco_fact_bot_changes"
"""The NOTIFY channel of ``publish``/``subscribe``; payloads start with the schema name."""


class PostgresStore:
    """The ``Store`` protocol over PostgreSQL. Build with ``await PostgresStore.open(url)``."""

    def __init__(
        self, pool: asyncpg.Pool, schema: str | None, dsn: str = "", settings: Any = None
    ) -> None:
        self._pool = pool
        self.schema = schema
        self._dsn = dsn
        self._settings: dict[str, str] = dict(settings or {})

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        statement_timeout: float | None = None,
    ) -> PostgresStore:
        """Connect a pool; call ``migrate`` before use (``open_store`` does).

        ``statement_timeout`` (seconds; the bot's ``DATABASE_TIMEOUT``): the server cancels
        any statement of this pool running longer, a lock wait included, and the caller gets
        ``QueryCanceledError``, a temporary storage fault ("the database is not answering").
        Set on every connection at connect time, so an interaction's reads stay one round
        trip; the long jobs (``migrate``, ``sync_curated``, ``import_rows``) lift it for their
        own session (``_long_job``). Unset (the command line's ``store`` tools): no bound.
        """
        dsn, schema = parse_postgres_url(url)
        settings = {"application_name": "sco-fact-bot"}
        if schema is not None:
            settings["search_path"] = f'"{schema}"'
        if statement_timeout is not None:
            settings["statement_timeout"] = f"{max(1, round(statement_timeout * 1000))}ms"
        pool = await asyncpg.create_pool(
            dsn,
            min_size=min_size,
            max_size=max_size,
            server_settings=settings,
            # A new connection's attempt gives up in time. No client-side command_timeout: it
            # would cut the long jobs too; a server that stops answering altogether (frozen)
            # is bounded by the Discord adapter (bot.adapters.discord.deadline).
            timeout=COMMAND_TIMEOUT,
        )
        return cls(pool, schema, dsn, settings)

    @contextlib.asynccontextmanager
    async def _long_job(self) -> AsyncIterator[Conn]:
        """A pooled connection without the pool's statement timeout: for migrations, the
        curated load and imports, whose statements (and turns at the load's advisory lock)
        may rightly take longer. asyncpg's ``RESET ALL`` on release restores the bound."""
        async with self._pool.acquire() as conn:
            if "statement_timeout" in self._settings:
                await conn.execute("SET statement_timeout = 0")
            yield conn

    async def migrate(self) -> int:
        async with self._long_job() as conn:
            exists = await conn.fetchval(
                "SELECT true FROM pg_namespace WHERE nspname = $1", self.schema
            )
            if self.schema is not None and not exists:
                # Created only when missing: CREATE SCHEMA IF NOT EXISTS needs the CREATE
                # privilege on the database even when the schema is there. Another process
                # may create it at the same moment.
                with contextlib.suppress(asyncpg.UniqueViolationError):
                    await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            return await migrate_postgres(conn)

    async def close(self) -> None:
        await self._pool.close()

    @property
    def pool(self) -> asyncpg.Pool:
        """The connection pool, for the backends of other tables in the same schema."""
        return self._pool

    # -- plumbing -------------------------------------------------------------------------

    async def _page(self, conn: Conn | asyncpg.Pool, inner: str, args: _Args) -> Docs:
        return [_document(row) for row in await conn.fetch(_page_sql(inner), *args.values)]

    # -- writes ---------------------------------------------------------------------------

    async def _insert(
        self, conn: Conn, docs: Sequence[tuple[Document, str, datetime, datetime]]
    ) -> list[tuple[int, Document]]:
        """Insert new documents (without links and names); their ids, paired with them."""
        if not docs:
            return []
        rows = await conn.fetch(
            _INSERT_DOCUMENTS,
            [d.kind.value for d, _, _, _ in docs],
            [d.key for d, _, _, _ in docs],
            [d.guild_id for d, _, _, _ in docs],
            [_json(d) for d, _, _, _ in docs],
            [d.title for d, _, _, _ in docs],
            [d.body for d, _, _, _ in docs],
            [h for _, h, _, _ in docs],
            [created for _, _, created, _ in docs],
            [updated for _, _, _, updated in docs],
        )
        by_ident = {(d.kind.value, d.key, d.guild_id): d for d, _, _, _ in docs}
        return [(r["id"], by_ident[(r["kind"], r["key"], r["guild_id"])]) for r in rows]

    async def _update(
        self, conn: Conn, docs: Sequence[tuple[int, Document, str, datetime]]
    ) -> None:
        """Rewrite changed documents in place; their links and names are cleared for
        ``_write_side_tables`` to write again."""
        if not docs:
            return
        ids = [doc_id for doc_id, _, _, _ in docs]
        await conn.execute("DELETE FROM document_links WHERE document_id = ANY($1::bigint[])", ids)
        await conn.execute("DELETE FROM document_names WHERE document_id = ANY($1::bigint[])", ids)
        await conn.execute(
            _UPDATE_DOCUMENTS,
            ids,
            [_json(d) for _, d, _, _ in docs],
            [d.title for _, d, _, _ in docs],
            [d.body for _, d, _, _ in docs],
            [h for _, _, h, _ in docs],
            [updated for _, _, _, updated in docs],
        )

    async def _remove(self, conn: Conn, ids: Sequence[int]) -> None:
        """Delete documents with their links and names (three statements, not a cascade per
        row: the count triggers then run once each)."""
        if ids:
            await conn.execute(
                "DELETE FROM document_links WHERE document_id = ANY($1::bigint[])", ids
            )
            await conn.execute(
                "DELETE FROM document_names WHERE document_id = ANY($1::bigint[])", ids
            )
            await conn.execute("DELETE FROM documents WHERE id = ANY($1::bigint[])", ids)

    async def _mark(self, conn: Conn) -> None:
        """Rebuild the marks of every large curated kind (one pass over its keys in index
        order), at the generation now in force; small kinds lose theirs."""
        await conn.execute("DELETE FROM document_marks WHERE guild_id = 0")
        await conn.execute(
            "INSERT INTO document_marks (kind, guild_id, ordinal, key, generation) "
            "SELECT c.kind, 0, k.ordinal, k.key, c.generation FROM document_counts c "
            "CROSS JOIN LATERAL (SELECT t.key, row_number() OVER (ORDER BY t.key) - 1 AS ordinal "
            "FROM documents t WHERE t.kind = c.kind AND t.guild_id = 0) AS k "
            "WHERE c.guild_id = 0 AND c.n >= $1 AND k.ordinal % $2 = 0",
            MARK_MIN,
            MARK_STEP,
        )

    async def _write_side_tables(self, conn: Conn, written: Iterable[tuple[int, Document]]) -> None:
        links, names = _side_records(written)
        if links:
            await conn.copy_records_to_table("document_links", records=links, columns=_LINK_COLUMNS)
        if names:
            await conn.copy_records_to_table("document_names", records=names, columns=_NAME_COLUMNS)

    async def sync_curated(self, docs: Sequence[Document]) -> SyncReport:
        incoming: dict[tuple[str, str], tuple[Document, str]] = {}
        for doc in docs:
            if doc.guild_id != 0:
                raise ValueError(f"sync_curated takes curated documents only: {doc.kind}/{doc.key}")
            ident = (doc.kind.value, doc.key)
            if ident in incoming:
                raise ValueError(f"duplicate curated document {doc.kind}/{doc.key}")
            incoming[ident] = (doc, content_hash(doc))
        async with self._long_job() as conn, conn.transaction():
            await conn.execute(
                "SELECT pg_advisory_xact_lock("
                "hashtext('sco-fact-bot curated ' || coalesce(current_schema(), '')))"
            )
            now = await conn.fetchval("SELECT now()")
            existing = {
                (r["kind"], r["key"]): (r["id"], r["content_hash"])
                for r in await conn.fetch(
                    "SELECT id, kind, key, content_hash FROM documents WHERE guild_id = 0"
                )
            }
            removed = [doc_id for ident, (doc_id, _) in existing.items() if ident not in incoming]
            added: list[tuple[Document, str, datetime, datetime]] = []
            changed: list[tuple[int, Document, str, datetime]] = []
            for ident, (doc, digest) in incoming.items():
                if ident not in existing:
                    added.append((doc, digest, now, now))
                elif existing[ident][1] != digest:
                    changed.append((existing[ident][0], doc, digest, now))
            await self._remove(conn, removed)
            await self._update(conn, changed)
            written = [(doc_id, d) for doc_id, d, _, _ in changed]
            written += await self._insert(conn, added)
            await self._write_side_tables(conn, written)
            if added or removed:
                await self._mark(conn)
        return SyncReport(
            added=len(added),
            updated=len(changed),
            removed=len(removed),
            unchanged=len(incoming) - len(added) - len(changed),
        )

    async def put(self, doc: Document) -> None:
        """Add or replace one guild's document. Not in the ``Store`` protocol yet."""
        await self.put_in_transaction(self._pool, doc)

    async def put_in_transaction(self, conn: Conn | asyncpg.Pool, doc: Document) -> None:
        """``put`` on ``conn`` (inside another table's transaction: postgres_moderation)."""
        if doc.guild_id == 0:
            raise ValueError("curated documents change only through sync_curated")
        links = list(dict.fromkeys(doc.links))
        await conn.execute(
            _PUT,
            doc.kind.value,
            doc.key,
            doc.guild_id,
            _json(doc),
            doc.title,
            doc.body,
            content_hash(doc),
            [link.kind for link in links],
            [link.key for link in links],
            list(doc.names),
            [normalise_name(name) for name in doc.names],
        )

    async def delete(self, kind: Kind, key: str, guild_id: int) -> bool:
        """Remove one guild's document; whether it existed. Not in the ``Store`` protocol yet."""
        return await self.delete_in_transaction(self._pool, kind, key, guild_id)

    async def delete_in_transaction(
        self, conn: Conn | asyncpg.Pool, kind: Kind, key: str, guild_id: int
    ) -> bool:
        """``delete`` on ``conn`` (inside another table's transaction)."""
        if guild_id == 0:
            raise ValueError("curated documents change only through sync_curated")
        status = await conn.execute(
            "DELETE FROM documents WHERE kind = $1 AND key = $2 AND guild_id = $3",
            kind.value,
            key,
            guild_id,
        )
        return status != "DELETE 0"

    # -- reads ----------------------------------------------------------------------------

    async def get(self, kind: Kind, key: str, guild_id: int | None = None) -> Document | None:
        args = _Args(kind.value, key, _scope(guild_id))
        docs = await self._page(
            self._pool,
            "SELECT id, -guild_id AS sort, 0 AS tie FROM documents d "
            "WHERE kind = $1 AND key = $2 AND guild_id IN (0, $3) AND NOT (guild_id = 0 AND "
            "EXISTS (SELECT 1 FROM hidden_entries h WHERE h.guild_id = $3 AND h.kind = d.kind "
            "AND h.key = d.key)) ORDER BY guild_id DESC LIMIT 1",
            args,
        )
        return docs[0] if docs else None

    async def list(
        self, kind: Kind, guild_id: int | None = None, *, limit: int = 1000, offset: int = 0
    ) -> Docs:
        if limit <= 0:
            return []
        args = _Args()
        inner = _ordered_page(kind, None, _scope(guild_id), limit, max(offset, 0), args)
        return await self._page(self._pool, inner, args)

    async def count(self, kind: Kind, guild_id: int | None = None) -> int:
        total, _, _ = await self._census(self._pool, kind, _scope(guild_id), None)
        return total

    async def linked(
        self,
        kind: Kind,
        link_kind: str,
        link_key: str,
        guild_id: int | None = None,
        *,
        limit: int = 100,
    ) -> Docs:
        if limit <= 0:
            return []
        args = _Args()
        inner = _ordered_page(kind, (link_kind, link_key), _scope(guild_id), limit, 0, args)
        return await self._page(self._pool, inner, args)

    async def count_linked(self, link_kind: str, link_key: str, guild_id: int | None = None) -> int:
        """How many documents (of any kind) link to (``link_kind``, ``link_key``): the links
        of both scopes, less the curated ones shadowed, found from the guild's own rows and
        the curated entries it hid (those without a guild twin, not to count them twice)."""
        guild = _scope(guild_id)
        sql = (
            "SELECT coalesce(sum(n), 0) FROM document_link_counts "
            "WHERE link_kind = $1 AND link_key = $2 AND guild_id IN (0, $3)"
        )
        if guild:
            sql = (
                f"SELECT ({sql}) - (SELECT count(*) FROM documents g JOIN document_links c "
                "ON c.link_kind = $1 AND c.link_key = $2 AND c.kind = g.kind AND c.guild_id = 0 "
                "AND c.key = g.key WHERE g.kind = ANY($4::text[]) AND g.guild_id = $3) "
                "- (SELECT count(*) FROM hidden_entries h JOIN document_links c "
                "ON c.link_kind = $1 AND c.link_key = $2 AND c.kind = h.kind AND c.guild_id = 0 "
                "AND c.key = h.key WHERE h.guild_id = $3 AND NOT EXISTS (SELECT 1 FROM "
                "documents g WHERE g.kind = h.kind AND g.key = h.key AND g.guild_id = $3))"
            )
            return int(
                await self._pool.fetchval(sql, link_kind, link_key, guild, [k.value for k in Kind])
            )
        return int(await self._pool.fetchval(sql, link_kind, link_key, guild))

    async def names(self, kind: Kind, guild_id: int | None = None) -> Pairs:
        args = _Args(kind.value)
        visible = _visible("n", _scope(guild_id), args)
        rows = await self._pool.fetch(
            f"SELECT n.key, n.name FROM document_names n WHERE n.kind = $1 AND {visible} "
            "ORDER BY n.key, n.position",
            *args.values,
        )
        return [(key, name) for key, name in rows]

    async def link_keys(self, link_kind: str, guild_id: int | None = None) -> Keys:
        # Distinct keys by hopping through the index (one seek per key, not a scan of every
        # link), each kept when a row the guild sees has it.
        args = _Args(link_kind)
        visible = _visible("l", _scope(guild_id), args)
        rows = await self._pool.fetch(
            "WITH RECURSIVE k (link_key) AS ("
            "SELECT min(link_key) FROM document_links WHERE link_kind = $1 UNION ALL "
            "SELECT (SELECT min(link_key) FROM document_links "
            "WHERE link_kind = $1 AND link_key > k.link_key) FROM k "
            "WHERE k.link_key IS NOT NULL) "
            "SELECT k.link_key FROM k WHERE k.link_key IS NOT NULL AND EXISTS ("
            "SELECT 1 FROM document_links l WHERE l.link_kind = $1 "
            f"AND l.link_key = k.link_key AND {visible}) ORDER BY k.link_key",
            *args.values,
        )
        return [key for (key,) in rows]

    # -- the in-memory store's loads and change notices (bot.store.cached) -----------------

    async def scope_documents(self, guild_id: int) -> Docs:
        """Every document stored in one scope exactly: the curated ones (0) or one guild's own,
        in no particular order."""
        return await self._page(
            self._pool,
            "SELECT id, 0 AS sort, 0 AS tie FROM documents WHERE guild_id = $1",
            _Args(guild_id),
        )

    async def scope_keys(self, kind: Kind, guild_id: int) -> builtins.list[str]:
        rows = await self._pool.fetch(
            "SELECT key FROM documents WHERE kind = $1 AND guild_id = $2 ORDER BY key",
            kind.value,
            guild_id,
        )
        return [row[0] for row in rows]

    async def hidden_keys(self, guild_id: int) -> builtins.list[tuple[Kind, str]]:
        """The curated entries one guild hid from itself."""
        rows = await self._pool.fetch(
            "SELECT kind, key FROM hidden_entries WHERE guild_id = $1", guild_id
        )
        return [(Kind(row["kind"]), row["key"]) for row in rows]

    async def subscribe(self, callback: Callable[[str], None]) -> Callable[[], Awaitable[None]]:
        """Call ``callback(payload)`` for each ``publish``ed change of this schema, whichever
        process made it (LISTEN on a connection of its own); returns the way to stop."""
        # Its own connection, connected again after the server restarts (postgres_listen).
        prefix = f"{self.schema or ''}|"
        listener = Listener(self._dsn, self._settings, CHANGES_CHANNEL, prefix, callback)
        await listener.start()
        return listener.close

    async def publish(self, payload: str) -> bool:
        """NOTIFY every process listening on this schema (``subscribe``) of a change."""
        await self._pool.execute(
            "SELECT pg_notify($1, $2)", CHANGES_CHANNEL, f"{self.schema or ''}|{payload}"
        )
        return True

    # -- random ---------------------------------------------------------------------------

    async def _census(
        self, conn: Conn | asyncpg.Pool, kind: Kind, guild: int, link: LinkRef
    ) -> tuple[int, int, Keys]:
        """(visible total, the guild's own count, sorted keys of the curated rows it shadows)
        for one kind, or only those linked to ``link``, in one statement and without scans:
        counts come from ``document_counts`` or a range of the link index, shadows from the
        guild's own rows and the curated entries it hid."""
        args = _Args(kind.value)
        if link is None:
            counted = "FROM document_counts WHERE kind = $1"
            total = "coalesce(sum(n), 0)"
        else:
            counted = (
                f"FROM document_link_counts WHERE link_kind = {args(link[0])} "
                f"AND link_key = {args(link[1])} AND kind = $1"
            )
            total = "coalesce(sum(n), 0)"

        def count(scope: str) -> str:
            return f"(SELECT {total} {counted} AND guild_id = {scope})"

        if not guild:
            curated = int(await conn.fetchval(f"SELECT {count('0')}", *args.values))
            return curated, 0, []
        table, _, condition = _in_scope(kind, link, args)
        g = args(guild)
        row = await conn.fetchrow(
            f"SELECT {count('0')}, {count(g)}, "
            f"ARRAY(SELECT t.key FROM {table} t WHERE {condition} AND t.guild_id = 0 "
            f"AND t.key IN (SELECT o.key FROM documents o WHERE o.kind = $1 AND o.guild_id = {g} "
            f"UNION SELECT h.key FROM hidden_entries h WHERE h.kind = $1 AND h.guild_id = {g}) "
            "ORDER BY t.key)",
            *args.values,
        )
        assert row is not None
        curated, own, shadowed = int(row[0]), int(row[1]), list(row[2])
        return curated + own - len(shadowed), own, shadowed

    async def _keys_at(
        self, conn: Conn, kind: Kind, guild: int, link: LinkRef, offset: int, n: int
    ) -> Keys:
        """``n`` keys from ``offset`` in key order of one scope: the offset walks an index,
        from the nearest valid mark when there is one."""
        args = _Args()
        sql = _keys_at_sql(kind, guild, link, offset, args)
        rows = await conn.fetch(f"{sql} LIMIT {args(n)}", *args.values)
        return [key for (key,) in rows]

    async def _nth_unshadowed(
        self, conn: Conn, kind: Kind, link: LinkRef, nth: int, shadowed: Keys
    ) -> str:
        """The ``nth`` curated key in scope, not counting ``shadowed`` (sorted, all in scope):
        it lies within len(shadowed) rows after position ``nth``; read that window, walk it."""
        window = await self._keys_at(conn, kind, 0, link, nth, len(shadowed) + 1)
        return nth_unshadowed(window, shadowed, f"{kind} at {nth}")

    async def random(
        self,
        kind: Kind,
        guild_id: int | None = None,
        *,
        link: LinkRef = None,
        seed: float | None = None,
    ) -> Document | None:
        """The visible documents are numbered, the guild's own first (by key), then the
        curated ones it does not shadow (by key), and ``seed`` picks a number uniformly."""
        seed = check_seed(seed)
        guild = _scope(guild_id)
        async with (
            self._pool.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            total, own, shadowed = await self._census(conn, kind, guild, link)
            if total <= 0:
                return None
            index = min(int(seed * total), total - 1)
            if index < own:
                scope, offset = guild, index
            else:
                scope, offset = 0, index - own
                if shadowed:
                    key = await self._nth_unshadowed(conn, kind, link, offset, shadowed)
                    args = _Args(kind.value, key)
                    docs = await self._page(
                        conn,
                        "SELECT id, 0 AS sort, 0 AS tie FROM documents "
                        "WHERE kind = $1 AND key = $2 AND guild_id = 0",
                        args,
                    )
                    return docs[0] if docs else None
            args = _Args(kind.value, scope)
            nth = _keys_at_sql(kind, scope, link, offset, args)
            docs = await self._page(
                conn,
                "SELECT id, 0 AS sort, 0 AS tie FROM documents WHERE kind = $1 AND guild_id = $2 "
                f"AND key = ({nth} LIMIT 1)",
                args,
            )
        return docs[0] if docs else None

    # -- search ---------------------------------------------------------------------------

    async def search(
        self,
        terms: Sequence[str],
        guild_id: int | None = None,
        *,
        kinds: Sequence[Kind] | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> SearchPage:
        """Each term is one parameter, made a phrase query by ``phraseto_tsquery`` over its
        ``search_words``; the terms are ANDed. Nothing the user typed is query syntax."""
        words = search_terms(terms)
        if not words or (kinds is not None and not kinds):
            return SearchPage(total=0, hits=[])
        args = _Args()
        query = " && ".join(
            f"phraseto_tsquery('search_config', search_words({args(word)}))" for word in words
        )
        visible = _visible("d", _scope(guild_id), args)
        matches = f"FROM documents d WHERE d.search @@ ({query}) AND {visible}"
        if kinds is not None:
            matches += f" AND d.kind = ANY({args([Kind(k).value for k in kinds])}::text[])"
        cap = int(SEARCH_COUNT_CAP)  # a constant, not a parameter: each statement may omit it
        page = f"LIMIT {args(max(limit, 0))} OFFSET {args(max(offset, 0))}"
        ranked = (
            f"SELECT d.id, -ts_rank({_RANK_WEIGHTS}, d.search, ({query})) AS sort, "
            f"(d.kind || ' ' || d.key) COLLATE \"C\" AS tie"
        )
        async with (
            self._pool.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            # The count, and the page when the matches are fewer than the cap (the page's
            # filter on the count makes the planner skip it otherwise).
            rows = await conn.fetch(
                f"WITH total AS MATERIALIZED (SELECT count(*) AS n FROM "
                f"(SELECT 1 {matches} LIMIT {cap}) AS c), "
                f"page AS ({ranked} {matches} AND (SELECT n FROM total) < {cap} "
                f"ORDER BY sort, tie {page}) "
                f"SELECT total.n, {_DOC_COLUMNS} FROM total "
                "LEFT JOIN (page JOIN documents d ON d.id = page.id) ON true "
                "ORDER BY page.sort, page.tie",
                *args.values,
            )
            total = int(rows[0][0])
            hits = [_document(row[1:]) for row in rows if row[1] is not None]
            if total >= SEARCH_COUNT_CAP and limit > 0:
                # Ranking every match of a word in most of 100,000 documents costs tens of
                # milliseconds: rank within the oldest SEARCH_COUNT_CAP matches (the curated
                # entries load first), as SqliteStore does; past that window, rank them all.
                window = (
                    f"WITH w AS MATERIALIZED (SELECT d.id FROM documents d "
                    f"WHERE d.search @@ ({query}) ORDER BY d.id LIMIT {cap}) "
                )
                hits = await self._page(
                    conn,
                    f"{window}{ranked} {matches} AND d.id IN (SELECT id FROM w) "
                    f"ORDER BY sort, tie {page}",
                    args,
                )
                if len(hits) < limit:
                    hits = await self._page(
                        conn, f"{ranked} {matches} ORDER BY sort, tie {page}", args
                    )
        return SearchPage(total=total, hits=hits)

    # -- copying (bot.store.portable) -----------------------------------------------------

    def copy_areas(self) -> tuple[str, ...]:
        return (DOCUMENT_AREA,)

    async def export_rows(
        self, area: str, *, batch: int = 1000
    ) -> AsyncIterator[builtins.list[Row]]:
        """Every document, curated and every guild's, by (kind, guild_id, key): a batch is
        one read along the ``documents_scope`` index, continuing after the last key."""
        if area != DOCUMENT_AREA:
            raise ValueError(f"the PostgreSQL store has no {area!r} area to export")
        after: After = ("", -1, "")
        while True:
            rows = await self._pool.fetch(
                f"SELECT {_DOC_COLUMNS}, d.created_at, d.updated_at FROM documents d "
                "WHERE (d.kind, d.guild_id, d.key) > ($1, $2, $3) "
                "ORDER BY d.kind, d.guild_id, d.key LIMIT $4",
                *after,
                batch,
            )
            if not rows:
                return
            yield [document_row(_document(row[:9]), row[9], row[10]) for row in rows]
            last = rows[-1]
            after = (last["kind"], last["guild_id"], last["key"])

    async def import_rows(self, area: str, rows: Sequence[Row]) -> ImportReport:
        """Write documents by (kind, key, guild_id), keeping their times: new ones added,
        changed ones (by content hash) rewritten, identical ones left alone. Curated documents
        included: this is a copy, not an edit."""
        if area != DOCUMENT_AREA:
            raise ValueError(f"the PostgreSQL store has no {area!r} area to import")
        incoming: dict[tuple[str, str, int], tuple[Document, str, datetime, datetime]] = {}
        for row in rows:
            doc = row_document(row)
            incoming[(doc.kind.value, doc.key, doc.guild_id)] = (
                doc,
                content_hash(doc),
                *row_times(row),
            )
        if not incoming:
            return ImportReport()
        idents = list(incoming)
        async with self._long_job() as conn, conn.transaction():
            existing = {
                (r["kind"], r["key"], r["guild_id"]): (r["id"], r["content_hash"])
                for r in await conn.fetch(
                    "SELECT d.id, d.kind, d.key, d.guild_id, d.content_hash FROM documents d "
                    "JOIN unnest($1::text[], $2::text[], $3::bigint[]) AS u (kind, key, guild_id) "
                    "ON d.kind = u.kind AND d.key = u.key AND d.guild_id = u.guild_id",
                    [i[0] for i in idents],
                    [i[1] for i in idents],
                    [i[2] for i in idents],
                )
            }
            added = [v for ident, v in incoming.items() if ident not in existing]
            changed = [
                (existing[ident][0], doc, digest, updated)
                for ident, (doc, digest, _, updated) in incoming.items()
                if ident in existing and existing[ident][1] != digest
            ]
            await self._update(conn, changed)
            written = [(doc_id, d) for doc_id, d, _, _ in changed]
            written += await self._insert(conn, added)
            await self._write_side_tables(conn, written)
            if any(doc.guild_id == 0 for doc, _, _, _ in added):
                await self._mark(conn)
        return ImportReport(
            added=len(added),
            updated=len(changed),
            unchanged=len(incoming) - len(added) - len(changed),
        )

    # -- maintenance ----------------------------------------------------------------------

    async def analyze(self) -> None:
        """Refresh the planner's statistics (worth it after loading many documents)."""
        await self._pool.execute("ANALYZE documents, document_links, document_names")
