"""Entries of an answer built from facts, quotes and summit highlights, and said once: a
highlight, a fact and a quote resting on the same excerpt become one item."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz, process

from bot.core.i18n import N_, _, name_in
from bot.core.labels import house_dates, short_role, short_text
from bot.core.models import Citation, Fact, Person, Quote, QuoteKind, Source, Summit
from bot.core.render.embeds import inert, provenance_line
from bot.core.render.pages import Entry

__all__ = [
    "REPORTED",
    "fact_entry",
    "highlight_entries",
    "house_dates",
    "one_each",
    "quote_entry",
    "short_role",
    "short_text",
]

REPORTED = N_("Reported (not their exact words)")  # the group heading, translated by _()
# Two statements are one item when their words (in any order) agree this much, or this less
# strict figure when they also rest on the same excerpt. Read off the curated summits: a
# highlight and the fact restating it score 80-97; different claims citing one long excerpt
# score 55-61.
SAME_TEXT = 85.0
SAME_EXCERPT_TEXT = 62.0


def _cites(citations: Sequence[Citation]) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    ids = tuple(dict.fromkeys(c.source for c in citations))
    return ids, tuple((c.source, c.excerpt) for c in citations)


def _added(entry: Fact | Quote) -> str:
    line = provenance_line(entry.added)
    return f"\n{line}" if line else ""


def fact_entry(fact: Fact) -> Entry:
    ids, excerpts = _cites(fact.citations)
    return Entry(inert(fact.text), ids, excerpts, tail=_added(fact).strip(), ref=("fact", fact.id))


# Words the curated contexts begin with that are capitalised only as a sentence's first word:
# after a name and role ("Igor Tur, Belarusian journalist, quoted in …") they are lower case.
_CAPITAL_ONLY_FIRST = frozenset(
    {"Quoted", "Told", "Column", "On", "At", "The", "Signed", "Meeting", "Congratulatory"}
)


def quote_entry(
    quote: Quote,
    speaker: Person | None,
    sources: dict[str, Source],
    *,
    name: bool = True,
) -> Entry:
    """A direct quote as a block quote with "— Name, role, occasion"; a reported statement
    under "Reported (not their exact words)", its ``lead`` before the verbatim fragment."""
    ids, excerpts = _cites(quote.citations)
    who = person_name(speaker) if speaker else quote.person.replace("-", " ").title()
    occasion = short_text(house_dates(quote.context), 80) if quote.context else ""
    named = occasion.startswith(who)  # "Xi Jinping's speech at …" names the speaker already
    parts = [who] if name and not named else []
    if name and speaker is not None and not named:
        parts.append(short_role(speaker, sources))
    if occasion:
        if parts and occasion.split(" ", 1)[0] in _CAPITAL_ONLY_FIRST:
            occasion = occasion[0].lower() + occasion[1:]  # "…, journalist, quoted in …"
        parts.append(occasion)
    if quote.kind is QuoteKind.DIRECT:
        if quote.form:
            parts.append(quote.form)
        tail = "— " + inert(", ".join(p for p in parts if p)) + _added(quote)
        return Entry(
            inert(quote.text), ids, excerpts, tail=tail, quote=True, ref=("quote", quote.id)
        )
    lead = f"{quote.lead} " if quote.lead else ""
    tail = ("— " + inert(", ".join(p for p in parts if p)) if parts else "") + _added(quote)
    text = inert(lead) + "…" * (not lead and quote.text[:1].islower()) + inert(quote.text)
    return Entry(text, ids, excerpts, tail=tail.strip(), group=_(REPORTED), ref=("quote", quote.id))


def highlight_entries(summit: Summit) -> list[Entry]:
    """A summit's highlights, each footnoted to the excerpt of the summit's citations that is
    closest to it in wording."""
    entries = []
    for highlight in summit.highlights:
        best = max(
            summit.citations,
            key=lambda c: fuzz.token_set_ratio(highlight.casefold(), c.excerpt.casefold()),
        )
        entries.append(Entry(inert(highlight), (best.source,), ((best.source, best.excerpt),)))
    return entries


_ESCAPE = re.compile(r"\\(.)")


def _plain(entry: Entry) -> str:
    return _ESCAPE.sub(r"\1", entry.text).casefold()


def _shares_excerpt(a: Entry, b: Entry) -> bool:
    for source_a, text_a in a.excerpts:
        for source_b, text_b in b.excerpts:
            if source_a == source_b and (text_a in text_b or text_b in text_a):
                return True
    return False


def one_each(entries: Sequence[Entry]) -> list[Entry]:
    """``entries`` (best first) with later restatements of an earlier one merged into it:
    the first keeps its place and text, and gains the other's sources and excerpts.

    Two are one claim when their words (in any order) agree ``SAME_TEXT`` much, or
    ``SAME_EXCERPT_TEXT`` much and they rest on the same excerpt."""
    # token_sort_ratio is ratio() of the words sorted: sort each entry's words once.
    kept: list[Entry] = []
    words: list[str] = []  # of each kept item
    for entry in entries:
        sorted_words = " ".join(sorted(_plain(entry).split()))
        hits = process.extract(
            sorted_words, words, scorer=fuzz.ratio, score_cutoff=SAME_EXCERPT_TEXT, limit=None
        )
        for _match, score, slot in sorted(hits, key=lambda hit: hit[2]):  # the earliest first
            earlier = kept[slot]
            if score >= SAME_TEXT or _shares_excerpt(earlier, entry):
                kept[slot] = Entry(
                    earlier.text,
                    tuple(dict.fromkeys((*earlier.cites, *entry.cites))),
                    tuple(dict.fromkeys((*earlier.excerpts, *entry.excerpts))),
                    earlier.tail,
                    earlier.group,
                    earlier.quote,
                    earlier.ref or entry.ref,
                )
                break
        else:
            kept.append(entry)
            words.append(sorted_words)
    return kept


def person_name(person: Person) -> str:
    """The person's name in the reader's language where an alias of the store gives one."""
    return name_in(person.name, None, person.aliases)
