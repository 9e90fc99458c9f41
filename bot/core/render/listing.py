"""Renderers of the other reading answers: /summit (all), /search, /fact, /source, /about."""

from __future__ import annotations

from dataclasses import replace

from bot.core.commands import COMMANDS, Access, slash_commands
from bot.core.commands import Kind as CommandKind
from bot.core.dates import day, plural
from bot.core.i18n import _
from bot.core.models import Country, Fact, Person, Quote, SizeClaim, Source, Summit
from bot.core.reading.answers import (
    AboutAnswer,
    FactAnswer,
    SearchAnswer,
    SearchHit,
    SourceAnswer,
    SourceListAnswer,
    SummitListAnswer,
)
from bot.core.render.answers import (
    SCO_BLUE,
    country_name,
    render,
    summit_line,
    summit_place,
    summit_title,
)
from bot.core.render.embeds import ALLOWED_MENTIONS_NONE, Reply, inert, truncate
from bot.core.render.footnotes import short_label, source_label
from bot.core.render.items import (
    fact_entry,
    one_each,
    person_name,
    quote_entry,
    short_role,
)
from bot.core.render.pages import Entry, Section, build_reply

__all__ = ["search_reply"]


def _cites(
    entity: Country | Summit | SizeClaim | Person,
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    ids = tuple(dict.fromkeys(c.source for c in entity.citations))
    return ids, tuple((c.source, c.excerpt) for c in entity.citations)


@render.register
def _render_summitlistanswer(answer: SummitListAnswer) -> Reply:
    entries = [summit_line(s) for s in sorted(answer.summits, key=lambda s: -s.year)]
    lead = (
        _("{count} recorded, newest first. `/summit 2024` shows one.").format(
            count=plural(len(entries), "summit")
        )
        if entries
        else _("No summits are recorded yet.")
    )
    section = Section("o", _("Summits"), entries, lead=lead, noun="summit")
    return build_reply(
        _("SCO summits"), [section], sources=answer.sources, color=SCO_BLUE, ask=answer.ask
    )


def _hit_entry(hit: SearchHit, answer: SearchAnswer) -> Entry:
    entry = hit.entry
    match entry:
        case Fact():
            return fact_entry(entry)
        case Quote():
            found = quote_entry(entry, answer.speakers.get(entry.person), answer.sources)
            if found.group:  # mixed results: say it on the item, not as a heading each time
                return replace(
                    found, group="", tail=f"{found.tail} · " + _("reported, not verbatim")
                )
            return found
        case Country():
            return Entry(
                f"**{inert(country_name(entry))}**: {inert(entry.membership)}", *_cites(entry)
            )
        case Summit():
            place = inert(summit_place(entry)) or str(entry.year)
            return Entry(f"**{inert(summit_title(entry))}**, {place}", *_cites(entry))
        case Person():
            role = inert(short_role(entry, answer.sources))
            return Entry(
                f"**{inert(person_name(entry))}**, {role}: `/quote {entry.slug}`", *_cites(entry)
            )
        case SizeClaim():
            return Entry(f"**{day(entry.as_of)}**: {inert(entry.text)}", *_cites(entry))
        case Source():
            return Entry(
                _("Source: {label}").format(label=inert(source_label(entry, entry.id)))
                + f": `/source {entry.id}`"
            )
    raise TypeError(type(entry).__name__)


def search_reply(answer: SearchAnswer, title: str, lead: str) -> Reply:
    """A search answer's items, said once and footnoted, under ``title`` and ``lead`` (the
    search and Find sources share it)."""
    entries = one_each([_hit_entry(h, answer) for h in answer.hits])
    section = Section("o", _("Results"), entries, lead=lead)  # the lead counts the matches
    return build_reply(title, [section], sources=answer.sources, color=SCO_BLUE, ask=answer.ask)


@render.register
def _render_searchanswer(answer: SearchAnswer) -> Reply:
    shown = len(answer.hits)
    quoted = inert(truncate(answer.query, 80))
    if not shown:
        lead = _("Nothing in the store matches “{query}”. Try fewer or other words.").format(
            query=quoted
        )
    elif answer.total > shown:
        total = f"{answer.total}{'+' if answer.total >= 1000 else ''}"
        lead = _(
            "{total} matches for “{query}”; the best {shown} are shown. Add words to narrow."
        ).format(total=total, query=quoted, shown=shown)
    else:
        lead = _("{count} for “{query}”, best first.").format(
            count=plural(answer.total, "match"), query=quoted
        )
    title = _("Search: {query}").format(query=truncate(answer.query, 200))
    return search_reply(answer, title, lead)


@render.register
def _render_factanswer(answer: FactAnswer) -> Reply:
    f = answer.fact
    title = _("Did you know?") + (f" · {answer.topic.replace('-', ' ')}" if answer.topic else "")
    about = []
    if answer.people:
        people = _(", ").join(inert(person_name(p)) for p in answer.people.values())
        about.append(_("People: {names}").format(names=people))
    if f.topics:
        topics = _(", ").join(t.replace("-", " ") for t in f.topics)
        about.append(_("Topics: {topics}").format(topics=topics))
    section = Section("o", _("Fact"), [fact_entry(f)])
    reply = build_reply(
        title,
        [section],
        sources=answer.sources,
        color=SCO_BLUE,
        ask=answer.ask,
        hint=" · ".join(about) or _("/fact <topic> for another"),
    )
    return reply


@render.register
def _render_sourceanswer(answer: SourceAnswer) -> Reply:
    s = answer.source
    label = source_label(s, s.id)
    facts = [inert(label)] if short_label(label) != label else []
    if s.publisher:
        facts.append(_("Publisher: {publisher}").format(publisher=inert(s.publisher)))
    if s.author:
        facts.append(_("Author: {author}").format(author=inert(s.author)))
    if s.title:
        facts.append(_("Title: “{title}”").format(title=inert(s.title)))
    if s.published:
        facts.append(_("Published: {date}").format(date=day(s.published)))
    if s.url:
        facts.append(f"<{s.url}>")
    cited = answer.cited_counts.get(s.id, 0)
    facts.append(_("Cited by {count}.").format(count=plural(cited, "entry", "entries")))
    lead = "\n".join(facts)
    entries = []
    for example in answer.examples:
        if isinstance(example, Fact):
            entries.append(fact_entry(example))
        else:
            entries.append(quote_entry(example, None, answer.sources))
    section = Section("o", _("Source"), entries, lead=lead)
    return build_reply(
        short_label(label),
        [section],
        sources=answer.sources,
        color=SCO_BLUE,
        ask=answer.ask,
        hint=f"/source {s.id}",
    )


@render.register
def _render_sourcelistanswer(answer: SourceListAnswer) -> Reply:
    entries = [
        Entry(
            f"**{inert(source_label(s, s.id))}**: "
            f"{plural(answer.cited_counts.get(s.id, 0), 'entry', 'entries')} · `/source {s.id}`"
        )
        for s in sorted(answer.sources.values(), key=lambda s: -answer.cited_counts.get(s.id, 0))
    ]
    lead = _(
        "Every fact and quote cites one of these documents with its exact words; "
        "the Excerpts button under an answer shows them."
    )
    section = Section("o", _("Sources"), entries, lead=lead, noun="source")
    return build_reply(
        _("Sources"), [section], sources=answer.sources, color=SCO_BLUE, ask=answer.ask
    )


def about_commands() -> str:
    """The command list of ``/about``, from the registry (``bot.core.commands``): an example of
    each command anyone can run, the message menus, and the moderators' commands by name."""
    public = [
        f"`{spec.example}`" for spec in slash_commands(Access.EVERYONE) if spec.name != "about"
    ]
    menus = [
        "**" + _("Apps → {menu}").format(menu=_(spec.name)) + "**"
        for spec in COMMANDS
        if spec.kind is CommandKind.MESSAGE
    ]
    moderators = dict.fromkeys(
        f"`/{spec.group or spec.name}`" for spec in COMMANDS if spec.access is not Access.EVERYONE
    )
    lines = [" · ".join(public)]
    if menus:
        lines[0] += _("; on any message, {menus}.").format(menus=", ".join(menus))
    if moderators:
        lines.append(_("Moderators: {commands}.").format(commands=" · ".join(moderators)))
    return "\n".join(lines)


@render.register
def _render_aboutanswer(answer: AboutAnswer) -> Reply:
    c = answer.counts
    entries = " · ".join(
        plural(c.get(kind, 0), noun)
        for kind, noun in (
            ("fact", "fact"),
            ("quote", "quote"),
            ("country", "country"),
            ("summit", "summit"),
            ("person", "person"),
        )
    )
    desc = (
        _(
            "I answer questions about the Shanghai Cooperation Organization from a curated "
            "store in which every fact and quote cites its source with a verbatim excerpt. "
            "Where the sources say nothing, I say so."
        )
        + "\n\n"
        + about_commands()
    )
    fields = [
        {"name": _("Entries"), "value": entries, "inline": False},
        {"name": _("Sources"), "value": str(c.get("source", 0)), "inline": True},
    ]
    if answer.dataset is not None:
        fields.append(
            {
                "name": _("Dataset"),
                "value": _("version {version} · checksum `{checksum}`").format(
                    version=inert(answer.dataset.version), checksum=answer.dataset.short
                ),
                "inline": True,
            }
        )
    embed = {"title": _("SCO Fact Bot"), "description": desc, "color": SCO_BLUE, "fields": fields}
    return Reply([{"content": None, "embeds": [embed], "allowed_mentions": ALLOWED_MENTIONS_NONE}])
