"""Sources as footnotes: marks (¹ ²) on items and one short "Sources" list per page.

A source is named by its curated ``label``; without one, by what the document shows of itself
(publisher, title, date), never by "unknown", "untitled" or "None". A server's own entry may cite
a link: it is named by the link's site and listed as the link.
"""

from __future__ import annotations

from bot.core.labels import clip, short_label, source_label, strip_source_ids
from bot.core.models import Source, is_url
from bot.core.render.embeds import inert

__all__ = ["clip", "mark", "short_label", "source_label", "sources_block", "strip_source_ids"]

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def mark(number: int) -> str:
    """The footnote mark of the ``number``-th source on a page: ``¹``, ``²``, … ``¹²``."""
    return str(number).translate(_SUPERSCRIPT)


def sources_block(cited: list[str], sources: dict[str, Source], escape: bool = True) -> str:
    """``¹ Xinhua, …`` one line per cited source, in mark order, by its short label."""
    lines = []
    for number, source_id in enumerate(cited, start=1):
        label = short_label(source_label(sources.get(source_id), source_id))
        shown = inert(label) if escape else label
        if sources.get(source_id) is None and is_url(source_id):
            shown += f" <{source_id}>"
        lines.append(f"{mark(number)} {shown}")
    return "\n".join(lines)
