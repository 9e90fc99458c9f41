"""PostgreSQL's search: the ``tsvector`` column ``search`` (migration 0001), matched with
``phraseto_tsquery`` over ``search_words`` so that it finds the words SQLite's unicode61
tokenizer finds, and ranked with ``ts_rank`` (title words weighted ``TITLE_WEIGHT`` times body
words, where SQLite uses bm25: pages may order equal-looking hits differently). The base of
``bot.store.postgres.PostgresStore``.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.models import Kind
from bot.core.ports import SearchPage
from bot.store.common import SEARCH_COUNT_CAP, search_terms
from bot.store.common import scope as _scope
from bot.store.documents import SqlDocumentStore
from bot.store.documents_sql import Params, visible
from bot.store.postgres_sql import DOC_COLUMNS, RANK_WEIGHTS

__all__ = ["PostgresSearch"]


class PostgresSearch(SqlDocumentStore):
    """``search`` over the ``tsvector`` column; the rest of the dialect is ``PostgresStore``."""

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
        args = Params()
        query = " && ".join(
            f"phraseto_tsquery('search_config', search_words({args(word)}))" for word in words
        )
        where = visible("d", _scope(guild_id), args)
        matches = f"FROM documents d WHERE d.search @@ ({query}) AND {where}"
        if kinds is not None:
            matches += f" AND d.kind = ANY({args([Kind(k).value for k in kinds])}::text[])"
        cap = int(SEARCH_COUNT_CAP)  # a constant, not a parameter: each statement may omit it
        page = f"LIMIT {args(max(limit, 0))} OFFSET {args(max(offset, 0))}"
        ranked = (
            f"SELECT d.id, -ts_rank({RANK_WEIGHTS}, d.search, ({query})) AS sort, "
            f"(d.kind || ' ' || d.key) COLLATE \"C\" AS tie"
        )
        async with self.snapshot() as conn:
            # The count, and the page when the matches are fewer than the cap (the page's
            # filter on the count makes the planner skip it otherwise): one round trip.
            rows = await conn.fetch(
                f"WITH total AS MATERIALIZED (SELECT count(*) AS n FROM "
                f"(SELECT 1 {matches} LIMIT {cap}) AS c), "
                f"page AS ({ranked} {matches} AND (SELECT n FROM total) < {cap} "
                f"ORDER BY sort, tie {page}) "
                f"SELECT total.n, {DOC_COLUMNS} FROM total "
                "LEFT JOIN (page JOIN documents d ON d.id = page.id) ON true "
                "ORDER BY page.sort, page.tie",
                *args.values,
            )
            total = int(rows[0][0])
            hits = [self.document(row[1:]) for row in rows if row[1] is not None]
            if total >= SEARCH_COUNT_CAP and limit > 0:
                window = (
                    f"WITH w AS MATERIALIZED (SELECT d.id FROM documents d "
                    f"WHERE d.search @@ ({query}) ORDER BY d.id LIMIT {cap}) "
                )
                in_window = (
                    f"{window}{ranked} {matches} AND d.id IN (SELECT id FROM w) "
                    f"ORDER BY sort, tie {page}"
                )
                everything = f"{ranked} {matches} ORDER BY sort, tie {page}"
                hits = await self._capped_search_page(conn, in_window, everything, args, limit)
        return SearchPage(total=total, hits=hits)
