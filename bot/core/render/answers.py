"""Renderers of the reading answers: the answer first, best first, said once, sources as
footnotes. Each answer becomes sections (``bot.core.render.pages``) laid out as pages."""

from __future__ import annotations

from collections.abc import Sequence
from functools import singledispatch
from typing import Any

from bot.core.dates import day, plural, sourced_dates
from bot.core.i18n import _, name_in
from bot.core.models import Country, CountryStatus, Person, Quote, QuoteKind, SizeClaim, Summit
from bot.core.reading.answers import CountryAnswer, MembershipAnswer, QuoteAnswer, SummitAnswer
from bot.core.render.embeds import Reply, inert
from bot.core.render.items import (
    REPORTED,
    fact_entry,
    highlight_entries,
    one_each,
    person_name,
    quote_entry,
    short_role,
    short_text,
)
from bot.core.render.pages import Entry, Section, build_reply

__all__ = [
    "ERROR_RED",
    "QUOTE_GOLD",
    "SCO_BLUE",
    "render",
    "sources_section",
    "summit_line",
    "summit_place",
    "summit_title",
]

SCO_BLUE = 0x1F5AA6
QUOTE_GOLD = 0xC9A227
ERROR_RED = 0xC0392B
OVERVIEW_ITEMS = 4


@singledispatch
def render(answer: Any) -> Reply:
    """Render any service answer as a ``Reply``."""
    raise TypeError(f"no renderer for {type(answer).__name__}")


def _entry_order(entries: Sequence[Entry]) -> list[Entry]:
    return one_each(entries)


def sources_section(cited: Sequence[str], answer_sources: dict[str, Any]) -> Section:
    """The "Sources" section: each source the answer cites, with the command that shows it."""
    from bot.core.render.footnotes import source_label

    entries = []
    for source_id in dict.fromkeys(cited):
        source = answer_sources.get(source_id)
        if source is None:
            continue
        label = inert(source_label(source, source_id))
        entries.append(Entry(f"{label}: `/source {source_id}`"))
    return Section("r", _("Sources"), entries, lead=_("The documents this answer cites."))


def _cited(entries: Sequence[Entry]) -> list[str]:
    return list(dict.fromkeys(s for e in entries for s in e.cites))


def _sections(
    lead: str,
    facts: Sequence[Entry],
    quotes: Sequence[Entry],
    sources: dict[str, Any],
    extra: Sequence[Section] = (),
    first: Sequence[Entry] = (),
) -> list[Section]:
    """Overview (lead and the best items), then one section per kind, then Sources."""
    merged = one_each([*first, *facts, *quotes])
    fact_items = [e for e in merged if not (e.quote or e.group == _(REPORTED))]
    quote_items = [e for e in merged if e.quote or e.group == _(REPORTED)]
    quote_items = [e for e in quote_items if e.quote] + [e for e in quote_items if not e.quote]
    best = [*fact_items[: OVERVIEW_ITEMS - 1], *quote_items[:1]] if quote_items else fact_items
    sections: list[Section] = []
    if len(fact_items) > OVERVIEW_ITEMS - 1 or (fact_items and quote_items):
        sections.append(Section("f", _("Facts"), fact_items, noun="fact"))
    if len(quote_items) > 1 or (quote_items and fact_items):
        sections.append(Section("q", _("Quotes"), quote_items, noun="quote"))
    sections += extra
    shown = best[:OVERVIEW_ITEMS] if sections else best
    sections.insert(0, Section("o", _("Overview"), shown, lead=lead, one_page=len(sections) > 0))
    cited = _cited(merged)
    if cited and len(sections) > 1:
        sections.append(sources_section(cited, sources))
    return sections


def _status(country: Country) -> str:
    if country.status is CountryStatus.MEMBER:
        if country.founding_member:
            if country.joined_year:
                return _("a founding member state of the SCO ({year})").format(
                    year=country.joined_year
                )
            return _("a founding member state of the SCO")
        if country.joined_year:
            return _("a member state of the SCO since {year}").format(year=country.joined_year)
        return _("a member state of the SCO (the sources give no year it joined)")
    if country.status is CountryStatus.OBSERVER:
        return _("an observer state of the SCO")
    return _("a dialogue partner of the SCO")


def country_name(country: Country) -> str:
    """The country's name in the reader's language where the store records one."""
    return name_in(country.name, country.names, country.aliases)


def summit_place(summit: Summit) -> str:
    """``Tianjin, 31 Aug – 1 Sep 2025`` (what the sources give of place and dates; the year
    alone is left out, as it stands beside the place wherever this is shown)."""
    return ", ".join(p for p in (summit.city, sourced_dates(summit.dates)) if p)


@render.register
def _render_countryanswer(answer: CountryAnswer) -> Reply:
    c = answer.country
    lead = _("**{country}** is {status}.").format(country=inert(country_name(c)), status=_status(c))
    if answer.summits:
        held = ", ".join(
            f"{s.year} {inert(s.city)}" if s.city else str(s.year) for s in answer.summits
        )
        lead += "\n" + _("Summits it is linked to: {summits}.").format(summits=held)
        inferred = [
            s.city for s in answer.summits if s.country_inferred and s.country == c.slug and s.city
        ]
        if inferred:  # the host country read from the city: said as such
            lead += " " + _("The sources name {cities} as the host city, not the country.").format(
                cities=inert(_and(inferred))
            )
    joined = Entry(inert(c.membership), *_cites_of(c))
    facts = [fact_entry(f) for f in answer.facts]
    quotes = [quote_entry(q, answer.speakers.get(q.person), answer.sources) for q in answer.quotes]
    summits = [summit_line(s) for s in answer.summits]
    extra = [Section("s", _("Summits"), summits, noun="summit")] if summits else []
    sections = _sections(lead, facts, quotes, answer.sources, extra, first=[joined])
    return build_reply(
        country_name(c),
        sections,
        sources=answer.sources,
        color=SCO_BLUE,
        ask=answer.ask,
        hint=_("/member for all members"),
    )


def _cites_of(entity: Country | Summit | SizeClaim | Person) -> tuple[Any, Any]:
    ids = tuple(dict.fromkeys(c.source for c in entity.citations))
    return ids, tuple((c.source, c.excerpt) for c in entity.citations)


def summit_line(summit: Summit, limit: int = 110) -> Entry:
    """``2025 Tianjin, 31 Aug – 1 Sep 2025: <its first highlight, short>``, footnoted to the
    excerpt the highlight rests on (or to the summit's sources when it has none)."""
    place = inert(summit_place(summit))
    text = f"**{summit.year}** {place}".rstrip()
    head = highlight_entries(summit)[:1]
    if not head:
        return Entry(f"{text}: {inert(summit.name)}", *_cites_of(summit))
    headline = inert(short_text(summit.highlights[0], limit))
    return Entry(f"{text}: {headline}", head[0].cites, head[0].excerpts)


def _and(names: Sequence[str]) -> str:
    if len(names) == 1:
        return names[0]
    return _("{first} and {last}").format(first=_(", ").join(names[:-1]), last=names[-1])


def _names(countries: Sequence[Country]) -> str:
    return _and([country_name(c) for c in countries])


def _members_line(members: Sequence[Country]) -> str:
    founders = [c for c in members if c.founding_member]
    later = [c for c in members if not c.founding_member]
    parts = []
    if founders:
        parts.append(
            _("{names} (founders, {year})").format(
                names=_names(founders), year=founders[0].joined_year or 2001
            )
        )
    dated = [c for c in later if c.joined_year]
    undated = [c for c in later if not c.joined_year]
    if undated:
        parts.append(
            _("{names} (joined later; the sources give no year)").format(names=_names(undated))
        )
    for c in dated:
        parts.append(f"{country_name(c)} ({c.joined_year})")
    return _("; ").join(parts)


def _breakdown(size: SizeClaim) -> str:
    bits = []
    for count, noun in (
        (size.member_states, "member state"),
        (size.observer_states, "observer"),
        (size.dialogue_partners, "dialogue partner"),
        (size.partners, "partner"),
    ):
        if count:
            bits.append(plural(count, noun))
    return _(", ").join(bits)


def _joined(country: Country) -> str:
    if country.founding_member:
        return _("founding member, {year}").format(year=country.joined_year or 2001)
    if country.status is CountryStatus.OBSERVER:
        return _("observer state of the SCO")
    if country.status is not CountryStatus.MEMBER:
        return _("dialogue partner of the SCO")
    if country.joined_year:
        return _("joined {year}").format(year=country.joined_year)
    return _("joined later; the sources give no year")


def _size_date(size: SizeClaim) -> str:
    return day(size.as_of) + (f" ({size.as_of_note})" if size.as_of_note else "")


def _size_entry(sizes: Sequence[SizeClaim]) -> Entry | None:
    """ "10 member states; 27 with partners, 1 Sep 2025 (26 earlier that day)": the newest
    claim and, when claims of its date differ, one line saying how."""
    totals = [s for s in sizes if s.total]
    if not totals:
        return None
    newest = totals[0]
    text = _("{total} countries counting its partners, {date}").format(
        total=newest.total, date=_size_date(newest)
    )
    if _breakdown(newest):
        text += f" ({_breakdown(newest)})"
    same_day = [s for s in totals[1:] if s.as_of == newest.as_of and s.total != newest.total]
    older = next((s for s in totals[1:] if s.total != newest.total), None)
    used = [newest]
    if same_day:
        other = same_day[0]
        used.append(other)
        counted = f" ({_breakdown(other)})" if _breakdown(other) else ""
        text += _("; an earlier report that day gave {total}{counted}.").format(
            total=other.total, counted=counted
        )
    elif older is not None:
        used.append(older)
        text += " " + _("({total} on {date}).").format(total=older.total, date=day(older.as_of))
    else:
        text += "."
    ids = tuple(dict.fromkeys(c.source for s in used for c in s.citations))
    excerpts = tuple((c.source, c.excerpt) for s in used for c in s.citations)
    return Entry(inert(text), ids, excerpts)


@render.register
def _render_membershipanswer(answer: MembershipAnswer) -> Reply:
    members = [c for c in answer.members if c.status is CountryStatus.MEMBER]
    others = [c for c in answer.members if c.status is not CountryStatus.MEMBER]
    lead = _("**{count}:** {members}.").format(
        count=plural(len(members), "member state"), members=inert(_members_line(members))
    )
    if others:
        lead += "\n" + _("Also recorded: {names}.").format(names=inert(_names(others)))
    first = [e for e in [_size_entry(answer.sizes)] if e is not None]
    member_items = [
        Entry(f"**{inert(country_name(c))}**: {inert(_joined(c))}", *_cites_of(c))
        for c in answer.members
    ]
    size_items = [
        Entry(f"**{inert(_size_date(s))}**: {inert(s.text)}", *_cites_of(s)) for s in answer.sizes
    ]
    sections = [Section("o", _("Overview"), first, lead=lead)]
    sections.append(Section("m", _("Members"), member_items, noun="country"))
    if size_items:
        sections.append(Section("z", _("Size claims"), size_items, noun="claim"))
    cited = _cited([*first, *member_items, *size_items])
    sections.append(sources_section(cited, answer.sources))
    return build_reply(
        _("SCO membership"),
        sections,
        sources=answer.sources,
        color=SCO_BLUE,
        ask=answer.ask,
        hint=_("/member <country> for one country"),
    )


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def summit_title(s: Summit) -> str:
    if s.city:
        return _("{year} {city} summit").format(year=s.year, city=s.city)
    return f"{s.year}: {s.name}"


@render.register
def _render_summitanswer(answer: SummitAnswer) -> Reply:
    s = answer.summit
    if s.ordinal and s.city:
        # TRANSLATORS: {nth} is the English ordinal (25th); {n} is the number alone (25).
        meeting = _("The {nth} meeting of the SCO Council of Heads of State in {city}")
        what = meeting.format(nth=_ordinal(s.ordinal), n=s.ordinal, city=inert(s.city))
    elif s.ordinal:
        # TRANSLATORS: {nth} is the English ordinal (25th); {n} is the number alone (25).
        meeting = _("The {nth} meeting of the SCO Council of Heads of State")
        what = meeting.format(nth=_ordinal(s.ordinal), n=s.ordinal)
    elif s.city:
        what = _("An SCO summit in {city}").format(city=inert(s.city))
    else:
        what = _("An SCO summit")
    when = sourced_dates(s.dates)
    if when:
        lead = _("{what}, {when}.").format(what=what, when=inert(when))
    else:
        lead = _("{what}, {year}; the sources give no exact dates.").format(what=what, year=s.year)
    facts = [fact_entry(f) for f in answer.facts]
    quotes = [quote_entry(q, answer.speakers.get(q.person), answer.sources) for q in answer.quotes]
    sections = _sections(lead, facts, quotes, answer.sources, first=highlight_entries(s))
    return build_reply(
        summit_title(s),
        sections,
        sources=answer.sources,
        color=SCO_BLUE,
        ask=answer.ask,
        hint=_("/summit for every summit"),
    )


def _quote_counts(quotes: Sequence[Quote]) -> str:
    direct = sum(q.kind is QuoteKind.DIRECT for q in quotes)
    parts = []
    if direct:
        parts.append(plural(direct, "direct quote"))
    if len(quotes) - direct:
        parts.append(plural(len(quotes) - direct, "reported statement"))
    return _(" and ").join(parts)


@render.register
def _render_quoteanswer(answer: QuoteAnswer) -> Reply:
    p = answer.person
    role = inert(short_role(p, answer.sources))
    quotes = [quote_entry(q, p, answer.sources, name=False) for q in answer.quotes]
    if answer.random_pick:
        lead = f"**{inert(person_name(p))}**, {role}" + ("" if role.endswith("…") else ".")
        sections = [Section("o", _("Overview"), quotes, lead=lead)]
        return build_reply(
            _("A quote from {name}").format(name=person_name(p)),
            sections,
            sources=answer.sources,
            color=QUOTE_GOLD,
            ask=answer.ask,
            hint=_("/quote {slug} for more").format(slug=p.slug),
        )
    lead = _("**{name}**, {role}: {counts} recorded.").format(
        name=inert(person_name(p)), role=role.removesuffix("…"), counts=_quote_counts(answer.quotes)
    )
    merged = one_each(quotes)
    ordered = [e for e in merged if e.quote] + [e for e in merged if not e.quote]
    more = len(ordered) > 2
    sections = [
        Section("o", _("Overview"), ordered[:2] if more else ordered, lead=lead, one_page=more)
    ]
    if more:
        sections.append(Section("q", _("Quotes"), ordered, noun="quote"))
        sections.append(sources_section(_cited(ordered), answer.sources))
    return build_reply(
        _("Quotes: {name}").format(name=person_name(p)),
        sections,
        sources=answer.sources,
        color=QUOTE_GOLD,
        ask=answer.ask,
        hint="",
    )


def person_label(person: Person, sources: Any) -> str:
    return f"{person_name(person)} ({short_role(person, sources)})"
