"""How answers name things in plain words: sources by their label (never "unknown" or
"untitled"), people by a short role, curated prose with its dates in the house style. Shared by
the renderers and by autocomplete; imports nothing of ``bot.core.render``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from urllib.parse import urlsplit

from bot.core.dates import day
from bot.core.models import Person, Source, is_url

__all__ = [
    "clip",
    "house_dates",
    "short_label",
    "short_role",
    "short_text",
    "source_label",
    "strip_source_ids",
]

LABEL_TITLE = 60


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


# A sentence ends at ". " or "; " before a capital, but not after "Aug." or "Sept.".
_SENTENCE_END = re.compile(r"(?<![A-Z][a-z]\.)(?<![A-Z][a-z]{2}\.)(?<![A-Z][a-z]{3}\.)(?<=[.;])\s+")


def short_text(text: str, limit: int) -> str:
    """``text`` up to its first sentence or ``limit`` characters, cut at a word."""
    first = _SENTENCE_END.split(text, maxsplit=1)[0]
    if len(first) <= limit:
        return first.rstrip(".;")
    return first[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:–-") + "…"


def short_role(person: Person, sources: Iterable[str]) -> str:
    """A person's role without curators' source ids, first of several, short."""
    role = house_dates(strip_source_ids(person.role, sources))
    # "Chinese President (President of the People's Republic of China)": the gloss goes, and
    # goes first, since a gloss may hold a ";" of its own ("(Xinhua: ...; the feature: ...)").
    role = without_glosses(role) or role
    return short_text(role.split(";")[0].strip(), 80)


def without_glosses(text: str) -> str:
    """``text`` without its parenthesised asides (nested ones included), spaces tidied."""
    kept: list[str] = []
    depth = 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif not depth:
            kept.append(char)
    return re.sub(r"\s+([,;.])", r"\1", re.sub(r"\s{2,}", " ", "".join(kept))).strip()


_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def house_dates(text: str) -> str:
    """ISO dates in curated prose (``2025-07-18``) in the house style (``18 Jul 2025``)."""

    def one(match: re.Match[str]) -> str:
        try:
            return day(date(int(match[1]), int(match[2]), int(match[3])))
        except ValueError:
            return match[0]

    return _ISO.sub(one, text)
