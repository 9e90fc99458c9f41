"""How the curated data reads in answers: labels, ranks, links, leads and forms (issue 10).

test_curated_data.py proves every statement is sourced; these prove the curation that answers
rely on: each source has a label, each fact and quote a rank chosen on purpose, each person a
fact names is linked, each summit's facts link its host country, reported statements read on
their own, and direct quotes either stand in quotation marks in their source or say what they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.models import Person, QuoteKind
from bot.store.curated import DEFAULT_DATA_DIR, Catalog, load_catalog

# Reported text starting with one of these needs a lead to say who is speaking.
PRONOUNS = {
    "he", "she", "it", "its", "they", "their", "his", "her", "this", "these", "that", "those",
    "we", "our", "i", "my",
}  # fmt: skip
OPENING_QUOTES = "\"“‘'"


def norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def texts(catalog: Catalog) -> dict[str, str]:
    return {source_id: norm(text) for source_id, text in catalog.texts.items()}


def raw_entries(name: str, data_dir: Path = DEFAULT_DATA_DIR) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = yaml.safe_load((data_dir / name).read_text(encoding="utf-8"))
    return entries


def name_pattern(person: Person) -> re.Pattern[str]:
    names = sorted({person.name, *person.aliases}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)")


def people_named(text: str, people: list[Person]) -> set[str]:
    """Slugs of the people ``text`` names by name or alias. A match inside a longer match of
    another person ("Xi" inside "Chen Xi") does not count."""
    spans = [
        (m.start(), m.end(), person.slug)
        for person in people
        for m in name_pattern(person).finditer(text)
    ]
    return {
        slug
        for start, end, slug in spans
        if not any(s <= start and end <= e and (e - s) > (end - start) for s, e, _ in spans)
    }


def test_people_named_ignores_a_name_inside_a_longer_name(catalog: Catalog) -> None:
    named = people_named("Long Yun and Chen Xi report Xi's speech", catalog.people)
    assert named == {"long-yun", "chen-xi", "xi-jinping"}
    assert people_named("Chen Xi wrote it", catalog.people) == {"chen-xi"}


def test_every_source_has_a_label(catalog: Catalog) -> None:
    unlabelled = [source.id for source in catalog.sources if not source.label]
    assert not unlabelled, f"sources without a label: {unlabelled}"


def test_labels_leads_and_notes_carry_no_iso_dates(catalog: Catalog) -> None:
    """What answers show beside an entry reads as people write dates ("1 Sep 2025")."""
    iso = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
    shown = [
        *((source.id, source.label) for source in catalog.sources),
        *((quote.id, quote.lead) for quote in catalog.quotes),
        *((quote.id, quote.form) for quote in catalog.quotes),
        *((size.id, size.as_of_note) for size in catalog.sizes),
    ]
    dated = [f"{key}: {text!r}" for key, text in shown if text and iso.search(text)]
    assert not dated, "ISO dates in labels, leads, forms or size notes:\n" + "\n".join(dated)


@pytest.mark.parametrize("name", ["facts.yaml", "quotes.yaml"])
def test_every_fact_and_quote_has_an_explicit_rank(name: str) -> None:
    unranked = [entry["id"] for entry in raw_entries(name) if "rank" not in entry]
    assert not unranked, f"{name}: entries without a curated rank: {unranked}"


def test_rank_one_is_used_sparingly(catalog: Catalog) -> None:
    ranked = [*catalog.facts, *catalog.quotes]
    top = [entry.id for entry in ranked if entry.rank == 1]
    assert top, "no entry has rank 1"
    assert len(top) <= len(ranked) // 10, f"{len(top)} of {len(ranked)} entries have rank 1: {top}"


def test_every_person_a_fact_names_is_linked(catalog: Catalog) -> None:
    missing = [
        f"{fact.id}: {sorted(named - set(fact.people))}"
        for fact in catalog.facts
        if (named := people_named(fact.text, catalog.people)) - set(fact.people)
    ]
    assert not missing, "people named but not linked:\n" + "\n".join(missing)


def test_facts_of_a_summit_link_its_host_country(catalog: Catalog) -> None:
    host = {summit.year: summit.country for summit in catalog.summits if summit.country}
    missing = [
        f"{fact.id}: summit {year} -> {host[year]}"
        for fact in catalog.facts
        for year in fact.summits
        if year in host and host[year] not in fact.countries
    ]
    assert not missing, "facts of a summit without its host country:\n" + "\n".join(missing)


def test_an_inferred_host_country_comes_from_a_named_city(catalog: Catalog) -> None:
    bad = [
        summit.year
        for summit in catalog.summits
        if summit.country_inferred and not (summit.city and summit.country)
    ]
    assert not bad, f"summits whose host country is inferred without a city: {bad}"


def first_word(text: str) -> str:
    match = re.match(r"\W*(\w+)", text)
    return match.group(1) if match else ""


def test_reported_statements_that_start_mid_sentence_have_a_lead(catalog: Catalog) -> None:
    missing = [
        f"{quote.id}: {quote.text[:60]!r}"
        for quote in catalog.quotes
        if quote.kind is QuoteKind.REPORTED
        and not quote.lead
        and (quote.text[:1].islower() or first_word(quote.text).casefold() in PRONOUNS)
    ]
    assert not missing, "reported statements without a lead:\n" + "\n".join(missing)


def test_leads_and_forms_fit_their_kind(catalog: Catalog) -> None:
    wrong = [
        quote.id
        for quote in catalog.quotes
        if (quote.lead and quote.kind is not QuoteKind.REPORTED)
        or (quote.form and quote.kind is not QuoteKind.DIRECT)
    ]
    assert not wrong, f"a lead belongs to reported text, a form to direct text: {wrong}"


def quote_excerpts(quote_text: str, excerpts: list[str]) -> Iterator[str]:
    wanted = norm(quote_text)
    return (excerpt for excerpt in excerpts if wanted in norm(excerpt))


def test_every_quote_cites_its_whole_text(catalog: Catalog) -> None:
    partial = [
        quote.id
        for quote in catalog.quotes
        if not any(quote_excerpts(quote.text, [c.excerpt for c in quote.citations]))
    ]
    assert not partial, f"quotes whose text runs past every excerpt they cite: {partial}"


def test_direct_quotes_without_quotation_marks_say_what_they_are(
    catalog: Catalog, texts: dict[str, str]
) -> None:
    unmarked: list[str] = []
    for quote in catalog.quotes:
        if quote.kind is not QuoteKind.DIRECT or quote.form:
            continue
        wanted = norm(quote.text)
        quoted = any(
            texts[c.source][max(0, at - 1)] in OPENING_QUOTES
            for c in quote.citations
            for at in [m.start() for m in re.finditer(re.escape(wanted), texts[c.source])]
        )
        if not quoted:
            unmarked.append(quote.id)
    assert not unmarked, (
        "direct quotes that stand in no quotation marks and have no `form` "
        f"('from his speech as published', 'from his column'): {unmarked}"
    )
