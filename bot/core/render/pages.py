"""The one pager: an answer's sections laid out as pages of at most ``PAGE_BUDGET`` characters.

Every page is one embed: the answer's title, on a section's first page its lead (the answer in
plain sentences), the items with their footnote marks, and last one "Sources" field naming each
source the page cites once. "Page 2/5 · 14 facts" stands once, in the footer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.core.dates import plural
from bot.core.i18n import _
from bot.core.models import Source
from bot.core.reading.answers import Ask
from bot.core.render.embeds import (
    ALLOWED_MENTIONS_NONE,
    LIMITS,
    Reply,
    embed_length,
    inert,
    truncate,
)
from bot.core.render.footnotes import mark, source_label, sources_block
from bot.core.render.state import SectionPages

__all__ = ["PAGE_BUDGET", "Entry", "Section", "build_reply", "render_excerpts"]

_ESCAPED = re.compile(r"\\(.)")  # inert()'s markdown escapes
# Title, description, fields, author and footer of a page's embeds: one phone screen.
PAGE_BUDGET = 1200
_FOOTER_ROOM = len("Page 99/99 · ")


@dataclass(frozen=True)
class Entry:
    """One item: its text (markdown-safe), the sources it cites, the verbatim excerpts behind
    it, an attribution line under it, the group heading it stands under, and the stored entry
    it shows (``ref``: kind and key, for facts and quotes: what "Report an error" offers)."""

    text: str
    cites: tuple[str, ...] = ()
    excerpts: tuple[tuple[str, str], ...] = ()
    tail: str = ""
    group: str = ""
    quote: bool = False  # shown as a block quote
    ref: tuple[str, str] | None = None

    def shown(self, numbers: dict[str, int], room: int | None = None, tail: bool = True) -> str:
        marks = " ".join(mark(numbers[s]) for s in dict.fromkeys(self.cites))
        text = self.text if room is None else truncate(self.text, max(room, 20))
        body = f"{text} {marks}".rstrip()
        body = "> " + body.replace("\n", "\n> ") if self.quote else "• " + body
        return body + (f"\n{self.tail}" if self.tail and tail else "")


@dataclass(frozen=True)
class Section:
    """A kind of content in an answer (Overview, Facts, Quotes, Summits, Sources)."""

    key: str
    name: str
    entries: Sequence[Entry] = ()
    lead: str = ""
    noun: str = ""  # "fact": the footer and the menu count entries as "14 facts"
    count: int | None = None  # shown in the menu label when it is not len(entries)
    one_page: bool = False  # a preview of other sections: keep what fits on one page

    @property
    def label(self) -> str:
        total = self.count if self.count is not None else len(self.entries)
        return f"{self.name} ({total})" if self.noun else self.name


@dataclass
class _Page:
    entries: list[Entry] = field(default_factory=list)


def _numbers(entries: Sequence[Entry]) -> dict[str, int]:
    numbers: dict[str, int] = {}
    for entry in entries:
        for source_id in entry.cites:
            numbers.setdefault(source_id, len(numbers) + 1)
    return numbers


def _embed(
    title: str,
    lead: str,
    entries: Sequence[Entry],
    sources: dict[str, Source],
    color: int,
    footer: str,
    room: int | None = None,
) -> dict[str, Any]:
    numbers = _numbers(entries)
    parts: list[str] = [lead] if lead else []
    group = ""
    for index, entry in enumerate(entries):
        # Quotes of one speaker on one occasion in a row: their attribution once, after the last.
        following = entries[index + 1] if index + 1 < len(entries) else None
        shared = following is not None and following.tail == entry.tail and entry.quote
        block = entry.shown(numbers, room, tail=not shared)
        if entry.group and entry.group != group:
            block = f"**{entry.group}**\n{block}"
        group = entry.group
        parts.append(block)
    text = ""
    for index, part in enumerate(parts):
        quoted = part.startswith(">") or "\n> " in part[:200]
        previous_quoted = index > 0 and (parts[index - 1].startswith(">"))
        sep = "\n\n" if index == 1 and lead else "\n\n" if quoted or previous_quoted else "\n"
        text = part if index == 0 else text + sep + part
    embed: dict[str, Any] = {"title": truncate(title, LIMITS.title), "color": color}
    if text:
        embed["description"] = truncate(text, LIMITS.description)
    cited = list(numbers)
    if cited:
        embed["fields"] = [
            {
                "name": _("Sources"),
                "value": truncate(sources_block(cited, sources), LIMITS.field_value),
                "inline": False,
            }
        ]
    if footer:
        embed["footer"] = {"text": truncate(footer, LIMITS.footer)}
    return embed


def _layout(
    title: str, section: Section, sources: dict[str, Source], color: int, hint: str
) -> list[_Page]:
    pages: list[_Page] = [_Page()]
    footer = " " * (_FOOTER_ROOM + len(hint) + 20)
    for entry in section.entries:
        page = pages[-1]
        lead = section.lead if len(pages) == 1 else ""
        trial = _embed(title, lead, [*page.entries, entry], sources, color, footer)
        if page.entries and embed_length(trial) > PAGE_BUDGET:
            pages.append(_Page([entry]))
        else:
            page.entries.append(entry)
    return pages


def _section_pages(
    title: str, section: Section, sources: dict[str, Source], color: int, hint: str
) -> SectionPages:
    laid = _layout(title, section, sources, color, hint)
    if section.one_page:
        laid = laid[:1]
    total = section.count if section.count is not None else len(section.entries)
    counted = plural(total, section.noun) if section.noun else ""
    messages: list[dict[str, Any]] = []
    excerpts: list[list[tuple[str, str]]] = []
    refs: list[list[tuple[str, str, str]]] = []
    for number, page in enumerate(laid, start=1):
        if len(laid) > 1:
            page_of = _("Page {number}/{count}").format(number=number, count=len(laid))
            footer = " · ".join(p for p in (page_of, counted) if p)
        else:
            footer = hint or counted
        lead = section.lead if number == 1 else ""
        embed = _embed(title, lead, page.entries, sources, color, footer)
        room = 900
        while embed_length(embed) > PAGE_BUDGET and room > 40:  # one item longer than a page
            room -= 60
            embed = _embed(title, lead, page.entries, sources, color, footer, room)
        messages.append(
            {"content": None, "embeds": [embed], "allowed_mentions": ALLOWED_MENTIONS_NONE}
        )
        excerpts.append(list(dict.fromkeys(x for e in page.entries for x in e.excerpts)))
        refs.append(_refs(page.entries))
    return SectionPages(section.key, section.label, messages, excerpts, refs)


def _refs(entries: Sequence[Entry]) -> list[tuple[str, str, str]]:
    """The stored entries a page shows, each once: (kind, key, its text as plain words)."""
    found: dict[tuple[str, str], str] = {}
    for entry in entries:
        if entry.ref is not None and entry.ref not in found:
            found[entry.ref] = " ".join(
                _ESCAPED.sub(r"\1", entry.text).replace("\u200b", "").split()
            )
    return [(kind, key, text) for (kind, key), text in found.items()]


def build_reply(
    title: str,
    sections: Sequence[Section],
    *,
    sources: dict[str, Source],
    color: int,
    ask: Ask | None,
    hint: str = "",
) -> Reply:
    """Lay out ``sections`` as pages; the first section is what the answer opens on."""
    laid = [_section_pages(title, s, sources, color, hint) for s in sections]
    flat = [page for s in laid for page in s.pages]
    return Reply(flat, sections=laid, ask=ask)


def _distinct(excerpts: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    """Excerpts by source, in order, without one contained in another of the same source."""
    by_source: dict[str, list[str]] = {}
    for source_id, excerpt in excerpts:
        text = " ".join(excerpt.split())
        kept = by_source.setdefault(source_id, [])
        if any(text in other for other in kept):
            continue
        kept[:] = [other for other in kept if other not in text] + [text]
    return by_source


def render_excerpts(
    title: str, excerpts: Sequence[tuple[str, str]], sources: dict[str, Source], color: int
) -> Reply:
    """The verbatim excerpts behind a page, under each source's label (once): private."""
    fields: list[dict[str, Any]] = []
    used = len(title) + 80
    left = 0
    for source_id, texts in _distinct(excerpts).items():
        name = truncate(source_label(sources.get(source_id), source_id), LIMITS.field_name)
        value = ""
        for text in texts:
            quoted = "> " + inert(text)
            if len(value) + len(quoted) + 2 > LIMITS.field_value and value:
                fields.append({"name": name, "value": value, "inline": False})
                used += len(name) + len(value)
                name = truncate(_("{source} (continued)").format(source=name), LIMITS.field_name)
                value = ""
            if used + len(name) + len(value) + len(quoted) > 5600 or len(fields) >= 24:
                left += 1
                continue
            value = f"{value}\n\n{quoted}" if value else truncate(quoted, LIMITS.field_value)
        if value:
            fields.append({"name": name, "value": value, "inline": False})
            used += len(name) + len(value)
    desc = _("The exact words of the sources behind the items on that page.")
    if left:
        desc += " " + _("{count} did not fit; `/source` lists the documents.").format(
            count=plural(left, "more excerpt")
        )
    embed = {
        "title": truncate(_("Excerpts · {title}").format(title=title), LIMITS.title),
        "description": desc,
        "color": color,
        "fields": fields,
    }
    message = {"content": None, "embeds": [embed], "allowed_mentions": ALLOWED_MENTIONS_NONE}
    return Reply([message], ephemeral=True)
