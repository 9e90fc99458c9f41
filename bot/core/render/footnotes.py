"""Sources as footnotes: marks (¹ ²) on items and one short "Sources" list per page.

A source is named by its curated ``label``; without one, by what the document shows of itself
(publisher, title, date), never by "unknown", "untitled" or "None". A server's own entry may cite
a link: it is named by the link's site and listed as the link.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from bot.core.dates import day
from bot.core.models import Source, is_url

__all__ = ["clip", "mark", "short_label", "source_label", "sources_block", "strip_source_ids"]

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
LABEL_TITLE = 60


def mark(number: int) -> str:
    """The footnote mark of the ``number``-th source on a page: ``¹``, ``²``, … ``¹²``."""
    return str(number).translate(_SUPERSCRIPT)


def clip(text: str, limit: int) -> str:
    """``text`` cut at a word boundary, with an ellipsis, when longer than ``limit``."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:–-")
    return cut + "…"


def source_label(source: Source | None, source_id: str) -> str:
    """How answers name a source (plain text, not escaped)."""
    if source is None:
        if is_url(source_id):
            host = urlsplit(source_id).hostname or source_id
            return host.removeprefix("www.")
        return f"/source {source_id}"
    if source.label:
        return source.label
    title = clip(source.title.strip(" /"), LABEL_TITLE) if source.title else ""
    parts = [p for p in (source.publisher, f"“{title}”" if title else "") if p]
    if source.published:
        parts.append(day(source.published))
    if not parts:
        return f"Document /source {source.id} (no title or publisher shown)"
    return ", ".join(parts)


_PAREN = re.compile(r"\s*\(([a-z0-9]+(?:-[a-z0-9]+)+)\)")


def strip_source_ids(text: str, source_ids: Iterable[str]) -> str:
    """``role (xinhua-grand-plan-2025)`` -> ``role``: curators' source ids kept out of prose."""
    known = set(source_ids)
    return _PAREN.sub(lambda m: "" if m[1] in known else m[0], text).strip()


SHORT_LABEL = 64


def short_label(label: str) -> str:
    """A label as a page's footnote gives it: without its parenthesised qualifications (the
    Sources section, /source and the Excerpts show it whole), at most ``SHORT_LABEL`` long."""
    head = label.split(" (", 1)[0].split(", in an ", 1)[0].strip() or label
    if len(head) > SHORT_LABEL and ": " in head:
        head = head.split(": ", 1)[0]
    return clip(head, SHORT_LABEL)


def sources_block(cited: list[str], sources: dict[str, Source], escape: bool = True) -> str:
    """``¹ Xinhua, …`` one line per cited source, in mark order, by its short label."""
    from bot.core.render.embeds import inert  # embeds imports this module

    lines = []
    for number, source_id in enumerate(cited, start=1):
        label = short_label(source_label(sources.get(source_id), source_id))
        shown = inert(label) if escape else label
        if sources.get(source_id) is None and is_url(source_id):
            shown += f" <{source_id}>"
        lines.append(f"{mark(number)} {shown}")
    return "\n".join(lines)
