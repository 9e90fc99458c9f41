"""The document reads of the ``Store`` protocol, written once for both SQL backends.

Visibility: ``guild_id=None`` (or 0) reads curated rows only (``guild_id = 0``); a guild id
reads curated rows plus that guild's, and a guild row shadows the curated row of the same
(kind, key), and so does a row of ``hidden_entries`` (migration 0003: a curated entry the guild
hid from itself), which shows nothing in its place. Key-ordered pages (``list``, ``linked``)
merge two index-ordered branches, the guild's rows and the unshadowed curated ones;
``names`` and ``link_keys`` filter row by row; ``count``, ``count_linked`` and ``random``, which
must not scan, add up the two scopes' counts (``document_counts``, ``document_link_counts``,
kept by triggers) and subtract the shadowed curated rows, found from the guild's own (few)
rows and hidden entries. Keys are in byte order on both (SQLite's BINARY, PostgreSQL's
``COLLATE "C"``), so pages and random picks agree seed by seed. Reads of several statements
run in a snapshot.
"""

from __future__ import annotations

import builtins

from bot.core.models import Document, Kind
from bot.store.common import check_seed, nth_unshadowed, scope
from bot.store.documents_dialect import Docs, DocumentDialect
from bot.store.documents_sql import LinkRef, Params, in_scope, ordered_page, visible
from bot.store.sql import Connection

__all__ = ["DocumentReads"]


class DocumentReads(DocumentDialect):
    """``get``, ``list``, ``count``, ``linked``, ``count_linked``, ``names``, ``link_keys``,
    ``random`` and the in-memory store's loads, over the dialect's steps."""

    # -- reads --------------------------------------------------------------------------------

    async def get(self, kind: Kind, key: str, guild_id: int | None = None) -> Document | None:
        docs = await self._read_page(
            "SELECT id, -guild_id AS sort, 0 AS tie FROM documents d "
            "WHERE kind = $1 AND key = $2 AND guild_id IN (0, $3) AND NOT (guild_id = 0 AND "
            "EXISTS (SELECT 1 FROM hidden_entries h WHERE h.guild_id = $3 AND h.kind = d.kind "
            "AND h.key = d.key)) ORDER BY guild_id DESC LIMIT 1",
            Params(kind.value, key, scope(guild_id)),
        )
        return docs[0] if docs else None

    async def list(
        self, kind: Kind, guild_id: int | None = None, *, limit: int = 1000, offset: int = 0
    ) -> Docs:
        if limit <= 0:
            return []
        params = Params()
        inner = ordered_page(kind, None, scope(guild_id), limit, max(offset, 0), params)
        return await self._read_page(inner, params)

    async def count(self, kind: Kind, guild_id: int | None = None) -> int:
        async with self.read() as conn:
            total, _, _ = await self._census(conn, kind, scope(guild_id), None)
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
        params = Params()
        inner = ordered_page(kind, (link_kind, link_key), scope(guild_id), limit, 0, params)
        return await self._read_page(inner, params)

    async def count_linked(self, link_kind: str, link_key: str, guild_id: int | None = None) -> int:
        """How many documents (of any kind) link to (``link_kind``, ``link_key``): the links
        of both scopes, less the curated ones shadowed, found from the guild's own rows and
        the curated entries it hid (those without a guild twin, not to count them twice)."""
        guild = scope(guild_id)
        params = Params(link_kind, link_key, guild)
        sql = (
            "SELECT coalesce(sum(n), 0) FROM document_link_counts "
            "WHERE link_kind = $1 AND link_key = $2 AND guild_id IN (0, $3)"
        )
        if guild:
            kinds = ", ".join(params(kind.value) for kind in Kind)
            sql = (
                f"SELECT ({sql}) - (SELECT count(*) FROM documents g JOIN document_links c "
                "ON c.link_kind = $1 AND c.link_key = $2 AND c.kind = g.kind AND c.guild_id = 0 "
                f"AND c.key = g.key WHERE g.kind IN ({kinds}) AND g.guild_id = $3) "
                "- (SELECT count(*) FROM hidden_entries h JOIN document_links c "
                "ON c.link_kind = $1 AND c.link_key = $2 AND c.kind = h.kind AND c.guild_id = 0 "
                "AND c.key = h.key WHERE h.guild_id = $3 AND NOT EXISTS (SELECT 1 FROM "
                "documents g WHERE g.kind = h.kind AND g.key = h.key AND g.guild_id = $3))"
            )
        async with self.read() as conn:
            return int(await conn.fetchval(sql, *params.values))

    async def names(
        self, kind: Kind, guild_id: int | None = None
    ) -> builtins.list[tuple[str, str]]:
        params = Params(kind.value)
        where = visible("n", scope(guild_id), params)
        async with self.read() as conn:
            rows = await conn.fetch(
                f"SELECT n.key, n.name FROM document_names n WHERE n.kind = $1 AND {where} "
                "ORDER BY n.key, n.position",
                *params.values,
            )
        return [(key, name) for key, name in rows]

    async def link_keys(self, link_kind: str, guild_id: int | None = None) -> builtins.list[str]:
        # Distinct keys by hopping through the index (one seek per key, not a scan of every
        # link), each kept when a row the guild sees has it.
        params = Params(link_kind)
        where = visible("l", scope(guild_id), params)
        async with self.read() as conn:
            rows = await conn.fetch(
                "WITH RECURSIVE k (link_key) AS ("
                "SELECT min(link_key) FROM document_links WHERE link_kind = $1 UNION ALL "
                "SELECT (SELECT min(link_key) FROM document_links "
                "WHERE link_kind = $1 AND link_key > k.link_key) FROM k "
                "WHERE k.link_key IS NOT NULL) "
                "SELECT k.link_key FROM k WHERE k.link_key IS NOT NULL AND EXISTS ("
                "SELECT 1 FROM document_links l WHERE l.link_kind = $1 "
                f"AND l.link_key = k.link_key AND {where}) ORDER BY k.link_key",
                *params.values,
            )
        return [key for (key,) in rows]

    # -- the in-memory store's loads (bot.store.cached) ---------------------------------------

    async def scope_documents(self, guild_id: int) -> Docs:
        """Every document stored in one scope exactly: the curated ones (0) or one guild's own,
        in no particular order."""
        return await self._read_page(
            "SELECT id, 0 AS sort, 0 AS tie FROM documents WHERE guild_id = $1", Params(guild_id)
        )

    async def scope_keys(self, kind: Kind, guild_id: int) -> builtins.list[str]:
        async with self.read() as conn:
            rows = await conn.fetch(
                "SELECT key FROM documents WHERE kind = $1 AND guild_id = $2 ORDER BY key",
                kind.value,
                guild_id,
            )
        return [key for (key,) in rows]

    async def hidden_keys(self, guild_id: int) -> builtins.list[tuple[Kind, str]]:
        """The curated entries one guild hid from itself."""
        async with self.read() as conn:
            rows = await conn.fetch(
                "SELECT kind, key FROM hidden_entries WHERE guild_id = $1", guild_id
            )
        return [(Kind(kind), key) for kind, key in rows]

    # -- random -------------------------------------------------------------------------------

    async def _census(
        self, conn: Connection, kind: Kind, guild: int, link: LinkRef
    ) -> tuple[int, int, builtins.list[str]]:
        """(visible total, the guild's own count, sorted keys of the curated rows it shadows)
        for one kind, or only those linked to ``link``, in one statement and without scans:
        counts come from ``document_counts`` or ``document_link_counts``, shadows from the
        guild's own rows and the curated entries it hid."""
        params = Params(kind.value)
        if link is None:
            counted = "FROM document_counts WHERE kind = $1"
        else:
            counted = (
                f"FROM document_link_counts WHERE link_kind = {params(link[0])} "
                f"AND link_key = {params(link[1])} AND kind = $1"
            )

        def count(guild_param: str) -> str:
            return f"(SELECT coalesce(sum(n), 0) {counted} AND guild_id = {guild_param})"

        if not guild:
            return int(await conn.fetchval(f"SELECT {count('0')}", *params.values)), 0, []
        g = params(guild)
        table, _, condition = in_scope(kind, link, params)
        shadows = (
            f"SELECT t.key FROM {table} t WHERE {condition} AND t.guild_id = 0 AND t.key IN "
            f"(SELECT o.key FROM documents o WHERE o.kind = $1 AND o.guild_id = {g} "
            f"UNION SELECT h.key FROM hidden_entries h WHERE h.kind = $1 AND h.guild_id = {g}) "
            "ORDER BY t.key"
        )
        row = await conn.fetchrow(
            f"SELECT {count('0')}, {count(g)}, {self.key_list(shadows)}", *params.values
        )
        assert row is not None
        curated, own, shadowed = int(row[0]), int(row[1]), sorted(self.keys_from(row[2]))
        return curated + own - len(shadowed), own, shadowed

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
        guild = scope(guild_id)
        async with self.snapshot() as conn:
            total, own, shadowed = await self._census(conn, kind, guild, link)
            if total <= 0:
                return None
            index = min(int(seed * total), total - 1)
            where, offset = (guild, index) if index < own else (0, index - own)
            if where == 0 and shadowed:
                # The nth unshadowed key lies within len(shadowed) rows after position nth:
                # read that window and walk it.
                params = Params()
                sql = self._keys_at(kind, 0, link, offset, len(shadowed) + 1, params)
                window = [key for (key,) in await conn.fetch(sql, *params.values)]
                key = nth_unshadowed(window, shadowed, f"{kind} at {offset}")
                docs = await self._page(
                    conn,
                    "SELECT id, 0 AS sort, 0 AS tie FROM documents "
                    "WHERE kind = $1 AND key = $2 AND guild_id = 0",
                    Params(kind.value, key),
                )
                return docs[0] if docs else None
            params = Params(kind.value, where)
            nth = self._keys_at(kind, where, link, offset, 1, params)
            docs = await self._page(
                conn,
                "SELECT id, 0 AS sort, 0 AS tie FROM documents WHERE kind = $1 AND guild_id = $2 "
                f"AND key = ({nth})",
                params,
            )
        return docs[0] if docs else None
