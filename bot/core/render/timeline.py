"""The /timeline answer: the picture (attached by the adapter under ``answer.filename``) in an
embed that says in words what it shows and lists every source it rests on."""

from __future__ import annotations

from bot.core.models import Country, SizeClaim, Summit
from bot.core.render.answers import SCO_BLUE, render
from bot.core.render.embeds import Item, Reply, cite_line, inert, paginate, truncate
from bot.core.timeline import TimelineAnswer

__all__ = ["TIMELINE_TITLE"]

TIMELINE_TITLE = "SCO timeline"


def _label(entry: Summit | Country | SizeClaim) -> str:
    match entry:
        case Summit():
            return f"summit {entry.year}"
        case Country():
            return entry.name
        case SizeClaim():
            return f"size {entry.as_of.isoformat()}"


def _size(claim: SizeClaim) -> str:
    parts = []
    if claim.member_states is not None:
        parts.append(f"{claim.member_states} member states")
    if claim.total is not None:
        parts.append(f"{claim.total} countries in all")
    return f"{claim.as_of.isoformat()}: " + ", ".join(parts)


@render.register
def _(answer: TimelineAnswer) -> Reply:
    summits = " · ".join(
        f"{s.year} {inert(s.city)}" if s.city else str(s.year) for s in answer.summits
    )
    lines = [
        "Drawn from what the store records with a source, nothing else.",
        f"**Summits:** {summits or 'none recorded'}",
    ]
    if answer.founding:
        names = ", ".join(inert(c.name) for c in answer.founding)
        lines.append(f"**Founding members (2001):** {names}")
    if answer.accessions:
        joined = ", ".join(f"{inert(c.name)} {c.joined_year}" for c in answer.accessions)
        lines.append(f"**Joined later:** {joined}")
    if answer.undated:
        names = ", ".join(inert(c.name) for c in answer.undated)
        lines.append(f"**Members, year not given in the sources (not drawn):** {names}")
    if answer.sizes:
        lines.append("**Size claims:** " + "; ".join(_size(s) for s in answer.sizes))
    cited_for: dict[str, list[str]] = {}
    entries: list[Summit | Country | SizeClaim] = [*answer.summits, *answer.founding]
    entries += [*answer.accessions, *answer.undated, *answer.sizes]
    for entry in entries:
        for source_id in dict.fromkeys(c.source for c in entry.citations):
            cited_for.setdefault(source_id, []).append(_label(entry))
    items = [
        Item(
            "Source",
            cite_line(answer.sources.get(source_id), source_id),
            truncate("Cited for: " + ", ".join(inert(x) for x in labels), 500),
        )
        for source_id, labels in sorted(cited_for.items())
    ]
    footer = f"Dataset {answer.version} · /timeline" if answer.version else "/timeline"
    pages = paginate(TIMELINE_TITLE, "\n".join(lines), items, color=SCO_BLUE, footer=footer)
    pages[0]["embeds"][0]["image"] = {"url": f"attachment://{answer.filename}"}
    return Reply(pages)
