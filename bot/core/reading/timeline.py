"""/timeline: the summits the store records by year and place, and the membership's growth
(the founding members of 2001, later accessions with their years, the size claims with their
dates), drawn as a PNG.

Only what the store records with a source is drawn: an entry without citations is left out,
a member whose year the sources do not give is named beside the picture, never placed on it,
and no line joins two size claims (the sources say nothing of the years between). The picture
is drawn off the event loop (``asyncio.to_thread``) and cached by the dataset version, the
reader's language and a hash of what it shows, so it is drawn once per data version and
language (and per server whose own entries change it).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import OrderedDict
from collections.abc import Sequence

from bot.core.dataset import DatasetVersion
from bot.core.documents import from_document
from bot.core.i18n import current
from bot.core.models import Country, CountryStatus, Kind, SizeClaim, Summit
from bot.core.ports import Store
from bot.core.reading.answers import TimelineAnswer
from bot.core.reading.service import FactService

__all__ = ["CACHE_SIZE", "TimelineAnswer", "TimelineService"]

CACHE_SIZE = 16


def _cited(entries: Sequence[Summit | Country | SizeClaim]) -> list[Summit | Country | SizeClaim]:
    return [e for e in entries if e.citations]


def _key(version: str, answer_parts: dict[str, object]) -> str:
    text = json.dumps([version, answer_parts], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class TimelineService:
    """Gathers the timeline from the store and draws it, one picture per distinct content."""

    def __init__(
        self, store: Store, facts: FactService, dataset: DatasetVersion | None = None
    ) -> None:
        self._store = store
        self._facts = facts
        self._version = dataset.version if dataset else ""
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self.drawn = 0  # pictures drawn (not served from the cache) since start

    async def timeline(self, guild_id: int | None = None) -> TimelineAnswer:
        summits = [from_document(d, Summit) for d in await self._store.list(Kind.SUMMIT, guild_id)]
        countries = [
            from_document(d, Country) for d in await self._store.list(Kind.COUNTRY, guild_id)
        ]
        sizes = [from_document(d, SizeClaim) for d in await self._store.list(Kind.SIZE, guild_id)]
        summits = sorted((s for s in summits if s.citations), key=lambda s: s.year)
        members = [c for c in countries if c.citations and c.status is CountryStatus.MEMBER]
        founding = sorted((c for c in members if c.founding_member), key=lambda c: c.name)
        later = [c for c in members if not c.founding_member]
        accessions = sorted(
            (c for c in later if c.joined_year), key=lambda c: (c.joined_year, c.name)
        )
        undated = sorted((c for c in later if not c.joined_year), key=lambda c: c.name)
        counted = [
            s for s in sizes if s.citations and (s.member_states is not None or s.total is not None)
        ]
        counted.sort(key=lambda s: (s.as_of, s.later_same_day, s.id))
        drawn = {
            "summits": [[s.year, s.city] for s in summits],
            "founding": [[c.name, c.joined_year] for c in founding],
            "accessions": [[c.name, c.joined_year] for c in accessions],
            "undated": [c.name for c in undated],
            "sizes": [[s.as_of.isoformat(), s.member_states, s.total] for s in counted],
        }
        cited = _cited([*summits, *founding, *accessions, *undated, *counted])
        wanted = {c.source for e in cited for c in e.citations}
        sources = {sid: s for sid, s in (await self._facts.all_sources()).items() if sid in wanted}
        return TimelineAnswer(
            summits=summits,
            founding=founding,
            accessions=accessions,
            undated=undated,
            sizes=counted,
            sources=sources,
            version=self._version,
            key=_key(self._version, drawn),
        )

    async def picture(self, answer: TimelineAnswer) -> bytes:
        """The PNG of ``answer``: from the cache, or drawn in a worker thread."""
        key = f"{answer.key}:{current().code}"  # its words are in the reader's language
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        from bot.core.reading._timeline_chart import draw_timeline  # matplotlib loads on first use

        png = await asyncio.to_thread(draw_timeline, answer)
        self.drawn += 1
        self._cache[key] = png
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return png
