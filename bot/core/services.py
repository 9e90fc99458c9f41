"""The use cases the adapters call. Each method validates its input, asks the store and
returns an answer from ``bot.core.answers``; failures are typed errors from ``bot.core.errors``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from enum import StrEnum
from typing import TypeVar

from pydantic import BaseModel

from bot.core.answers import (
    AboutAnswer,
    CountryAnswer,
    FactAnswer,
    MembershipAnswer,
    QuoteAnswer,
    SearchAnswer,
    SearchHit,
    SourceAnswer,
    SourceListAnswer,
    SummitAnswer,
    SummitListAnswer,
)
from bot.core.dataset import DatasetVersion
from bot.core.documents import from_document
from bot.core.errors import Invalid, NotFound
from bot.core.lookup import MENTION, Candidate, best_matches, check_name_input, resolve
from bot.core.models import (
    MODEL_BY_KIND,
    Country,
    Document,
    Fact,
    Kind,
    Person,
    Quote,
    SizeClaim,
    Source,
    Summit,
)
from bot.core.ports import Store

__all__ = [
    "ADD_HINT",
    "MAX_QUERY_LENGTH",
    "SEARCH_LIMIT",
    "Completion",
    "FactService",
    "search_terms",
]

M = TypeVar("M", bound=BaseModel)

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
SEARCH_LIMIT = 25
# How many linked entries an answer shows at most (pages of eight); past that the answer says
# more are recorded and points at /search, which keeps every call cheap on a large store.
FACTS_SHOWN = 32
QUOTES_SHOWN = 16
PERSON_QUOTES_SHOWN = 96
ADD_HINT = "Moderators can add a sourced entry with `/entry add`."
_WORD = re.compile(r"\w+", re.UNICODE)


class Completion(StrEnum):
    """The options that offer autocomplete."""

    COUNTRY = "country"
    PERSON = "person"
    TOPIC = "topic"
    SOURCE = "source"


def search_terms(query: str) -> list[str]:
    """Split user text into plain words. Operators, quotes and punctuation are not syntax here:
    ``NEAR(a b)`` searches the words ``NEAR``, ``a`` and ``b``."""
    return list(dict.fromkeys(_WORD.findall(query)))[:MAX_TERMS]


def _add_hint(guild_id: int | None) -> str:
    """How to add what is missing: only where a server installed the bot (in DMs and in servers
    where only a user's own install answers there are no server entries to add)."""
    return ADD_HINT if guild_id is not None else ""


def _cited_ids(entries: Iterable[BaseModel]) -> set[str]:
    return {c.source for e in entries for c in getattr(e, "citations", [])}


class FactService:
    """Read-side use cases over one ``Store``. ``guild_id`` scopes to curated plus that
    server's own entries; ``None`` means curated only."""

    def __init__(
        self,
        store: Store,
        *,
        rng: random.Random | None = None,
        dataset: DatasetVersion | None = None,
    ) -> None:
        self._store = store
        self.dataset = dataset
        self._rng = rng or random.Random()
        self._source_cache: dict[str, Source] | None = None

    # -- helpers -----------------------------------------------------------------------------

    async def all_sources(self) -> dict[str, Source]:
        """Every source document, by id.

        Sources are curated only and change only when the curated store is loaded, which
        happens before the services are built, so reading them once per process is safe.
        """
        if self._source_cache is None:
            docs = await self._store.list(Kind.SOURCE)
            self._source_cache = {s.id: s for s in (from_document(d, Source) for d in docs)}
        return self._source_cache

    async def _sources(self, entries: Iterable[BaseModel]) -> dict[str, Source]:
        wanted = _cited_ids(entries)
        return {sid: s for sid, s in (await self.all_sources()).items() if sid in wanted}

    async def _people(self, slugs: Iterable[str], guild_id: int | None) -> dict[str, Person]:
        people: dict[str, Person] = {}
        for slug in dict.fromkeys(slugs):
            doc = await self._store.get(Kind.PERSON, slug, guild_id)
            if doc is not None:
                people[slug] = from_document(doc, Person)
        return people

    async def _linked(
        self,
        kind: Kind,
        model: type[M],
        link: tuple[str, str],
        guild_id: int | None,
        limit: int,
        more: list[bool],
    ) -> list[M]:
        """Up to ``limit`` entries linked to ``link``; appends to ``more`` whether any were
        left out (one extra is fetched to know)."""
        docs = await self._store.linked(kind, link[0], link[1], guild_id, limit=limit + 1)
        more.append(len(docs) > limit)
        return [from_document(d, model) for d in docs[:limit]]

    async def _candidates(self, kind: Kind, guild_id: int | None) -> list[Candidate]:
        return [Candidate(k, n) for k, n in await self._store.names(kind, guild_id)]

    async def _resolve(self, kind: Kind, text: str, what: str, guild_id: int | None) -> str:
        return resolve(text, await self._candidates(kind, guild_id), what=what)

    # -- /member -----------------------------------------------------------------------------

    async def member(
        self, country: str | None = None, guild_id: int | None = None
    ) -> CountryAnswer | MembershipAnswer:
        if country is None or not country.strip():
            docs = await self._store.list(Kind.COUNTRY, guild_id)
            members = sorted(
                (from_document(d, Country) for d in docs),
                key=lambda c: (not c.founding_member, c.joined_year or 9999, c.name),
            )
            sizes = sorted(
                (from_document(d, SizeClaim) for d in await self._store.list(Kind.SIZE, guild_id)),
                key=lambda s: (s.as_of, s.later_same_day),
                reverse=True,
            )
            return MembershipAnswer(
                members=members, sizes=sizes, sources=await self._sources([*members, *sizes])
            )
        slug = await self._resolve(Kind.COUNTRY, country, "country", guild_id)
        doc = await self._store.get(Kind.COUNTRY, slug, guild_id)
        if doc is None:  # names and documents disagree: treat as not found, never guess
            raise NotFound(
                f"No country called “{country.strip()}” is recorded.", hint=_add_hint(guild_id)
            )
        found = from_document(doc, Country)
        more: list[bool] = []
        link = ("country", slug)
        facts = await self._linked(Kind.FACT, Fact, link, guild_id, FACTS_SHOWN, more)
        quotes = await self._linked(Kind.QUOTE, Quote, link, guild_id, QUOTES_SHOWN, more)
        summits = await self._linked(Kind.SUMMIT, Summit, link, guild_id, QUOTES_SHOWN, more)
        for year in sorted({y for f in facts for y in f.summits}):
            if all(s.year != year for s in summits):
                summit_doc = await self._store.get(Kind.SUMMIT, str(year), guild_id)
                if summit_doc is not None:
                    summits.append(from_document(summit_doc, Summit))
        summits.sort(key=lambda s: s.year)
        return CountryAnswer(
            country=found,
            facts=facts,
            quotes=quotes,
            summits=summits,
            speakers=await self._people((q.person for q in quotes), guild_id),
            sources=await self._sources([found, *facts, *quotes, *summits]),
            more=any(more),
        )

    # -- /summit -----------------------------------------------------------------------------

    async def summit(
        self, year: int | None = None, guild_id: int | None = None
    ) -> SummitAnswer | SummitListAnswer:
        if year is None:
            summits = [
                from_document(d, Summit) for d in await self._store.list(Kind.SUMMIT, guild_id)
            ]
            summits.sort(key=lambda s: s.year)
            return SummitListAnswer(summits=summits, sources=await self._sources(summits))
        if not 1990 <= year <= 2100:
            raise Invalid(f"{year} is not a plausible summit year; the SCO dates from 2001.")
        doc = await self._store.get(Kind.SUMMIT, str(year), guild_id)
        if doc is None:
            recorded = await self.summit_years(guild_id)
            raise NotFound(
                f"Nothing is recorded about a summit in {year}.",
                suggestions=[str(y) for y in recorded],
                hint=f"The suggestions are the recorded years. {_add_hint(guild_id)}".strip(),
            )
        found = from_document(doc, Summit)
        more: list[bool] = []
        link = ("summit", str(year))
        facts = await self._linked(Kind.FACT, Fact, link, guild_id, FACTS_SHOWN, more)
        quotes = await self._linked(Kind.QUOTE, Quote, link, guild_id, QUOTES_SHOWN, more)
        return SummitAnswer(
            summit=found,
            facts=facts,
            quotes=quotes,
            speakers=await self._people((q.person for q in quotes), guild_id),
            sources=await self._sources([found, *facts, *quotes]),
            more=any(more),
        )

    async def summit_years(self, guild_id: int | None = None) -> list[int]:
        """Every year with a recorded summit, ascending."""
        names = await self._store.names(Kind.SUMMIT, guild_id)
        return sorted({int(key) for key, _ in names if key.isdigit()})

    # -- /quote ------------------------------------------------------------------------------

    async def quote(self, person: str | None = None, guild_id: int | None = None) -> QuoteAnswer:
        if person is None or not person.strip():
            doc = await self._store.random(Kind.QUOTE, guild_id, seed=self._rng.random())
            if doc is None:
                raise NotFound("No quotes are recorded yet.", hint=_add_hint(guild_id))
            picked = from_document(doc, Quote)
            speaker = await self._people([picked.person], guild_id)
            if picked.person not in speaker:
                raise NotFound(
                    "That quote's speaker is missing from the store.", hint=_add_hint(guild_id)
                )
            return QuoteAnswer(
                person=speaker[picked.person],
                quotes=[picked],
                random_pick=True,
                sources=await self._sources([picked, speaker[picked.person]]),
            )
        slug = await self._resolve(Kind.PERSON, person, "person", guild_id)
        people = await self._people([slug], guild_id)
        if slug not in people:
            raise NotFound(
                f"No person called “{person.strip()}” is recorded.", hint=_add_hint(guild_id)
            )
        more: list[bool] = []
        link = ("person", slug)
        quotes = await self._linked(Kind.QUOTE, Quote, link, guild_id, PERSON_QUOTES_SHOWN, more)
        quotes = [q for q in quotes if q.person == slug]
        if not quotes:
            raise NotFound(
                f"The sources record no quotes from {people[slug].name}.",
                hint=f"Try `/search {people[slug].name}` for what they say about them. "
                f"{_add_hint(guild_id)}".strip(),
            )
        quotes.sort(key=lambda q: (q.kind != "direct", q.id))
        return QuoteAnswer(
            person=people[slug],
            quotes=quotes,
            sources=await self._sources([people[slug], *quotes]),
            more=any(more),
        )

    # -- /search -----------------------------------------------------------------------------

    async def search(self, query: str, guild_id: int | None = None) -> SearchAnswer:
        text = query.strip()
        if len(text) > MAX_QUERY_LENGTH:
            raise Invalid(
                f"That search is {len(text)} characters long; keep it under {MAX_QUERY_LENGTH}."
            )
        if MENTION.search(text):
            raise Invalid("Searches can't contain Discord mentions. Type the words instead.")
        terms = search_terms(text)
        if not terms:
            raise Invalid("Give at least one word or number to search for, e.g. `/search railway`.")
        page = await self._store.search(terms, guild_id, limit=SEARCH_LIMIT)
        hits = [_hit(d) for d in page.hits]
        speakers = await self._people(
            (h.entry.person for h in hits if isinstance(h.entry, Quote)), guild_id
        )
        return SearchAnswer(
            query=text,
            terms=terms,
            total=page.total,
            hits=hits,
            speakers=speakers,
            sources=await self._sources(h.entry for h in hits),
            server_entries=guild_id is not None,
        )

    # -- /fact -------------------------------------------------------------------------------

    async def topics(self, guild_id: int | None = None) -> list[str]:
        return await self._store.link_keys("topic", guild_id)

    async def fact(
        self, topic: str | None = None, guild_id: int | None = None, *, seed: float | None = None
    ) -> FactAnswer:
        link: tuple[str, str] | None = None
        chosen: str | None = None
        if topic is not None and topic.strip():
            names = [Candidate(t, t.replace("-", " ")) for t in await self.topics(guild_id)]
            chosen = resolve(topic, names, what="topic")
            link = ("topic", chosen)
        pick = self._rng.random() if seed is None else seed
        doc = await self._store.random(Kind.FACT, guild_id, link=link, seed=pick)
        if doc is None:
            raise NotFound("No facts are recorded yet.", hint=_add_hint(guild_id))
        found = from_document(doc, Fact)
        return FactAnswer(
            fact=found,
            topic=chosen,
            people=await self._people(found.people, guild_id),
            sources=await self._sources([found]),
        )

    # -- /source -----------------------------------------------------------------------------

    async def source(
        self, source_id: str | None = None, guild_id: int | None = None
    ) -> SourceAnswer | SourceListAnswer:
        all_sources = await self.all_sources()
        if source_id is None or not source_id.strip():
            counts = {
                sid: await self._store.count_linked("source", sid, guild_id) for sid in all_sources
            }
            return SourceListAnswer(cited_counts=counts, sources=all_sources)
        check_name_input(source_id, "source")
        candidates = [Candidate(s.id, s.id) for s in all_sources.values()]
        candidates += [Candidate(s.id, s.title) for s in all_sources.values() if s.title]
        sid = resolve(source_id, candidates, what="source")
        examples: list[Fact | Quote] = []
        for kind, model in ((Kind.FACT, Fact), (Kind.QUOTE, Quote)):
            docs = await self._store.linked(kind, "source", sid, guild_id, limit=3)
            examples += [from_document(d, model) for d in docs]  # type: ignore[misc]
        return SourceAnswer(
            source=all_sources[sid],
            cited_counts={sid: await self._store.count_linked("source", sid, guild_id)},
            examples=examples,
            sources=all_sources,
        )

    # -- /about and autocomplete -------------------------------------------------------------

    async def about(self, guild_id: int | None = None) -> AboutAnswer:
        counts = {k.value: await self._store.count(k, guild_id) for k in Kind}
        return AboutAnswer(counts=counts, dataset=self.dataset)

    async def complete(
        self, option: Completion, text: str, guild_id: int | None = None, *, limit: int = 25
    ) -> list[Candidate]:
        """Autocomplete choices: (value, display name) pairs, best first, at most ``limit``."""
        if option is Completion.SOURCE:
            sources = list((await self.all_sources()).values())
            cands = [Candidate(s.id, s.title or s.id) for s in sources]
            cands += [Candidate(s.id, s.id) for s in sources]
        elif option is Completion.TOPIC:
            cands = [Candidate(t, t.replace("-", " ")) for t in await self.topics(guild_id)]
        else:
            kind = Kind.COUNTRY if option is Completion.COUNTRY else Kind.PERSON
            cands = await self._candidates(kind, guild_id)
        ranked = best_matches(text[:MAX_QUERY_LENGTH], cands, limit=limit)
        display = {c.key: c.name for c in reversed(cands)}  # first-listed name wins
        return [Candidate(c.key, display.get(c.key, c.name)) for c in ranked]


def _hit(doc: Document) -> SearchHit:
    model = MODEL_BY_KIND[doc.kind]
    entry = model.model_validate(doc.data)
    assert isinstance(entry, (Fact, Quote, Country, Summit, Person, SizeClaim, Source))
    return SearchHit(kind=doc.kind.value, key=doc.key, title=doc.title, entry=entry)
