"""Discord's message limits, enforced here and nowhere else.

Everything the bot sends is built from ``Item``s (one statement with its citation) grouped into
pages. A page never exceeds Discord's limits, and an item is never split across pages, so a
citation is never cut off from what it supports.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.core.dates import day, plural
from bot.core.i18n import _
from bot.core.labels import source_label
from bot.core.models import Citation, Provenance, Source, is_url
from bot.core.reading.answers import Ask
from bot.core.render.state import SectionPages, answer_components

__all__ = [
    "ALLOWED_MENTIONS_NONE",
    "LIMITS",
    "Item",
    "Reply",
    "citations_text",
    "cite_line",
    "embed_length",
    "inert",
    "pager_components",
    "paginate",
    "provenance_line",
    "truncate",
]

ALLOWED_MENTIONS_NONE: dict[str, Any] = {
    "parse": [],
    "users": [],
    "roles": [],
    "replied_user": False,
}


@dataclass(frozen=True)
class _Limits:
    title: int = 256
    description: int = 4096
    fields: int = 25
    field_name: int = 256
    field_value: int = 1024
    footer: int = 2048
    author: int = 256
    message_total: int = 6000
    embeds: int = 10
    content: int = 2000
    # Our own: keep pages readable and leave headroom under the 6000 total.
    fields_per_page: int = 8
    page_budget: int = 5500


LIMITS = _Limits()

_MARKDOWN = re.compile(r"([\\*_~`|>#\[\]()])")
_MENTION_LIKE = re.compile(r"<(?=[@#:/a])|@(?=everyone|here)")


def inert(text: str) -> str:
    """Text shown exactly as typed: markdown escaped, mention syntax broken up.

    ``allowed_mentions`` already stops pings; this also stops ``<@123>`` from *rendering* as a
    mention and stray ``*`` from restyling the rest of an embed.
    """
    escaped = _MARKDOWN.sub(r"\\\1", text)
    return _MENTION_LIKE.sub(lambda m: m.group(0) + "\u200b", escaped)


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def cite_line(source: Source | None, source_id: str) -> str:
    """A source by its label (``bot.core.render.footnotes.source_label``); a link (which only a
    server's own entries cite) as a link, validated by the model to hold no markdown."""
    if source is None and is_url(source_id):
        return f"<{source_id}>"
    return inert(source_label(source, source_id))


def citations_text(citations: Sequence[Citation], sources: dict[str, Source], budget: int) -> str:
    """One line per cited source that fits in ``budget``; the rest are counted, never cut."""
    lines: list[str] = []
    used = 0
    cited = list(dict.fromkeys(c.source for c in citations))  # one line per source
    for index, source_id in enumerate(cited):
        line = _("Source: {label}").format(label=cite_line(sources.get(source_id), source_id))
        rest = len(cited) - index - 1
        reserve = len(f"\n+{plural(rest, 'more source')}") if rest else 0
        if used + len(line) + 1 + reserve > budget:
            lines.append("+" + plural(len(cited) - index, "more source"))
            break
        lines.append(line)
        used += len(line) + 1
    return "\n".join(lines)


def provenance_line(added: Provenance | None) -> str:
    """How a server's own entry is marked apart from curated ones: who added it, and when."""
    if added is None:
        return ""
    who, when = inert(added.added_by), day(added.added_at)
    line = "➕ " + _("Added by this server's moderators: {who}, {when}").format(who=who, when=when)
    if added.suggested_by:
        line += " " + _("(suggested by {who})").format(who=inert(added.suggested_by))
    if added.changed_by and added.changed_at:
        line += _("; version {version} by {who}, {when}").format(
            version=added.version, who=inert(added.changed_by), when=day(added.changed_at)
        )
    return line


@dataclass(frozen=True)
class Item:
    """One embed field: a statement and, last, its citation (kept whole)."""

    name: str
    body: str
    citation: str = ""
    extra: str = ""  # dropped first when the field would be too long

    def field(self) -> dict[str, Any]:
        tail = f"\n{self.citation}" if self.citation else ""
        room = LIMITS.field_value - len(tail)
        body = truncate(self.body, max(room, 1))
        if self.extra and len(body) + len(self.extra) + 1 <= room:
            body = f"{body}\n{self.extra}"
        return {
            "name": truncate(self.name, LIMITS.field_name),
            "value": body + tail,
            "inline": False,
        }


@dataclass
class Reply:
    """The pages of one answer, each a message payload in Discord's shape.

    An answer to a reading command also has ``sections`` (Overview, Facts, …), each with its
    pages and the excerpts behind each page, and the ``ask`` that re-creates it: its components
    carry their state in their custom ids (``bot.core.render.state``). ``pages`` then lists
    every section's pages in reading order (what the console prints)."""

    pages: list[dict[str, Any]]
    ephemeral: bool = False
    meta: dict[str, Any] = field(default_factory=dict)
    sections: list[SectionPages] = field(default_factory=list)
    ask: Ask | None = None

    def section_index(self, key: str) -> int:
        return next((i for i, s in enumerate(self.sections) if s.key == key), 0)

    def view(self, section: int = 0, page: int = 0, *, owner: int = 0) -> dict[str, Any]:
        """The message showing ``page`` of ``section`` (clamped), with its components."""
        if not self.sections:
            return self.payload(page)
        section = max(0, min(section, len(self.sections) - 1))
        current = self.sections[section]
        page = max(0, min(page, len(current.pages) - 1))
        body = dict(current.pages[page])
        body["ephemeral"] = self.ephemeral
        body["components"] = (
            answer_components(self.sections, section, page, owner, self.ask)
            if self.ask is not None
            else []
        )
        return body

    def payload(self, page: int = 0) -> dict[str, Any]:
        """What Discord receives for ``page``: content, embeds, components, flags."""
        if self.sections:
            return self.view(0, 0) if page == 0 else {**self.pages[page], "components": []}
        body = dict(self.pages[page])
        body["ephemeral"] = self.ephemeral
        body["components"] = pager_components(page, len(self.pages))
        return body


def embed_length(embed: dict[str, Any]) -> int:
    """Characters Discord counts towards the 6000 limit."""
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    total += len((embed.get("footer") or {}).get("text", ""))
    total += len((embed.get("author") or {}).get("name", ""))
    return total


def _embed(
    title: str, description: str, fields: list[dict[str, Any]], color: int, footer: str
) -> dict[str, Any]:
    embed: dict[str, Any] = {"title": truncate(title, LIMITS.title), "color": color}
    if description:
        embed["description"] = truncate(description, LIMITS.description)
    if fields:
        embed["fields"] = fields[: LIMITS.fields]
    if footer:
        embed["footer"] = {"text": truncate(footer, LIMITS.footer)}
    return embed


def paginate(
    title: str,
    description: str,
    items: Sequence[Item],
    *,
    color: int,
    footer: str = "",
    lead_fields: Sequence[dict[str, Any]] = (),
) -> list[dict[str, Any]]:
    """Split ``items`` over as many pages as the limits need; the description and
    ``lead_fields`` stand on the first page only."""
    description = truncate(description, LIMITS.description)
    pages_fields: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = list(lead_fields)
    used = (
        len(title)
        + len(description)
        + len(footer)
        + 40
        + sum(len(f["name"]) + len(f["value"]) for f in current)
    )
    for item in items:
        fld = item.field()
        size = len(fld["name"]) + len(fld["value"])
        full = len(current) >= LIMITS.fields_per_page or used + size > LIMITS.page_budget
        if current and full:
            pages_fields.append(current)
            current, used = [], len(title) + len(footer) + 40
        current.append(fld)
        used += size
    pages_fields.append(current)
    count = len(pages_fields)
    pages = []
    for number, fields in enumerate(pages_fields, start=1):
        suffix = "" if count == 1 else f" ({number}/{count})"
        page_title = truncate(title, LIMITS.title - len(suffix)) + suffix
        page_footer = (
            footer
            if count == 1
            else _("Page {number} of {count}").format(number=number, count=count)
            + (f" · {footer}" if footer else "")
        )
        desc = description if number == 1 else ""
        embed = _embed(page_title, desc, fields, color, page_footer)
        pages.append(
            {"content": None, "embeds": [embed], "allowed_mentions": ALLOWED_MENTIONS_NONE}
        )
    return pages


PAGER_PREVIOUS = "pager:previous"
PAGER_NEXT = "pager:next"


def pager_components(page: int, count: int) -> list[dict[str, Any]]:
    """Previous/Next buttons (Discord component dicts) for a paged answer."""
    if count <= 1:
        return []
    return [
        {
            "type": 1,
            "components": [
                {
                    "type": 2,
                    "style": 2,
                    "label": _("Previous"),
                    "custom_id": PAGER_PREVIOUS,
                    "disabled": page == 0,
                },
                {
                    "type": 2,
                    "style": 2,
                    "label": f"{page + 1}/{count}",
                    "custom_id": "pager:position",
                    "disabled": True,
                },
                {
                    "type": 2,
                    "style": 2,
                    "label": _("Next"),
                    "custom_id": PAGER_NEXT,
                    "disabled": page >= count - 1,
                },
            ],
        }
    ]
