"""What every reading use case needs: the store, sources read once, people, linked entries in
order, name resolution whose errors list what is recorded, and autocomplete that never offers a
choice answering "nothing recorded". ``FactService`` (``bot.core.reading.service``) builds on it."""

from __future__ import annotations

import random
from collections.abc import Iterable
from enum import StrEnum
from typing import TypeVar

from pydantic import BaseModel

from bot.core.dataset import DatasetVersion
from bot.core.dates import plural
from bot.core.documents import from_document
from bot.core.errors import NotFound
from bot.core.i18n import _, name_in
from bot.core.labels import short_label, short_role, source_label
from bot.core.lookup import Candidate, best_matches, resolve
from bot.core.models import Country, Kind, Person, Source
from bot.core.ports import Store

__all__ = ["MAX_QUERY_LENGTH", "Completion", "ReadingBase"]

M = TypeVar("M", bound=BaseModel)
MAX_QUERY_LENGTH = 200


class Completion(StrEnum):
    """The options that offer autocomplete."""

    COUNTRY = "country"
    PERSON = "person"
    TOPIC = "topic"
    SOURCE = "source"


def _cited_ids(entries: Iterable[BaseModel]) -> set[str]:
    return {c.source for e in entries for c in getattr(e, "citations", [])}


class ReadingBase:
    """The store and the lookups the reading use cases share. ``guild_id`` scopes to curated
    plus that server's own entries; ``None`` means curated only."""

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

    async def _resolve_country(self, text: str, guild_id: int | None) -> str:
        """A country's slug; an unknown name lists the countries recorded, by status."""
        try:
            return resolve(text, await self._candidates(Kind.COUNTRY, guild_id), what="country")
        except NotFound as error:
            countries = [
                from_document(d, Country) for d in await self._store.list(Kind.COUNTRY, guild_id)
            ]
            groups = []
            for status, noun in (
                ("member", _("Members: {names}.")),
                ("observer", _("Observers: {names}.")),
                ("dialogue_partner", _("Dialogue partners: {names}.")),
            ):
                names = sorted(
                    name_in(c.name, c.names, c.aliases)
                    for c in countries
                    if c.status.value == status
                )
                if names:
                    groups.append(noun.format(names=_(", ").join(names)))
            error.hint = " ".join(groups) or None
            raise

    async def topics(self, guild_id: int | None = None) -> list[str]:
        return await self._store.link_keys("topic", guild_id)

    async def quote_counts(self, guild_id: int | None = None) -> dict[str, int]:
        """How many quotes each person has, most first (people without quotes are absent)."""
        counts: dict[str, int] = {}
        for doc in await self._store.list(Kind.QUOTE, guild_id, limit=10_000):
            person = str(doc.data.get("person", ""))
            counts[person] = counts.get(person, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    async def _quoted_hint(self, guild_id: int | None) -> str:
        counts = await self.quote_counts(guild_id)
        names: dict[str, str] = {}
        for key, name in await self._store.names(Kind.PERSON, guild_id):
            names.setdefault(key, name)  # the first name is the display name
        shown = [names[slug] for slug in counts if slug in names][:8]
        if not shown:
            return ""
        return _("People with quotes: {names}.").format(names=_(", ").join(shown))

    async def _resolve_person(self, text: str, guild_id: int | None) -> str:
        """A person's slug; an unknown name offers the people with quotes."""
        try:
            return resolve(text, await self._candidates(Kind.PERSON, guild_id), what="person")
        except NotFound as error:
            error.hint = await self._quoted_hint(guild_id) or None
            raise

    async def complete(
        self, option: Completion, text: str, guild_id: int | None = None, *, limit: int = 25
    ) -> list[Candidate]:
        """Autocomplete choices: (value, display name) pairs, best first, at most ``limit``."""
        if option is Completion.SOURCE:
            sources = list((await self.all_sources()).values())
            labels = [(s, source_label(s, s.id)) for s in sources]
            cands = [Candidate(s.id, x if len(x) <= 100 else short_label(x)) for s, x in labels]
            cands += [Candidate(s.id, s.title) for s in sources if s.title]
            cands += [Candidate(s.id, s.id) for s in sources]
        elif option is Completion.TOPIC:
            cands = [Candidate(t, t.replace("-", " ")) for t in await self.topics(guild_id)]
        elif option is Completion.PERSON:
            return await self._complete_person(text, guild_id, limit)
        else:
            cands = await self._candidates(Kind.COUNTRY, guild_id)
        ranked = best_matches(text[:MAX_QUERY_LENGTH], cands, limit=limit)
        display = {c.key: c.name for c in reversed(cands)}  # first-listed name wins
        return [Candidate(c.key, display.get(c.key, c.name)) for c in ranked]

    async def _complete_person(
        self, text: str, guild_id: int | None, limit: int
    ) -> list[Candidate]:
        """People who have quotes (no choice answers "nothing recorded"), most quotes first
        when nothing is typed; the label gives the role and the count."""
        counts = await self.quote_counts(guild_id)
        cands = [c for c in await self._candidates(Kind.PERSON, guild_id) if c.key in counts]
        if text.strip():
            keys = [c.key for c in best_matches(text[:MAX_QUERY_LENGTH], cands, limit=limit)]
        else:
            keys = [k for k in counts if any(c.key == k for c in cands)][:limit]
        people = await self._people(keys, guild_id)
        sources = await self.all_sources()
        out = []
        for key in keys:
            person = people.get(key)
            if person is None:
                continue
            role = short_role(person, sources)
            label = f"{person.name} · {role} ({plural(counts[key], 'quote')})"
            if len(label) > 100:
                label = f"{person.name} ({plural(counts[key], 'quote')})"
            out.append(Candidate(key, label))
        return out
