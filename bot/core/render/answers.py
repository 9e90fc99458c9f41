"""Renderers of each service answer: answers -> pages of embed dicts."""

from __future__ import annotations

from functools import singledispatch
from typing import Any

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
    _Sourced,
)
from bot.core.models import Country, Fact, Person, Quote, SizeClaim, Source, Summit
from bot.core.render.embeds import (
    LIMITS,
    Item,
    Reply,
    citations_text,
    cite_line,
    inert,
    paginate,
    provenance_line,
    truncate,
)

__all__ = ["ERROR_RED", "QUOTE_GOLD", "SCO_BLUE", "render"]

SCO_BLUE = 0x1F5AA6
QUOTE_GOLD = 0xC9A227
ERROR_RED = 0xC0392B
CITE_BUDGET = 360


def _cited(entry: Fact | Quote, sources: dict[str, Source]) -> str:
    """The citation lines, then (a server's own entry) who added it: kept whole together."""
    lines = citations_text(entry.citations, sources, CITE_BUDGET)
    added = provenance_line(entry.added)
    return f"{lines}\n{added}" if added else lines


def _fact_item(fact: Fact, sources: dict[str, Source], label: str = "Fact") -> Item:
    return Item(label, inert(fact.text), _cited(fact, sources))


def _quote_item(quote: Quote, speaker: Person | None, sources: dict[str, Source]) -> Item:
    who = speaker.name if speaker else quote.person
    kind = "direct quote" if quote.kind == "direct" else "reported statement"
    body = f"“{inert(quote.text)}”" if quote.kind == "direct" else inert(quote.text)
    context = f"*{inert(quote.context)}*" if quote.context else ""
    return Item(f"{who} · {kind}", body, _cited(quote, sources), context)


def _more_line(answer: _Sourced, search: str) -> str:
    if not answer.more:
        return ""
    return f"\nMore entries are recorded than shown here: try `/search {inert(search)}`."


def _quote_items(
    quotes: list[Quote], speakers: dict[str, Person], sources: dict[str, Source]
) -> list[Item]:
    return [_quote_item(q, speakers.get(q.person), sources) for q in quotes]


@singledispatch
def render(answer: Any) -> Reply:
    """Render any service answer as a ``Reply``."""
    raise TypeError(f"no renderer for {type(answer).__name__}")


@render.register
def _(answer: CountryAnswer) -> Reply:
    c = answer.country
    status = c.status.value.replace("_", " ")
    lines = [f"**Status:** {status}" + (" · founding member" if c.founding_member else "")]
    lines.append(
        f"**Joined:** {c.joined_year}" if c.joined_year else "**Joined:** the sources give no year"
    )
    lines.append(inert(c.membership))
    if c.official_name:
        lines.append(f"**Official name:** {inert(c.official_name)}")
    if c.names:
        lines.append("**Also:** " + " · ".join(inert(n) for n in c.names.values()))
    lines.append(citations_text(c.citations, answer.sources, 600))
    if answer.summits:
        lines.append(
            "**Summits:** "
            + ", ".join(f"{s.year} {inert(s.city or s.name)}" for s in answer.summits)
        )
    items = [_fact_item(f, answer.sources) for f in answer.facts]
    items += _quote_items(answer.quotes, answer.speakers, answer.sources)
    if not items:
        lines.append("The sources record no further facts about this country yet.")
    lines.append(_more_line(answer, c.name))
    pages = paginate(
        c.name, "\n".join(lines), items, color=SCO_BLUE, footer="/member · SCO Fact Bot"
    )
    return Reply(pages)


def _size_line(size: SizeClaim, sources: dict[str, Source]) -> str:
    return f"**{size.as_of.isoformat()}:** {inert(size.text)}\n" + citations_text(
        size.citations, sources, 400
    )


@render.register
def _(answer: MembershipAnswer) -> Reply:
    parts: list[str] = []
    if answer.sizes:
        parts.append("**Size, newest claim**\n" + _size_line(answer.sizes[0], answer.sources))
        earlier = answer.sizes[1:]
        if earlier:
            parts.append(
                "**Earlier claims**\n" + "\n".join(_size_line(s, answer.sources) for s in earlier)
            )
    else:
        parts.append("The sources give no size figures yet.")
    members = "\n".join(
        f"**{inert(c.name)}**: "
        + (
            f"founding member, {c.joined_year}"
            if c.founding_member
            else f"joined {c.joined_year}"
            if c.joined_year
            else "member, year not given"
        )
        for c in answer.members
    )
    lead = [
        {
            "name": f"Member states ({len(answer.members)})",
            "value": truncate(members or "none recorded", LIMITS.field_value),
            "inline": False,
        }
    ]
    pages = paginate(
        "SCO membership",
        "\n\n".join(parts),
        [],
        color=SCO_BLUE,
        footer="Use /member <country> for one country",
        lead_fields=lead,
    )
    return Reply(pages)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _summit_title(s: Summit) -> str:
    where = f" · {s.city}" if s.city else ""
    return f"{s.year}{where}: {s.name}"


@render.register
def _(answer: SummitAnswer) -> Reply:
    s = answer.summit
    lines = []
    if s.city:
        lines.append(f"**Place:** {inert(s.city)}")
    lines.append(
        f"**Dates:** {inert(s.dates)}" if s.dates else "**Dates:** not given in the sources"
    )
    if s.ordinal:
        lines.append(f"**Meeting:** {_ordinal(s.ordinal)} meeting of the Council of Heads of State")
    lines += [f"• {inert(h)}" for h in s.highlights]
    lines.append(citations_text(s.citations, answer.sources, 800))
    items = [_fact_item(f, answer.sources) for f in answer.facts]
    items += _quote_items(answer.quotes, answer.speakers, answer.sources)
    lines.append(_more_line(answer, f"{s.city or ''} {s.year}".strip()))
    pages = paginate(
        _summit_title(s), "\n".join(lines), items, color=SCO_BLUE, footer="/summit · SCO Fact Bot"
    )
    return Reply(pages)


@render.register
def _(answer: SummitListAnswer) -> Reply:
    items = [
        Item(
            _summit_title(s),
            inert(s.dates or "dates not given")
            + ("\n" + inert(s.highlights[0]) if s.highlights else ""),
            citations_text(s.citations[:1], answer.sources, 300),
        )
        for s in answer.summits
    ]
    desc = (
        "Summits the sources speak of. Use `/summit <year>` for one."
        if items
        else "No summits are recorded yet."
    )
    return Reply(paginate("SCO summits", desc, items, color=SCO_BLUE))


@render.register
def _(answer: QuoteAnswer) -> Reply:
    p = answer.person
    desc = f"**{inert(p.name)}**: {inert(p.role)}\n" + citations_text(
        p.citations[:1], answer.sources, 400
    )
    direct = sum(q.kind == "direct" for q in answer.quotes)
    if not answer.random_pick:
        shown = f"{direct} direct quote(s), {len(answer.quotes) - direct} reported statement(s)"
        desc += f"\n{shown}." + _more_line(answer, p.name)
    title = f"A quote from {p.name}" if answer.random_pick else f"Quotes: {p.name}"
    items = _quote_items(answer.quotes, {p.slug: p}, answer.sources)
    return Reply(paginate(title, desc, items, color=QUOTE_GOLD, footer="/quote · SCO Fact Bot"))


@render.register
def _(answer: FactAnswer) -> Reply:
    f = answer.fact
    lines = [inert(f.text), ""]
    for citation in f.citations[:2]:
        lines.append("> " + inert(truncate(citation.excerpt, 600)).replace("\n", " "))
        lines.append("— " + cite_line(answer.sources.get(citation.source), citation.source))
    if len(f.citations) > 2:
        lines.append(f"+{len(f.citations) - 2} more sources")
    if f.added:
        lines.append(provenance_line(f.added))
    title = "Did you know?" + (f" · {answer.topic.replace('-', ' ')}" if answer.topic else "")
    lead = []
    if answer.people:
        lead.append(
            {
                "name": "People",
                "value": ", ".join(inert(p.name) for p in answer.people.values()),
                "inline": False,
            }
        )
    if f.topics:
        lead.append({"name": "Topics", "value": ", ".join(f.topics), "inline": True})
    pages = paginate(
        title, "\n".join(lines), [], color=SCO_BLUE, footer=f"Fact {f.id} · /fact", lead_fields=lead
    )
    return Reply(pages)


def _hit_item(hit: SearchHit, answer: SearchAnswer) -> Item:
    entry = hit.entry
    src = answer.sources
    match entry:
        case Fact():
            return _fact_item(entry, src)
        case Quote():
            return _quote_item(entry, answer.speakers.get(entry.person), src)
        case Country():
            return Item(
                f"Country · {entry.name}",
                inert(entry.membership),
                citations_text(entry.citations, src, CITE_BUDGET),
            )
        case Summit():
            return Item(
                f"Summit · {_summit_title(entry)}",
                inert("; ".join(entry.highlights) or entry.dates or ""),
                citations_text(entry.citations, src, CITE_BUDGET),
            )
        case Person():
            return Item(
                f"Person · {entry.name}",
                inert(entry.role),
                citations_text(entry.citations, src, CITE_BUDGET),
            )
        case SizeClaim():
            return Item(
                f"Size · {entry.as_of.isoformat()}",
                inert(entry.text),
                citations_text(entry.citations, src, CITE_BUDGET),
            )
        case Source():
            return Item(f"Source · {entry.title or entry.id}", cite_line(entry, entry.id))
    raise TypeError(type(entry).__name__)


@render.register
def _(answer: SearchAnswer) -> Reply:
    shown = len(answer.hits)
    quoted = inert(truncate(answer.query, 80))
    if not shown:
        desc = f"Nothing in the store matches “{quoted}”. Try fewer or other words."
        if answer.server_entries:
            desc += "\nModerators can add a sourced entry with `/entry add`."
    elif answer.total > shown:
        desc = (
            f"{answer.total}{'+' if answer.total >= 1000 else ''} matches; "
            f"the best {shown} are shown. Add words to narrow it."
        )
    else:
        desc = f"{answer.total} match{'es' if answer.total != 1 else ''}, best first."
    items = [_hit_item(h, answer) for h in answer.hits]
    return Reply(
        paginate(
            f"Search: {truncate(answer.query, 200)}",
            desc,
            items,
            color=SCO_BLUE,
            footer="/search · SCO Fact Bot",
        )
    )


def _source_fields(s: Source) -> list[dict[str, Any]]:
    def show(value: object) -> str:
        return inert(str(value)) if value else "not shown in the document"

    rows = [
        ("Publisher", s.publisher),
        ("Author", s.author),
        ("Published", s.published),
        ("Language", s.language),
        ("URL", s.url),
    ]
    return [{"name": n, "value": show(v), "inline": True} for n, v in rows]


@render.register
def _(answer: SourceAnswer) -> Reply:
    s = answer.source
    desc = inert(s.notes or "")
    cited = answer.cited_counts.get(s.id, 0)
    lead = [*_source_fields(s), {"name": "Cited by", "value": f"{cited} entries", "inline": True}]
    items = []
    for example in answer.examples:
        excerpt = next((c.excerpt for c in example.citations if c.source == s.id), "")
        label = "Fact" if isinstance(example, Fact) else "Quote"
        items.append(
            Item(f"{label} citing it", inert(example.text), "> " + inert(truncate(excerpt, 400)))
        )
    pages = paginate(
        s.title or f"Untitled source ({s.id})",
        desc,
        items,
        color=SCO_BLUE,
        footer=f"source id: {s.id}",
        lead_fields=lead,
    )
    return Reply(pages)


@render.register
def _(answer: SourceListAnswer) -> Reply:
    items = [
        Item(
            s.title or f"Untitled ({s.id})",
            cite_line(s, s.id),
            f"Cited by {answer.cited_counts.get(s.id, 0)} entries",
        )
        for s in sorted(answer.sources.values(), key=lambda s: s.id)
    ]
    desc = (
        "Every fact and quote cites one of these documents with a verbatim excerpt. "
        "Use `/source <id>` for one."
    )
    return Reply(paginate("Sources", desc, items, color=SCO_BLUE))


@render.register
def _(answer: AboutAnswer) -> Reply:
    c = answer.counts
    desc = (
        "I answer questions about the Shanghai Cooperation Organization from a curated store "
        "in which every fact and quote cites its source with a verbatim excerpt. "
        "Where the sources say nothing, "
        "I say so.\n\n"
        "**Commands:** `/member [country]`, `/summit [year]`, `/quote [person]`, `/search query`, "
        "`/fact [topic]`, `/source [id]`, `/timeline`, `/about`; on any message, "
        "**Apps → Find sources**."
    )
    counts = [
        {
            "name": "Entries",
            "value": " · ".join(
                f"{c.get(kind, 0)} {label}"
                for kind, label in (
                    ("fact", "facts"),
                    ("quote", "quotes"),
                    ("country", "countries"),
                    ("summit", "summits"),
                    ("person", "people"),
                )
            ),
            "inline": False,
        },
        {"name": "Sources", "value": str(c.get("source", 0)), "inline": True},
    ]
    if answer.dataset is not None:
        counts.append(
            {
                "name": "Dataset",
                "value": f"version {inert(answer.dataset.version)} · "
                f"checksum `{answer.dataset.short}`",
                "inline": True,
            }
        )
    return Reply(paginate("SCO Fact Bot", desc, [], color=SCO_BLUE, lead_fields=counts))
