"""Turning the entry form (``bot.core.moderation.drafts.Draft``) into a validated entry:
``build`` resolves the draft against the store (source ids, speakers, countries, summits,
people) and validates it through the same pydantic models as the curated store. Every problem
is collected and reported at once, each naming the form field to fix, so one resubmission can
fix them all.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from bot.core.documents import from_document
from bot.core.errors import Ambiguous, Invalid, NotFound
from bot.core.i18n import _
from bot.core.lookup import Candidate, resolve
from bot.core.models import Citation, Fact, Kind, Person, Quote, QuoteKind, Source, is_url, slugify
from bot.core.moderation.drafts import (
    FIELD_LIMITS,
    LABELS,
    Built,
    Draft,
    control_problem,
    parse_links,
)
from bot.core.ports import Store

__all__ = ["build"]

_QUOTE_KINDS = {
    "direct": QuoteKind.DIRECT,
    "d": QuoteKind.DIRECT,
    "quoted": QuoteKind.DIRECT,
    "reported": QuoteKind.REPORTED,
    "r": QuoteKind.REPORTED,
    "indirect": QuoteKind.REPORTED,
}


class _Problems:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, field: str, message: str) -> None:
        self.lines.append(f"{_(LABELS.get(field, field))}: {message}")

    def raise_if_any(self) -> None:
        if self.lines:
            raise Invalid(
                _("Please fix this and submit again:")
                + "\n"
                + "\n".join(f"• {p}" for p in self.lines)
            )


async def _candidates(store: Store, kind: Kind, guild_id: int) -> list[Candidate]:
    return [Candidate(k, n) for k, n in await store.names(kind, guild_id)]


def _resolve_or_note(
    text: str, candidates: list[Candidate], what: str, field: str, problems: _Problems
) -> str | None:
    try:
        return resolve(text, candidates, what=what)
    except (NotFound, Invalid) as exc:
        hint = ""
        if isinstance(exc, NotFound) and exc.suggestions:
            hint = " " + _("Did you mean: {names}?").format(names=", ".join(exc.suggestions[:5]))
        problems.add(field, exc.message + hint)
        return None


async def _source(store: Store, text: str, problems: _Problems) -> str:
    value = text.strip()
    if not value:
        return value  # the model says it is missing
    if is_url(value) or ":" in value.split("/")[0]:  # a link, or meant as one
        try:
            Citation(source=value, excerpt="(checked separately)")
        except ValidationError as exc:
            _model_problems(exc, problems)
        return value
    sources = [from_document(d, Source) for d in await store.list(Kind.SOURCE)]
    candidates = [Candidate(s.id, s.id) for s in sources]
    candidates += [Candidate(s.id, s.title) for s in sources if s.title]
    found = _resolve_or_note(value, candidates, "source", "source", problems)
    if found is None:
        problems.lines[-1] += " " + _("Or paste the page's https:// link.")
        return value
    return found


async def _fact_links(
    store: Store, guild_id: int, text: str, problems: _Problems
) -> dict[str, Any]:
    groups, bad = parse_links(text)
    for message in bad:
        problems.add("links", message)
    links: dict[str, Any] = {"countries": [], "summits": [], "people": [], "topics": []}
    countries = await _candidates(store, Kind.COUNTRY, guild_id) if "countries" in groups else []
    people = await _candidates(store, Kind.PERSON, guild_id) if "people" in groups else []
    years = {int(k) for k, _ in await store.names(Kind.SUMMIT, guild_id) if k.isdigit()}
    for value in groups.get("countries", []):
        found = _resolve_or_note(value, countries, "country", "links", problems)
        if found:
            links["countries"].append(found)
    for value in groups.get("people", []):
        found = _resolve_or_note(value, people, "person", "links", problems)
        if found:
            links["people"].append(found)
    for value in groups.get("summits", []):
        if value.isdigit() and int(value) in years:
            links["summits"].append(int(value))
        else:
            recorded = ", ".join(str(y) for y in sorted(years)) or _("none yet")
            problems.add(
                "links",
                _("no summit in “{value}” is recorded (years: {years})").format(
                    value=value[:20], years=recorded
                ),
            )
    for value in groups.get("topics", []):
        slug = slugify(value)[:80].strip("-")
        if slug:
            links["topics"].append(slug)
        else:
            problems.add(
                "links",
                _("the topic “{value}” has no letters or digits").format(value=value[:30]),
            )
    return {name: list(dict.fromkeys(values)) for name, values in links.items()}


async def _speaker(
    store: Store, guild_id: int, text: str, problems: _Problems
) -> tuple[str, str | None]:
    """(slug, new name or None): a known person's slug, or a slug for someone new."""
    value = " ".join(text.split())
    if not value:
        problems.add("speaker", _("name the speaker: a known person (e.g. wang-yi) or a new name"))
        return "", None
    candidates = await _candidates(store, Kind.PERSON, guild_id)
    try:
        return resolve(value, candidates, what="person"), None
    except Ambiguous as exc:  # a plain NotFound: nobody of that name is recorded, someone new
        problems.add(
            "speaker",
            f"{exc.message} "
            + _("Type one of: {names}").format(names=", ".join(exc.suggestions[:5])),
        )
        return "", None
    except NotFound:
        pass
    except Invalid as exc:
        problems.add("speaker", exc.message)
        return "", None
    base = slugify(value)[:70].strip("-")
    if not base:
        problems.add("speaker", _("a name needs letters or digits"))
        return "", None
    slug, n = base, 1
    while await store.get(Kind.PERSON, slug, guild_id) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug, value


def _model_problems(error: ValidationError, problems: _Problems) -> None:
    for item in error.errors():
        loc = [str(part) for part in item["loc"]]
        field = "excerpt" if "excerpt" in loc else "source" if "source" in loc else loc[0]
        field = {"person": "speaker", "kind": "quote_kind"}.get(field, field)
        message = str(item["msg"]).removeprefix("Value error, ")
        problems.add(field, message[0].lower() + message[1:] if message else _("invalid"))


def _check_typed(draft: Draft, problems: _Problems) -> None:
    for name, value in draft.fields():
        control = control_problem(value)
        if control is not None:
            problems.add(name, control)
        limit = FIELD_LIMITS[name]
        if len(value.strip()) > limit:
            problems.add(
                name,
                _("{length} characters; at most {limit}").format(
                    length=len(value.strip()), limit=limit
                ),
            )
    if not draft.excerpt.strip():
        problems.add("excerpt", _("copy the sentence(s) of the source that support the text"))
    if not draft.text.strip():
        problems.add("text", _("write the fact or quote"))


async def build(
    store: Store, guild_id: int, draft: Draft, *, key: str, base: Fact | Quote | None = None
) -> Built:
    """Validate ``draft`` as the entry ``key``; ``base`` is the version being edited (what the
    form does not show, e.g. a quote's context or further citations, is kept from it). Text is
    kept as typed (mentions and markdown included): rendering makes it inert."""
    problems = _Problems()
    _check_typed(draft, problems)
    source = await _source(store, draft.source, problems)
    citations: list[dict[str, Any]] = [{"source": source, "excerpt": draft.excerpt.strip()}]
    if base is not None:
        citations += [c.model_dump() for c in base.citations[1:]]
    data: dict[str, Any] = dict(base.model_dump(exclude={"added"})) if base is not None else {}
    data.update(id=key, text=" ".join(draft.text.split()), citations=citations)
    new_person: Person | None = None
    model: type[BaseModel]
    if draft.kind is Kind.FACT:
        model = Fact
        data.update(await _fact_links(store, guild_id, draft.links, problems))
    else:
        model = Quote
        slug, new_name = await _speaker(store, guild_id, draft.speaker, problems)
        quote_kind = _QUOTE_KINDS.get(draft.quote_kind.strip().casefold().strip("."))
        if quote_kind is None:
            problems.add("quote_kind", _("write “direct” (their own words) or “reported”"))
        data.update(person=slug, kind=quote_kind or QuoteKind.DIRECT)
        if new_name and slug:
            new_person = _new_person(slug, new_name, citations[0], problems)
    problems.raise_if_any()
    try:
        entry = model.model_validate(data)
    except ValidationError as exc:
        _model_problems(exc, problems)
        problems.raise_if_any()
        raise
    assert isinstance(entry, Fact | Quote)
    return Built(entry, new_person)


def _new_person(slug: str, name: str, citation: dict[str, Any], problems: _Problems) -> Person:
    try:
        return Person(
            slug=slug,
            name=name,
            role="Speaker of a quote this server's moderators added; no role is recorded.",
            citations=[Citation.model_validate(citation)],
        )
    except ValidationError as exc:
        _model_problems(exc, problems)
        problems.raise_if_any()
        raise
