"""The use cases the adapters call. Each method validates its input, asks the store and
returns an answer from ``bot.core.reading.answers``; failures are typed errors from
``bot.core.errors``.
"""

from __future__ import annotations

from bot.core.documents import from_document
from bot.core.errors import Invalid, NotFound
from bot.core.i18n import N_, _
from bot.core.lookup import MENTION, Candidate, check_name_input, resolve, search_terms
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
from bot.core.reading._base import MAX_QUERY_LENGTH, Completion, ReadingBase
from bot.core.reading._ranking import order_facts, order_quotes
from bot.core.reading.answers import (
    AboutAnswer,
    Ask,
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

__all__ = [
    "MAX_QUERY_LENGTH",
    "SEARCH_LIMIT",
    "Completion",
    "FactService",
    "search_terms",
]

SEARCH_LIMIT = 25
# Linked entries are read whole up to these counts and ordered here (``bot.core.reading._ranking``):
# best first needs them all; the pager shows them a page at a time.
FACTS_SHOWN = 300
QUOTES_SHOWN = 200
PERSON_QUOTES_SHOWN = 300


class FactService(ReadingBase):
    """Read-side use cases over one ``Store``. ``guild_id`` scopes to curated plus that
    server's own entries; ``None`` means curated only."""

    async def answer(self, ask: Ask, guild_id: int | None = None) -> object:
        """The answer ``ask`` names again (a button or menu pressed any time later)."""
        argument = ask.argument or None
        match ask.command:
            case "member":
                return await self.member(argument, guild_id)
            case "summit":
                return await self.summit(int(argument) if argument else None, guild_id)
            case "quote":
                return await self.quote(argument, guild_id)
            case "quoteid":
                return await self.quote_answer(ask.argument, guild_id)
            case "search":
                return await self.search(ask.argument, guild_id)
            case "fact":
                return await self.fact_answer(ask.argument, None, guild_id)
            case "source":
                return await self.source(argument, guild_id)
        return await self.about(guild_id)

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
                members=members,
                sizes=sizes,
                sources=await self._sources([*members, *sizes]),
                ask=Ask("member"),
            )
        slug = await self._resolve_country(country, guild_id)
        doc = await self._store.get(Kind.COUNTRY, slug, guild_id)
        if doc is None:  # names and documents disagree: treat as not found, never guess
            raise NotFound(
                _("No {what} called “{text}” is recorded.").format(
                    what=_("country"), text=country.strip()
                )
            )
        found = from_document(doc, Country)
        more: list[bool] = []
        link = ("country", slug)
        facts = await self._linked(Kind.FACT, Fact, link, guild_id, FACTS_SHOWN, more)
        facts = order_facts(facts, "country", slug)
        quotes = await self._linked(Kind.QUOTE, Quote, link, guild_id, QUOTES_SHOWN, more)
        quotes = order_quotes(quotes, "country", slug)
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
            ask=Ask("member", slug),
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
            return SummitListAnswer(
                summits=summits, sources=await self._sources(summits), ask=Ask("summit")
            )
        if not 1990 <= year <= 2100:
            raise Invalid(
                _("{year} is not a plausible summit year; the SCO dates from 2001.").format(
                    year=year
                )
            )
        doc = await self._store.get(Kind.SUMMIT, str(year), guild_id)
        if doc is None:
            recorded = await self.summit_years(guild_id)
            raise NotFound(
                _("Nothing is recorded about a summit in {year}.").format(year=year),
                hint=_("Summits recorded: {years}.").format(
                    years=_(", ").join(str(y) for y in recorded)
                ),
            )
        found = from_document(doc, Summit)
        more: list[bool] = []
        link = ("summit", str(year))
        facts = await self._linked(Kind.FACT, Fact, link, guild_id, FACTS_SHOWN, more)
        quotes = await self._linked(Kind.QUOTE, Quote, link, guild_id, QUOTES_SHOWN, more)
        return SummitAnswer(
            summit=found,
            facts=order_facts(facts, "summit", str(year)),
            quotes=order_quotes(quotes, "summit", str(year)),
            speakers=await self._people((q.person for q in quotes), guild_id),
            sources=await self._sources([found, *facts, *quotes]),
            more=any(more),
            ask=Ask("summit", str(year)),
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
                raise NotFound(N_("No quotes are recorded yet."))
            return await self.quote_answer(doc.key, guild_id)
        slug = await self._resolve_person(person, guild_id)
        people = await self._people([slug], guild_id)
        if slug not in people:
            raise NotFound(
                _("No {what} called “{text}” is recorded.").format(
                    what=_("person"), text=person.strip()
                )
            )
        more: list[bool] = []
        link = ("person", slug)
        quotes = await self._linked(Kind.QUOTE, Quote, link, guild_id, PERSON_QUOTES_SHOWN, more)
        quotes = [q for q in quotes if q.person == slug]
        if not quotes:
            raise NotFound(
                _("The sources record no quotes from {name}.").format(name=people[slug].name),
                hint=_("Try `/search {name}` for what they say about them.").format(
                    name=people[slug].name
                )
                + " "
                + await self._quoted_hint(guild_id),
            )
        return QuoteAnswer(
            person=people[slug],
            quotes=order_quotes(quotes, "person", slug),
            sources=await self._sources([people[slug], *quotes]),
            more=any(more),
            ask=Ask("quote", slug),
        )

    async def quote_answer(self, key: str, guild_id: int | None = None) -> QuoteAnswer:
        """The answer showing quote ``key`` alone: as with ``fact_answer``, the pick is random
        but the answer for one quote is not, so the answer cache keeps it."""
        doc = await self._store.get(Kind.QUOTE, key, guild_id)
        if doc is None:
            raise NotFound(N_("That quote is no longer recorded."))
        picked = from_document(doc, Quote)
        speaker = await self._people([picked.person], guild_id)
        if picked.person not in speaker:
            raise NotFound(N_("That quote's speaker is missing from the store."))
        return QuoteAnswer(
            person=speaker[picked.person],
            quotes=[picked],
            random_pick=True,
            sources=await self._sources([picked, speaker[picked.person]]),
            ask=Ask("quoteid", picked.id),
        )

    # -- /search -----------------------------------------------------------------------------

    async def search(self, query: str, guild_id: int | None = None) -> SearchAnswer:
        text = query.strip()
        if len(text) > MAX_QUERY_LENGTH:
            raise Invalid(
                _("That search is {length} characters long; keep it under {limit}.").format(
                    length=len(text), limit=MAX_QUERY_LENGTH
                )
            )
        if MENTION.search(text):
            raise Invalid(N_("Searches can't contain Discord mentions. Type the words instead."))
        terms = search_terms(text)
        if not terms:
            raise Invalid(
                N_("Give at least one word or number to search for, e.g. `/search railway`.")
            )
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
            ask=Ask("search", " ".join(terms)),
        )

    # -- /fact -------------------------------------------------------------------------------

    async def fact(
        self, topic: str | None = None, guild_id: int | None = None, *, seed: float | None = None
    ) -> FactAnswer:
        link: tuple[str, str] | None = None
        chosen: str | None = None
        if topic is not None and topic.strip():
            topics = await self.topics(guild_id)
            names = [Candidate(t, t.replace("-", " ")) for t in topics]
            try:
                chosen = resolve(topic, names, what="topic")
            except NotFound as error:
                error.hint = _("Topics: {topics}.").format(
                    topics=_(", ").join(t.replace("-", " ") for t in topics)
                )
                raise
            link = ("topic", chosen)
        pick = self._rng.random() if seed is None else seed
        doc = await self._store.random(Kind.FACT, guild_id, link=link, seed=pick)
        if doc is None:
            raise NotFound(N_("No facts are recorded yet."))
        return await self.fact_answer(doc.key, chosen, guild_id)

    async def fact_answer(
        self, key: str, topic: str | None = None, guild_id: int | None = None
    ) -> FactAnswer:
        """The answer showing fact ``key``: the pick is random, the answer for a fact is not,
        so the answer cache keeps it (and the rendered reply with it) for the next time the
        same fact is drawn."""
        doc = await self._store.get(Kind.FACT, key, guild_id)
        if doc is None:
            raise NotFound(N_("That fact is no longer recorded."))
        found = from_document(doc, Fact)
        return FactAnswer(
            fact=found,
            topic=topic,
            people=await self._people(found.people, guild_id),
            sources=await self._sources([found]),
            ask=Ask("fact", found.id),
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
            return SourceListAnswer(cited_counts=counts, sources=all_sources, ask=Ask("source"))
        check_name_input(source_id, "source")
        candidates = [Candidate(s.id, s.id) for s in all_sources.values()]
        candidates += [Candidate(s.id, s.title) for s in all_sources.values() if s.title]
        candidates += [Candidate(s.id, s.label) for s in all_sources.values() if s.label]
        try:
            sid = resolve(source_id, candidates, what="source")
        except NotFound as error:
            error.hint = _("Sources: {sources}.").format(
                sources=_(", ").join(f"`/source {k}`" for k in all_sources)
            )
            raise
        examples: list[Fact | Quote] = []
        for kind, model in ((Kind.FACT, Fact), (Kind.QUOTE, Quote)):
            docs = await self._store.linked(kind, "source", sid, guild_id, limit=3)
            examples += [from_document(d, model) for d in docs]  # type: ignore[misc]
        return SourceAnswer(
            source=all_sources[sid],
            cited_counts={sid: await self._store.count_linked("source", sid, guild_id)},
            examples=examples,
            sources=all_sources,
            ask=Ask("source", sid),
        )

    # -- /about and autocomplete -------------------------------------------------------------

    async def about(self, guild_id: int | None = None) -> AboutAnswer:
        counts = {k.value: await self._store.count(k, guild_id) for k in Kind}
        return AboutAnswer(counts=counts, dataset=self.dataset)


def _hit(doc: Document) -> SearchHit:
    model = MODEL_BY_KIND[doc.kind]
    entry = model.model_validate(doc.data)
    assert isinstance(entry, (Fact, Quote, Country, Summit, Person, SizeClaim, Source))
    return SearchHit(kind=doc.kind.value, key=doc.key, title=doc.title, entry=entry)
