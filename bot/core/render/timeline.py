"""The /timeline answer: the picture (attached by the adapter under ``answer.filename``) in an
embed that says in words what it shows and lists every source it rests on."""

from __future__ import annotations

from bot.core.dates import day, plural
from bot.core.i18n import N_, _
from bot.core.models import Country, SizeClaim, Summit
from bot.core.reading.timeline import TimelineAnswer
from bot.core.render.answers import SCO_BLUE, country_name, render
from bot.core.render.embeds import Item, Reply, cite_line, inert, paginate, truncate

__all__ = ["TIMELINE_TITLE"]

TIMELINE_TITLE = N_("SCO timeline")


def _label(entry: Summit | Country | SizeClaim) -> str:
    match entry:
        case Summit():
            return _("summit {year}").format(year=entry.year)
        case Country():
            return country_name(entry)
        case SizeClaim():
            return _("size {date}").format(date=day(entry.as_of))


def _size(claim: SizeClaim) -> str:
    parts = []
    if claim.member_states is not None:
        parts.append(plural(claim.member_states, "member state"))
    if claim.total is not None:
        parts.append(_("{total} countries in all").format(total=claim.total))
    return f"{day(claim.as_of)}: " + _(", ").join(parts)


@render.register
def _render_timelineanswer(answer: TimelineAnswer) -> Reply:
    summits = " · ".join(
        f"{s.year} {inert(s.city)}" if s.city else str(s.year) for s in answer.summits
    )
    lines = [
        _("Drawn from what the store records with a source, nothing else."),
        _("**Summits:** {summits}").format(summits=summits or _("none recorded")),
    ]
    if answer.founding:
        names = _(", ").join(inert(country_name(c)) for c in answer.founding)
        lines.append(_("**Founding members (2001):** {names}").format(names=names))
    if answer.accessions:
        joined = _(", ").join(
            f"{inert(country_name(c))} {c.joined_year}" for c in answer.accessions
        )
        lines.append(_("**Joined later:** {names}").format(names=joined))
    if answer.undated:
        names = _(", ").join(inert(country_name(c)) for c in answer.undated)
        lines.append(
            _("**Members, year not given in the sources (not drawn):** {names}").format(names=names)
        )
    if answer.sizes:
        lines.append(
            _("**Size claims:** {claims}").format(
                claims=_("; ").join(_size(s) for s in answer.sizes)
            )
        )
    cited_for: dict[str, list[str]] = {}
    entries: list[Summit | Country | SizeClaim] = [*answer.summits, *answer.founding]
    entries += [*answer.accessions, *answer.undated, *answer.sizes]
    for entry in entries:
        for source_id in dict.fromkeys(c.source for c in entry.citations):
            cited_for.setdefault(source_id, []).append(_label(entry))
    items = [
        Item(
            _("Source"),
            cite_line(answer.sources.get(source_id), source_id),
            truncate(
                _("Cited for: {what}").format(what=_(", ").join(inert(x) for x in labels)), 500
            ),
        )
        for source_id, labels in sorted(cited_for.items())
    ]
    footer = (
        _("Dataset {version} · /timeline").format(version=answer.version)
        if answer.version
        else "/timeline"
    )
    pages = paginate(_(TIMELINE_TITLE), "\n".join(lines), items, color=SCO_BLUE, footer=footer)
    pages[0]["embeds"][0]["image"] = {"url": f"attachment://{answer.filename}"}
    return Reply(pages)
