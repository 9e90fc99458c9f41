"""The services on the real curated store, through every backend the store fixture offers."""

from __future__ import annotations

import random

import pytest

from bot.core.documents import to_document
from bot.core.errors import Invalid, NotFound
from bot.core.models import Citation, CountryStatus, Document, Fact
from bot.core.ports import Store
from bot.core.reading.answers import (
    CountryAnswer,
    MembershipAnswer,
    SearchAnswer,
    SourceAnswer,
    SourceListAnswer,
    SummitAnswer,
    SummitListAnswer,
)
from bot.core.reading.service import FactService
from bot.core.render import render
from bot.store.curated import load_catalog
from tests.conftest import curated_documents
from tests.limits import assert_page_within_limits
from tests.search_words import expected_hits

CATALOG = load_catalog()


@pytest.fixture
def facts(curated_store: Store) -> FactService:
    return FactService(curated_store)


def _rendered_ok(answer: object) -> None:
    for page in render(answer).pages:
        assert_page_within_limits(page)


@pytest.mark.parametrize(
    ("typed", "slug"),
    [
        ("belarus", "belarus"),
        ("Kyrgyz Republic", "kyrgyzstan"),
        ("Russian Federation", "russia"),
        ("Россия", "russia"),
        ("中国", "china"),
        ("People's Republic of China", "china"),
        ("belarus ", "belarus"),
        ("Belaruss", "belarus"),
    ],
)
async def test_member_resolves_any_name(facts: FactService, typed: str, slug: str) -> None:
    answer = await facts.member(typed)
    assert isinstance(answer, CountryAnswer)
    assert answer.country.slug == slug
    assert all(slug in f.countries for f in answer.facts)
    assert {c.source for c in answer.country.citations} <= set(answer.sources)
    _rendered_ok(answer)


async def test_member_history_follows_the_sources(facts: FactService) -> None:
    belarus = await facts.member("belarus")
    assert isinstance(belarus, CountryAnswer) and belarus.country.joined_year == 2024
    for later in ("india", "pakistan", "iran"):
        answer = await facts.member(later)
        assert isinstance(answer, CountryAnswer)
        assert answer.country.joined_year is None and not answer.country.founding_member


async def test_membership_overview_lists_ten_members_and_sizes_newest_first(
    facts: FactService,
) -> None:
    answer = await facts.member()
    assert isinstance(answer, MembershipAnswer)
    assert len(answer.members) == 10
    assert all(c.status is CountryStatus.MEMBER for c in answer.members)
    order = [(s.as_of, s.later_same_day) for s in answer.sizes]
    assert order == sorted(order, reverse=True)
    # The post-Tianjin claim is the newest; the earlier 26-country claims are kept, not dropped.
    assert answer.sizes[0].partners == 17 and answer.sizes[0].total == 27
    assert any(s.total == 26 for s in answer.sizes[1:])
    _rendered_ok(answer)


async def test_unknown_country_lists_the_recorded_countries(facts: FactService) -> None:
    with pytest.raises(NotFound) as caught:
        await facts.member("Kirgizia Republik of")
    members = [c.name for c in CATALOG.countries if c.status.value == "member"]
    assert all(name in (caught.value.hint or "") for name in members)


@pytest.mark.parametrize(
    ("typed", "meant"), [("Kazakstan", "Kazakhstan"), ("Uzbekstan", "Uzbekistan")]
)
async def test_did_you_mean_only_for_close_spellings(
    facts: FactService, typed: str, meant: str
) -> None:
    with pytest.raises(NotFound) as far:
        await facts.member("Mongolia")
    assert far.value.suggestions == []  # not "Iran": nothing recorded is spelled like it
    try:
        found = await facts.member(typed)
    except NotFound as close:
        assert meant in close.suggestions
    else:
        assert isinstance(found, CountryAnswer) and found.country.name == meant


@pytest.mark.parametrize("junk", ["<@1234>", "@everyone", "x" * 500, "!!!"])
async def test_junk_country_is_invalid(facts: FactService, junk: str) -> None:
    with pytest.raises(Invalid):
        await facts.member(junk)


async def test_summit_by_year_and_unrecorded_year(facts: FactService) -> None:
    years = sorted(s.year for s in CATALOG.summits)
    answer = await facts.summit(years[-1])
    assert isinstance(answer, SummitAnswer) and answer.summit.year == years[-1]
    _rendered_ok(answer)
    missing = next(y for y in range(2001, 2100) if y not in years)
    with pytest.raises(NotFound) as caught:
        await facts.summit(missing)
    assert caught.value.hint == "Summits recorded: " + ", ".join(str(y) for y in years) + "."


async def test_summit_list_is_every_recorded_year(facts: FactService) -> None:
    answer = await facts.summit()
    assert isinstance(answer, SummitListAnswer)
    assert [s.year for s in answer.summits] == sorted(s.year for s in CATALOG.summits)
    _rendered_ok(answer)


@pytest.mark.parametrize("typed", ["fan-xianrong", "Fan Xianrong", "fan xianrong", "fan xianrog"])
async def test_quote_finds_a_person_fuzzily(facts: FactService, typed: str) -> None:
    answer = await facts.quote(typed)
    assert answer.person.slug == "fan-xianrong"
    assert answer.quotes and all(q.person == "fan-xianrong" for q in answer.quotes)
    kinds = [q.kind.value for q in answer.quotes]
    assert kinds == sorted(kinds)  # direct before reported
    _rendered_ok(answer)


async def test_random_quotes_are_curated_quotes_with_their_speakers(curated_store: Store) -> None:
    """Each pick is a quote of data/ as written, with the person of people.yaml who said it and
    the sources both cite; the picks range over the quotes."""
    facts = FactService(curated_store, rng=random.Random(5))
    quotes = {q.id: q for q in CATALOG.quotes}
    people = {p.slug: p for p in CATALOG.people}
    seen = set()
    for _ in range(30):
        answer = await facts.quote()
        assert answer.random_pick
        (quote,) = answer.quotes
        assert quote == quotes[quote.id]
        assert answer.person == people[quote.person]
        cited = {c.source for c in [*quote.citations, *answer.person.citations]}
        assert cited == set(answer.sources)
        seen.add(quote.id)
    assert len(seen) >= min(10, len(quotes))


async def test_search_finds_the_trade_figure(facts: FactService) -> None:
    answer = await facts.search("890 billion")
    assert isinstance(answer, SearchAnswer) and answer.hits
    assert "890" in answer.hits[0].entry.model_dump_json()
    _rendered_ok(answer)


GUILD = 4242
SERVER_FACTS = {  # each query below finds some of these, and some curated entries, and not others
    "s1": "An unbalanced budget worried the planners.",
    "s2": "The new depot stands near the railway and the port.",
    "s3": "Railway or rail freight? Not yet, said the port.",
    "s4": "Never drop table x from the ledger, the clerk said.",
    "s5": "The title of the railway agreement was signed.",
    "s6": "Table tennis, not a drop of rain.",
}


def server_facts() -> list[Document]:
    cite = [Citation(source="https://example.org/page", excerpt="an excerpt of the page")]
    return [
        to_document(Fact(id=key, text=text, citations=cite), GUILD)
        for key, text in SERVER_FACTS.items()
    ]


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced',
        "railway AND",
        "NEAR(railway",
        "rail*",
        "-railway",
        "'; DROP TABLE x; --",
        "title:railway",
        "^railway",
        "railway OR NOT port",
        "((()))railway",
        '"890 billion"',
    ],
)
async def test_search_syntax_is_just_words(
    facts: FactService, curated_store: Store, query: str
) -> None:
    """Operators, quotes and SQL in a query are words (or nothing): the search finds exactly
    the entries holding every word, no more, no fewer."""
    for doc in server_facts():
        await curated_store.put(doc)
    expected = expected_hits([*curated_documents(), *server_facts()], query)
    assert 0 < len(expected) <= 25, expected  # a query this test can see all the answers of
    answer = await facts.search(query, GUILD)
    assert isinstance(answer, SearchAnswer)
    assert {(hit.kind, hit.key) for hit in answer.hits} == expected
    assert answer.total == len(expected)
    _rendered_ok(answer)


@pytest.mark.parametrize("query", ["", "   ", '""', "***", "x" * 201, "<@123> hi"])
async def test_unusable_search_is_invalid(facts: FactService, query: str) -> None:
    with pytest.raises(Invalid):
        await facts.search(query)


async def test_fact_on_a_topic_carries_that_topic(facts: FactService) -> None:
    topics = await facts.topics()
    assert "trade" in topics
    for seed in (0.0, 0.5, 0.999):
        answer = await facts.fact("trade", seed=seed)
        assert "trade" in answer.fact.topics
        _rendered_ok(answer)


async def test_topic_typo_is_forgiven_and_junk_refused(facts: FactService) -> None:
    assert (await facts.fact("securty")).topic == "security"
    with pytest.raises(NotFound):
        await facts.fact("zzqqxx")


async def test_sources_list_and_one_source(facts: FactService) -> None:
    listing = await facts.source()
    assert isinstance(listing, SourceListAnswer)
    assert set(listing.sources) == {s.id for s in CATALOG.sources}
    assert all(n > 0 for n in listing.cited_counts.values())
    one = await facts.source(CATALOG.sources[0].id)
    assert isinstance(one, SourceAnswer) and one.examples
    _rendered_ok(one)
    _rendered_ok(listing)


async def test_about_counts_the_store(facts: FactService) -> None:
    answer = await facts.about()
    assert answer.counts["fact"] == len(CATALOG.facts)
    assert answer.counts["quote"] == len(CATALOG.quotes)


async def test_autocomplete_is_capped_and_ranked(facts: FactService) -> None:
    from bot.core.reading.service import Completion

    found = await facts.complete(Completion.COUNTRY, "bela")
    assert found[0].key == "belarus"
    assert len(await facts.complete(Completion.PERSON, "")) <= 25
    assert next(c.key for c in await facts.complete(Completion.TOPIC, "trad")) == "trade"
