"""What a server's digest shows on a day: which fact (the next of the server's rotation,
``bot.core.digest._rotation``, over the shared keys read again now and then) and the post's
answer around it (the fact's people, a related quote and its speaker, the sources cited).
``bot.core.digest.service.DigestService`` decides when to post; this part, what.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import date, datetime, timedelta

from bot.core.digest._rotation import RotationIndex
from bot.core.digest.answers import DigestAnswer
from bot.core.documents import from_document
from bot.core.models import Document, Fact, Kind, Person, Quote, Source
from bot.core.ports import Clock, Store
from bot.core.ports_digest import DigestStore

__all__ = ["INDEX_TTL", "MAX_SKIPS", "FactPicker"]

log = logging.getLogger("bot.core.digest.service")  # the digest's one logger, as before the split

INDEX_TTL = timedelta(minutes=10)
"""How long the shared keys in rotation are trusted before they are read again (sooner when
their count changes)."""
MAX_SKIPS = 100
"""Keys in a row ``pick`` passes over (retired or hidden since read) before giving up."""


class FactPicker:
    """Picks the digest's fact of a server and builds the post's answer around it."""

    def __init__(self, digests: DigestStore, store: Store, clock: Clock) -> None:
        self._digests = digests
        self._store = store
        self._clock = clock
        self._index: RotationIndex | None = None
        self._index_at: datetime | None = None
        self._index_count = -1
        self._index_lock = asyncio.Lock()

    async def _rotation(self) -> RotationIndex:
        """The shared (curated) keys in rotation, read again when their count changes or
        after ``INDEX_TTL``; the hashing runs in a thread (100,000 keys take ~0.1 s)."""
        async with self._index_lock:
            now = self._clock.now()
            count = await self._store.count(Kind.FACT)
            stale = self._index_at is None or now - self._index_at > INDEX_TTL
            if self._index is None or stale or count != self._index_count:
                keys = await self._store.scope_keys(Kind.FACT, 0)
                self._index = await asyncio.to_thread(RotationIndex, keys)
                self._index_at, self._index_count = now, count
            return self._index

    async def pick(self, guild_id: int, cycle: int) -> tuple[str, int, Document] | None:
        """The next fact of the server's rotation (key, cycle, document), moving on to the next
        cycle when this one is complete; None when there is nothing to post."""
        index = await self._rotation()
        own = await self._store.scope_keys(Kind.FACT, guild_id)
        skipped: set[str] = set()
        new_cycle = False
        for _skip in range(MAX_SKIPS):
            posted = await self._digests.posted_keys(guild_id, cycle) if not new_cycle else set()
            key = index.next_key(guild_id, cycle, posted | skipped, own)
            if key is None:
                if new_cycle or not (posted - skipped):
                    return None  # nothing (visible) to post at all
                cycle, new_cycle, skipped = cycle + 1, True, set()
                continue
            doc = await self._store.get(Kind.FACT, key, guild_id)
            if doc is not None:
                return key, cycle, doc
            skipped.add(key)  # retired since the keys were read, or hidden in this server
            self._index_at = None
        log.warning("digest of guild %s: %d facts in a row were not visible", guild_id, MAX_SKIPS)
        return None

    async def answer(
        self, guild_id: int, day: date, doc: Document, *, preview: bool = False
    ) -> DigestAnswer:
        fact = from_document(doc, Fact)
        people = await self._people(fact.people, guild_id)
        quote = await self._related_quote(fact, guild_id, day)
        speaker = None
        if quote is not None:
            speaker = (await self._people([quote.person], guild_id)).get(quote.person)
        cited = {c.source for entry in (fact, quote) if entry for c in entry.citations}
        sources = {
            s.id: s
            for s in (from_document(d, Source) for d in await self._store.list(Kind.SOURCE))
            if s.id in cited
        }
        return DigestAnswer(day, fact, people, quote, speaker, sources, preview)

    async def _people(self, slugs: list[str], guild_id: int) -> dict[str, Person]:
        people = {}
        for slug in dict.fromkeys(slugs):
            doc = await self._store.get(Kind.PERSON, slug, guild_id)
            if doc is not None:
                people[slug] = from_document(doc, Person)
        return people

    async def _related_quote(self, fact: Fact, guild_id: int, day: date) -> Quote | None:
        """A quote sharing the fact's people, else its countries, else its topics; the same
        one all day (chosen by the server and the date)."""
        for link_kind, keys in (
            ("person", fact.people),
            ("country", fact.countries),
            ("topic", fact.topics),
        ):
            found: dict[str, Document] = {}
            for key in keys:
                for doc in await self._store.linked(Kind.QUOTE, link_kind, key, guild_id):
                    found.setdefault(doc.key, doc)
            if found:
                seed = hashlib.blake2b(f"{guild_id}:{day}".encode(), digest_size=8).digest()
                chosen = sorted(found)[int.from_bytes(seed, "big") % len(found)]
                return from_document(found[chosen], Quote)
        return None
