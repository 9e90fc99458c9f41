"""One style (dates, plurals), view state in custom ids, and the errors and autocomplete that
never answer "nothing recorded"."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.dates import day, day_range, plural, sourced_dates
from bot.core.errors import NotFound
from bot.core.ports import Store
from bot.core.reading.answers import Ask, CountryAnswer
from bot.core.reading.service import Completion, FactService
from bot.core.render import render
from bot.core.render.state import ViewState, parse_custom_id


@pytest.fixture
def backend() -> str:
    return "sqlite-memory"


@pytest.fixture
def facts(curated_store: Store) -> FactService:
    return FactService(curated_store)


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("June 15, 2001", "15 Jun 2001"),
        ("June 2018", "Jun 2018"),
        ("Aug. 31 to Sept. 1, 2025", "31 Aug – 1 Sep 2025"),
        ("16 July 2025", "16 Jul 2025"),
        ("some time that spring", "some time that spring"),
    ],
)
def test_dates_in_one_style(given: str, shown: str) -> None:
    assert sourced_dates(given) == shown


def test_days_ranges_and_plurals() -> None:
    assert day(date(2025, 9, 1)) == "1 Sep 2025"
    assert day_range(date(2018, 6, 9), date(2018, 6, 10)) == "9–10 Jun 2018"
    assert day_range(date(2024, 12, 31), date(2025, 1, 1)) == "31 Dec 2024 – 1 Jan 2025"
    assert plural(1, "direct quote") == "1 direct quote"
    assert plural(3, "reported statement") == "3 reported statements"
    assert plural(2, "country") == "2 countries" and plural(0, "match") == "0 matches"


def test_view_state_round_trips_and_fits_a_custom_id() -> None:
    state = ViewState("n", "f", 12, 2**63, Ask("search", "railway " * 30))
    custom_id = state.custom_id()
    assert len(custom_id) <= 100
    parsed = parse_custom_id(custom_id)
    assert parsed is not None and parsed.page == 12 and parsed.owner == 2**63
    assert parsed.ask.command == "search" and parsed.ask.argument.startswith("railway railway")
    assert parse_custom_id("pager:next") is None


async def test_every_answer_can_be_asked_again(facts: FactService) -> None:
    for answer in [
        await facts.member("china"),
        await facts.member(),
        await facts.summit(2024),
        await facts.quote("fan-xianrong"),
        await facts.quote(),
        await facts.search("railway"),
        await facts.fact("trade"),
        await facts.source("xinhua-grand-plan-2025"),
    ]:
        assert answer.ask is not None
        again = await facts.answer(answer.ask)
        assert type(again) is type(answer) and again.ask == answer.ask


async def test_unknown_topic_lists_the_topics(facts: FactService) -> None:
    with pytest.raises(NotFound) as caught:
        await facts.fact("bananas")
    topics = await facts.topics()
    assert all(t.replace("-", " ") in (caught.value.hint or "") for t in topics)


async def test_unknown_person_offers_people_with_quotes(facts: FactService) -> None:
    with pytest.raises(NotFound) as caught:
        await facts.quote("nobody atall")
    assert "Xi Jinping" in (caught.value.hint or "")


async def test_quote_autocomplete_offers_people_with_quotes_most_first(
    facts: FactService,
) -> None:
    counts = await facts.quote_counts()
    offered = await facts.complete(Completion.PERSON, "")
    assert offered and all(c.key in counts for c in offered)
    numbers = [counts[c.key] for c in offered]
    assert numbers == sorted(numbers, reverse=True)
    top = offered[0]
    assert top.key == max(counts, key=lambda k: counts[k])
    assert f"({counts[top.key]} quotes)" in top.name and " · " in top.name  # role, count
    typed = await facts.complete(Completion.PERSON, "fan xian")
    assert typed[0].key == "fan-xianrong"


async def test_source_autocomplete_offers_labels_not_ids(facts: FactService) -> None:
    offered = await facts.complete(Completion.SOURCE, "")
    assert offered and all(c.name != c.key for c in offered)


async def test_best_first_by_rank(facts: FactService) -> None:
    answer = await facts.member("china")
    assert isinstance(answer, CountryAnswer)
    ranks = [f.rank for f in answer.facts]
    assert ranks == sorted(ranks)
    quotes = await facts.quote("xi-jinping")
    assert [q.rank for q in quotes.quotes] == sorted(q.rank for q in quotes.quotes)


@pytest.mark.parametrize(
    "claim", ["highly sought after", "1,000 young people", "five common homes"]
)
async def test_a_claim_is_said_once_in_a_summit_answer(facts: FactService, claim: str) -> None:
    reply = render(await facts.summit(2024))
    shown = [
        page["embeds"][0].get("description", "")
        for section in reply.sections
        if section.key in {"f", "q"}
        for page in section.pages
    ]
    assert sum(text.count(claim) for text in shown) <= 1
    assert any(claim in text for text in shown)


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("Chinese President (President of the People's Republic of China)", "Chinese President"),
        (
            "Ambassador for the SCO (Xinhua: 'in charge of the work'; the feature: 'responsible')",
            "Ambassador for the SCO",
        ),
        ("Consul General in Kazan (of China); author of a column", "Consul General in Kazan"),
        ("Director (of an (inner) institute), professor", "Director, professor"),
    ],
)
def test_a_role_is_shown_without_its_glosses_even_when_they_hold_a_semicolon(
    role: str, shown: str
) -> None:
    from bot.core.labels import short_role
    from bot.core.models import Citation, Person

    cite = [Citation(source="xinhua-grand-plan-2025", excerpt="an excerpt of ten characters")]
    assert short_role(Person(slug="p", name="P", role=role, citations=cite), []) == shown


async def test_a_quote_attribution_reads_as_one_sentence(facts: FactService) -> None:
    """After a name and role, a context such as "Quoted in …" goes on in lower case; alone at
    the start of the attribution it keeps its capital."""
    from bot.core.render.items import quote_entry

    answer = await facts.quote()
    speaker, quote = answer.person, answer.quotes[0]
    quote = quote.model_copy(update={"context": "Quoted in a feature on the summit"})
    named = quote_entry(quote, speaker, answer.sources)
    assert f"{speaker.name}, " in named.tail and ", quoted in a feature on the summit" in named.tail
    alone = quote_entry(quote, speaker, answer.sources, name=False)
    assert alone.tail.startswith("— Quoted in a feature on the summit")
    other = quote.model_copy(update={"context": "Qingdao summit, June 2018"})
    assert ", Qingdao summit" in quote_entry(other, speaker, answer.sources).tail
