"""Find sources: which sourced entries back the claims of any message.

Only the message's words are looked at: code blocks, inline code, links, mentions, custom
emoji, timestamps and markdown are stripped first, and at most ``MAX_CHARS`` characters are
read. The store's search matches documents holding *every* term it is given, so a whole
message would match nothing; instead each word is weighed by how rare it is in the store
(inverse document frequency from one count per word), the rarest words ("anchors") are searched
in pairs (and alone when very rare), and every document found is scored by the weight of the
message's words it contains. Only entries that match at least two of the message's words and
carry citations are kept, best first; when none do, the answer says plainly the store has
nothing on it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

from bot.core.documents import from_document
from bot.core.errors import Invalid
from bot.core.i18n import N_
from bot.core.models import MODEL_BY_KIND, Document, Kind, Person, Quote
from bot.core.ports import Store
from bot.core.reading.answers import SearchAnswer, SearchHit
from bot.core.reading.service import FactService

__all__ = [
    "MAX_CHARS",
    "FindSourcesAnswer",
    "SourceFinder",
    "claim_terms",
    "message_words",
]

MAX_CHARS = 4000  # Discord's longest message (Nitro); longer console input is cut here
MAX_TERMS = 40  # distinct words weighed per message
ANCHORS = 6  # the rarest words searched in pairs
RARE = 5  # an anchor in at most this many documents is also searched alone
SHOWN = 5  # matches shown: one page, each with its source
MIN_MATCHED = 2
PER_QUERY = 10
SOURCED = (Kind.FACT, Kind.QUOTE, Kind.SIZE, Kind.SUMMIT, Kind.COUNTRY, Kind.PERSON)

_CODE_BLOCK = re.compile(r"```.*?(?:```|$)", re.S)
_INLINE_CODE = re.compile(r"`[^`]*`")
_URL = re.compile(r"<?\b(?:https?|ftp)://[^\s>]+>?|\bwww\.[^\s>]+", re.I)
_MARKUP = re.compile(
    r"<(?:@[!&]?\d+|#\d+|a?:\w+:\d+|/[^:>]+:\d+|t:-?\d+(?::\w)?|id:\w+)>|@(?:everyone|here)\b"
)
_SPOILER_ETC = re.compile(r"[*_~|>#`\[\]()]")
_WORD = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"\s+")

# Words that say nothing about which entry is meant (English function words and a few that
# every entry shares, such as the organisation's own name).
_STOP = """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each even ever
    few for from further had has have having he her here hers herself him himself his how i if
    in into is it its itself just let like many may me might more most much must my myself no
    nor not now of off on once one only or other our ours ourselves out over own really said
    same say says she should since so some still such than that the their theirs them
    themselves then there these they this those through to too under until up upon us very
    was we were what when where which while who whom whose why will with would yes yet you
    your yours yourself yourselves did didn don doesn isn wasn aren weren won wouldn shouldn
    couldn ve ll re im ive dont thats lol ok okay hey hi know think thing things get got make
    made want wants going go goes went see seen look well way new old year years time times
    sco cooperation organization organisation org
    """
STOPWORDS = frozenset(_STOP.split())


def message_words(text: str) -> str:
    """The message's words only: code, links, mentions, emoji, timestamps and markdown gone."""
    text = text[:MAX_CHARS]
    for pattern in (_CODE_BLOCK, _INLINE_CODE, _URL, _MARKUP, _SPOILER_ETC):
        text = pattern.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def _stem(word: str) -> str:
    """A light English stem so that "members", "membership" meet "member" halfway."""
    for suffix in ("ships", "ship", "ings", "ing", "ies", "es", "ed", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def claim_terms(words: str) -> list[str]:
    """The distinct words worth looking up, in the order they appear: no stopwords, no single
    letters; numbers kept (``890``, ``2025``). A long message keeps the numbers and longest
    words first, up to ``MAX_TERMS``."""
    seen: dict[str, None] = {}
    for raw in _WORD.findall(words):
        word = raw.casefold().strip("_")
        if not word or word in STOPWORDS or (len(word) < 3 and not word.isdigit()):
            continue
        seen.setdefault(word, None)
    terms = list(seen)
    if len(terms) > MAX_TERMS:
        keep = set(sorted(terms, key=lambda w: (not w.isdigit(), -len(w)))[:MAX_TERMS])
        terms = [t for t in terms if t in keep]
    return terms


@dataclass(frozen=True)
class FindSourcesAnswer(SearchAnswer):
    """The best sourced matches for a message's claims: a search answer whose ``query`` is the
    message's words (shortened) and whose ``terms`` are the words that were looked up."""


def _doc_stems(doc: Document) -> set[str]:
    return {_stem(w.casefold()) for w in _WORD.findall(f"{doc.title} {doc.body}")}


class SourceFinder:
    """Finds the sourced entries a message's words point at (see the module's docstring)."""

    def __init__(self, store: Store, facts: FactService) -> None:
        self._store = store
        self._facts = facts

    async def find(self, text: str, guild_id: int | None = None) -> FindSourcesAnswer:
        words = message_words(text)
        terms = claim_terms(words)
        if not terms:
            raise Invalid(
                N_(
                    "That message has no words to look up: links, code, mentions and emoji are "
                    "left out, and so are words like “the” or “SCO” that every entry shares."
                )
            )
        weights, rare = await self._weights(terms, guild_id)
        found = await self._candidates(weights, rare, guild_id, single=len(terms) == 1)
        ranked = _rank(found.values(), weights, need=min(MIN_MATCHED, len(terms)))
        hits = [_hit(doc) for doc in ranked[:SHOWN]]
        speakers = await self._speakers(h.entry.person for h in hits if isinstance(h.entry, Quote))
        sources = await self._facts.all_sources()
        cited = {c.source for h in hits for c in getattr(h.entry, "citations", [])}
        return FindSourcesAnswer(
            query=words[:200],
            terms=terms,
            total=len(ranked),
            hits=hits,
            speakers=speakers,
            sources={sid: s for sid, s in sources.items() if sid in cited},
            server_entries=guild_id is not None,
        )

    async def _weights(
        self, terms: list[str], guild_id: int | None
    ) -> tuple[dict[str, float], set[str]]:
        """Each term the store knows, weighed by its rarity (idf), and the rare ones; terms
        in no document are dropped."""
        total = sum([await self._store.count(kind, guild_id) for kind in SOURCED]) or 1
        weights: dict[str, float] = {}
        rare: set[str] = set()
        for term in terms:
            df = (await self._store.search([term], guild_id, kinds=SOURCED, limit=0)).total
            if df:
                weights[term] = math.log(1 + total / df)
                if df <= RARE:
                    rare.add(term)
        return weights, rare

    async def _candidates(
        self, weights: dict[str, float], rare: set[str], guild_id: int | None, *, single: bool
    ) -> dict[tuple[Kind, str], Document]:
        anchors = sorted(weights, key=lambda t: (-weights[t], t))[:ANCHORS]
        queries: list[list[str]] = [list(pair) for pair in combinations(anchors, 2)]
        queries += [[t] for t in anchors if t in rare or single]
        found: dict[tuple[Kind, str], Document] = {}
        for query in queries:
            page = await self._store.search(query, guild_id, kinds=SOURCED, limit=PER_QUERY)
            for doc in page.hits:
                found.setdefault((doc.kind, doc.key), doc)
        return found

    async def _speakers(self, slugs: Iterable[str]) -> dict[str, Person]:
        people: dict[str, Person] = {}
        for slug in dict.fromkeys(slugs):
            doc = await self._store.get(Kind.PERSON, slug)
            if doc is not None:
                people[slug] = from_document(doc, Person)
        return people


def _rank(docs: Iterable[Document], weights: dict[str, float], *, need: int) -> list[Document]:
    """Documents holding at least ``need`` of the message's words (two, unless the message is
    one word), by the summed weight of the words they hold."""
    stems = {term: _stem(term) for term in weights}
    scored: list[tuple[float, int, str, Document]] = []
    for doc in docs:
        held = _doc_stems(doc)
        matched = [t for t, s in stems.items() if s in held]
        if len(matched) >= need:
            score = sum(weights[t] for t in matched)
            scored.append((-score, -len(matched), f"{doc.kind.value} {doc.key}", doc))
    scored.sort(key=lambda row: row[:3])
    return [row[3] for row in scored]


def _hit(doc: Document) -> SearchHit:
    entry = MODEL_BY_KIND[doc.kind].model_validate(doc.data)
    return SearchHit(kind=doc.kind.value, key=doc.key, title=doc.title, entry=entry)  # type: ignore[arg-type]
