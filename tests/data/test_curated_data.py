"""The curated data in data/: every statement is sourced, verbatim, and every reference resolves."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from pydantic import BaseModel

from bot.core.models import Citation, QuoteKind
from bot.store.curated import Catalog, load_catalog

MEMBERS = {
    "china",
    "russia",
    "kazakhstan",
    "kyrgyzstan",
    "tajikistan",
    "uzbekistan",
    "india",
    "pakistan",
    "iran",
    "belarus",
}
FOUNDERS = {"china", "russia", "kazakhstan", "kyrgyzstan", "tajikistan", "uzbekistan"}
QUOTE_TOPICS = {
    "membership",
    "shanghai-spirit",
    "trade",
    "economy",
    "connectivity",
    "security",
    "culture",
    "education",
    "agriculture",
    "science-technology",
    "energy-environment",
    "development",
    "global-governance",
    "diplomacy",
    "history",
    "institutions",
    "people-to-people",
}
MIN_CITED_ENTRIES = 150


def norm(text: str) -> str:
    """Collapse every run of whitespace to one space (sources break lines mid-sentence)."""
    return " ".join(text.split())


def label(entry: BaseModel) -> str:
    ident = getattr(entry, "id", None) or getattr(entry, "slug", None) or getattr(entry, "year", "")
    return f"{type(entry).__name__} {ident}"


def cited(catalog: Catalog) -> Iterator[tuple[BaseModel, Citation]]:
    for entry in catalog.entries():
        for citation in getattr(entry, "citations", []):
            yield entry, citation


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def texts(catalog: Catalog) -> dict[str, str]:
    return {source_id: norm(text) for source_id, text in catalog.texts.items()}


def test_every_excerpt_occurs_verbatim_in_its_source(
    catalog: Catalog, texts: dict[str, str]
) -> None:
    failures = [
        f"{label(entry)}: [{c.source}] {c.excerpt[:100]!r}"
        for entry, c in cited(catalog)
        if c.source in texts and norm(c.excerpt) not in texts[c.source]
    ]
    assert not failures, f"{len(failures)} excerpts not found verbatim:\n" + "\n".join(failures)


def test_every_cited_source_exists(catalog: Catalog) -> None:
    known = {source.id for source in catalog.sources}
    missing = [
        f"{label(entry)} -> {c.source}" for entry, c in cited(catalog) if c.source not in known
    ]
    assert not missing, "unknown sources:\n" + "\n".join(missing)


def test_every_source_has_its_text(catalog: Catalog) -> None:
    empty = [s.id for s in catalog.sources if not catalog.texts.get(s.id, "").strip()]
    assert not empty, f"sources without text: {empty}"


def test_every_direct_quote_occurs_verbatim_in_a_cited_source(
    catalog: Catalog, texts: dict[str, str]
) -> None:
    failures = [
        f"{quote.id}: {quote.text[:100]!r}"
        for quote in catalog.quotes
        if quote.kind is QuoteKind.DIRECT
        and not any(norm(quote.text) in texts.get(c.source, "") for c in quote.citations)
    ]
    assert not failures, "direct quotes not verbatim in a cited source:\n" + "\n".join(failures)


def test_every_reference_resolves(catalog: Catalog) -> None:
    people = {person.slug for person in catalog.people}
    countries = {country.slug for country in catalog.countries}
    years = {summit.year for summit in catalog.summits}
    broken: list[str] = []

    def check(owner: str, what: str, value: object, known: set[str] | set[int]) -> None:
        if value not in known:
            broken.append(f"{owner}: unknown {what} {value!r}")

    for quote in catalog.quotes:
        check(f"quote {quote.id}", "person", quote.person, people)
        for slug in quote.countries:
            check(f"quote {quote.id}", "country", slug, countries)
        if quote.summit is not None:
            check(f"quote {quote.id}", "summit", quote.summit, years)
    for summit in catalog.summits:
        if summit.country is not None:
            check(f"summit {summit.year}", "country", summit.country, countries)
        for slug in summit.people:
            check(f"summit {summit.year}", "person", slug, people)
    for person in catalog.people:
        if person.country is not None:
            check(f"person {person.slug}", "country", person.country, countries)
    for fact in catalog.facts:
        for slug in fact.people:
            check(f"fact {fact.id}", "person", slug, people)
        for slug in fact.countries:
            check(f"fact {fact.id}", "country", slug, countries)
        for year in fact.summits:
            check(f"fact {fact.id}", "summit", year, years)
    assert not broken, "\n".join(broken)


def test_keys_are_unique_per_kind(catalog: Catalog) -> None:
    keys = {
        "source": [source.id for source in catalog.sources],
        "country": [country.slug for country in catalog.countries],
        "size": [size.id for size in catalog.sizes],
        "summit": [summit.year for summit in catalog.summits],
        "person": [person.slug for person in catalog.people],
        "quote": [quote.id for quote in catalog.quotes],
        "fact": [fact.id for fact in catalog.facts],
    }
    duplicates = {
        kind: [key for key, n in Counter(values).items() if n > 1] for kind, values in keys.items()
    }
    assert not any(duplicates.values()), duplicates


def test_the_ten_member_states_exist(catalog: Catalog) -> None:
    by_slug = {country.slug: country for country in catalog.countries}
    assert set(by_slug) >= MEMBERS
    assert all(by_slug[slug].status == "member" for slug in MEMBERS)
    assert {slug for slug in MEMBERS if by_slug[slug].founding_member} == FOUNDERS
    assert all(by_slug[slug].joined_year == 2001 for slug in FOUNDERS)


def test_belarus_joined_in_2024(catalog: Catalog) -> None:
    belarus = next(country for country in catalog.countries if country.slug == "belarus")
    assert belarus.joined_year == 2024
    assert not belarus.founding_member


@pytest.mark.parametrize("slug", ["india", "pakistan", "iran"])
def test_later_members_have_no_joined_year_the_sources_do_not_give(
    catalog: Catalog, slug: str
) -> None:
    country = next(country for country in catalog.countries if country.slug == slug)
    assert country.joined_year is None
    assert not country.founding_member


def test_quote_topics_come_from_the_vocabulary(catalog: Catalog) -> None:
    unknown = {
        quote.id: sorted(set(quote.topics) - QUOTE_TOPICS)
        for quote in catalog.quotes
        if set(quote.topics) - QUOTE_TOPICS
    }
    assert not unknown, unknown


def test_at_least_150_cited_entries(catalog: Catalog) -> None:
    entries = [entry for entry in catalog.entries() if getattr(entry, "citations", None)]
    assert len(entries) >= MIN_CITED_ENTRIES, f"only {len(entries)} cited entries"
