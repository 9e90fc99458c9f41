"""The entry form: what a moderator or member types, and turning it into a validated entry.

A ``Draft`` holds the form's text exactly as typed, with the rules of what may be typed
(field limits, control characters, the links syntax). ``bot.core.moderation._build.build``
resolves it against the store and validates it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.i18n import N_, _
from bot.core.models import (
    Fact,
    Kind,
    Person,
    Quote,
)

__all__ = [
    "ENTRY_KINDS",
    "FIELD_LIMITS",
    "Built",
    "Draft",
    "control_problem",
    "parse_links",
    "visible",
]

ENTRY_KINDS = (Kind.FACT, Kind.QUOTE)
FIELD_LIMITS = {
    "text": 900,
    "source": 300,
    "excerpt": 900,
    "links": 400,
    "speaker": 100,
    "quote_kind": 10,
}
LABELS = {  # translated where shown (``_(LABELS[name])``)
    "text": N_("Text"),
    "source": N_("Source"),
    "excerpt": N_("Excerpt"),
    "links": N_("Links"),
    "speaker": N_("Speaker"),
    "quote_kind": N_("Direct or reported"),
}
MAX_LINKS = 12
# Control characters other than tab and line breaks, and lone surrogates: SQLite would store
# them and PostgreSQL refuse them (NUL), or no UTF-8 encoder takes them (surrogates).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_LINK_KEYS = {
    "country": "countries",
    "countries": "countries",
    "summit": "summits",
    "summits": "summits",
    "year": "summits",
    "years": "summits",
    "person": "people",
    "people": "people",
    "topic": "topics",
    "topics": "topics",
}


def control_problem(text: str) -> str | None:
    """What is wrong with ``text`` if it holds a control character or a lone surrogate."""
    found = _CONTROL.search(text)
    if found is None:
        return None
    code = ord(found.group())
    if 0xD800 <= code <= 0xDFFF:
        return _("contains the lone surrogate U+{code}, which can't be stored; remove it").format(
            code=f"{code:04X}"
        )
    return _("contains the control character U+{code}, which can't be stored; remove it").format(
        code=f"{code:04X}"
    )


def visible(text: str) -> str:
    """``text`` with each control character or lone surrogate shown as U+FFFD, to echo it."""
    return _CONTROL.sub("\ufffd", text)


@dataclass(frozen=True, slots=True)
class Draft:
    """The entry form's fields as typed. Facts use ``links``; quotes ``speaker`` and
    ``quote_kind``."""

    kind: Kind
    text: str = ""
    source: str = ""
    excerpt: str = ""
    links: str = ""
    speaker: str = ""
    quote_kind: str = ""

    def visible(self) -> Draft:
        """The draft as it can be shown back: control characters replaced (``visible``)."""
        values = {name: visible(str(getattr(self, name))) for name in FIELD_LIMITS}
        return Draft(self.kind, **values)

    def fields(self) -> list[tuple[str, str]]:
        """(form field, value) in form order, for this kind."""
        names = ["text", "source", "excerpt"]
        names += ["links"] if self.kind is Kind.FACT else ["speaker", "quote_kind"]
        return [(name, str(getattr(self, name))) for name in names]

    @classmethod
    def of(cls, kind: Kind, values: dict[str, str]) -> Draft:
        known = {name: str(values.get(name, "")) for name in FIELD_LIMITS}
        return cls(kind, **known)

    @classmethod
    def of_entry(cls, entry: Fact | Quote) -> Draft:
        """The form prefilled with an entry (its first citation)."""
        first = entry.citations[0]
        if isinstance(entry, Fact):
            return cls(
                Kind.FACT, entry.text, first.source, first.excerpt, links=format_links(entry)
            )
        return cls(
            Kind.QUOTE,
            entry.text,
            first.source,
            first.excerpt,
            speaker=entry.person,
            quote_kind=entry.kind.value,
        )


@dataclass(frozen=True, slots=True)
class Built:
    """A validated entry (its key still to be given) and, for a quote by someone new, the
    person to add with it."""

    entry: Fact | Quote
    new_person: Person | None = None


def format_links(fact: Fact) -> str:
    parts = []
    for name, values in (
        ("countries", fact.countries),
        ("summit", [str(y) for y in fact.summits]),
        ("people", fact.people),
        ("topics", fact.topics),
    ):
        if values:
            parts.append(f"{name}: {', '.join(values)}")
    return "; ".join(parts)


def parse_links(text: str) -> tuple[dict[str, list[str]], list[str]]:
    """``countries: belarus, china; summit: 2024`` -> ({"countries": [...], ...}, problems)."""
    found: dict[str, list[str]] = {}
    problems: list[str] = []
    for part in re.split(r"[;\n]+", text):
        if not part.strip():
            continue
        name, colon, values = part.partition(":")
        group = _LINK_KEYS.get(name.strip().casefold())
        if not colon or group is None:
            problems.append(
                _("“{part}” is not understood; write e.g. “{example}”").format(
                    part=part.strip()[:60],
                    example="countries: belarus, china; summit: 2024; people: wang-yi; "
                    "topics: trade",
                )
            )
            continue
        items = [v.strip() for v in values.split(",") if v.strip()]
        found.setdefault(group, []).extend(items)
    if sum(len(v) for v in found.values()) > MAX_LINKS:
        problems.append(_("at most {count} links in all").format(count=MAX_LINKS))
    return found, problems
