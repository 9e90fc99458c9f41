"""Best first: the order of the entries of an answer.

By the curated ``rank`` (1 = what a one-paragraph summary must say), then, for a country, its
membership and summit facts before anecdotes, then how directly the entry is linked to the
subject (the subject named first and alone before one of several), then newest first, then id
(a stable order for equal entries).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.models import Fact, Quote, QuoteKind

__all__ = ["order_facts", "order_quotes"]

CENTRAL_TOPICS = frozenset({"membership"})


def _directness(keys: Sequence[str], key: str) -> int:
    if not keys or key not in keys:
        return 3
    if len(keys) == 1:
        return 0
    return 1 if keys[0] == key else 2


def _fact_links(fact: Fact, link_kind: str) -> list[str]:
    if link_kind == "country":
        return list(fact.countries)
    if link_kind == "summit":
        return [str(y) for y in fact.summits]
    if link_kind == "person":
        return list(fact.people)
    return list(fact.topics)


def order_facts(facts: Sequence[Fact], link_kind: str, key: str) -> list[Fact]:
    def sort_key(fact: Fact) -> tuple[int, int, int, int, str]:
        central = 0 if CENTRAL_TOPICS & set(fact.topics) or fact.summits else 1
        if link_kind != "country":
            central = 0
        newest = -max(fact.summits, default=0)
        return (fact.rank, central, _directness(_fact_links(fact, link_kind), key), newest, fact.id)

    return sorted(facts, key=sort_key)


def order_quotes(quotes: Sequence[Quote], link_kind: str, key: str) -> list[Quote]:
    def links(quote: Quote) -> list[str]:
        if link_kind == "country":
            return list(quote.countries)
        if link_kind == "summit":
            return [str(quote.summit)] if quote.summit else []
        return [quote.person]

    def sort_key(quote: Quote) -> tuple[int, int, int, int, str]:
        direct = 0 if quote.kind is QuoteKind.DIRECT else 1
        return (quote.rank, direct, _directness(links(quote), key), -(quote.summit or 0), quote.id)

    return sorted(quotes, key=sort_key)
