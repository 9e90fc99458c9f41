"""Rendering: Discord's limits hold for any input, citations are never cut, nothing pings."""

from __future__ import annotations

import random
import string
from datetime import date

from bot.core.errors import NotFound
from bot.core.models import Citation, Fact, Person, Quote, QuoteKind, Source
from bot.core.reading.answers import FactAnswer, QuoteAnswer, SearchAnswer, SearchHit
from bot.core.render import render, render_apology, render_error
from bot.core.render.embeds import LIMITS, Item, embed_length, inert, pager_components, paginate
from bot.core.render.pages import PAGE_BUDGET
from tests.limits import assert_page_within_limits

SOURCE = Source(
    id="src", file="src.txt", title="A Title", publisher="Xinhua", published=date(2025, 9, 1)
)
UNTITLED = Source(id="untitled", file="u.txt")


def _cite(n: int = 1) -> list[Citation]:
    return [Citation(source="src", excerpt=f"excerpt number {i} " + "w" * 50) for i in range(n)]


def _fact(i: int, text_len: int = 800, cites: int = 1) -> Fact:
    # Distinct statements (not restatements of one another, which an answer merges).
    rng = random.Random(i)
    words = " ".join("".join(rng.choices(string.ascii_lowercase, k=6)) for _ in range(150))
    return Fact(id=f"f{i}", text=f"fact {i} {words}"[:text_len], citations=_cite(cites))


def _search(hits: list[SearchHit]) -> SearchAnswer:
    return SearchAnswer(
        query="q", terms=["q"], total=len(hits), hits=hits, speakers={}, sources={"src": SOURCE}
    )


def _text(page: dict[str, object]) -> str:
    embed = page["embeds"][0]  # type: ignore[index]
    fields = " ".join(f["value"] for f in embed.get("fields", []))
    return embed.get("description", "") + " " + fields


def test_many_long_items_split_into_pages_within_limits() -> None:
    hits = [SearchHit("fact", f"f{i}", "t", _fact(i)) for i in range(25)]
    reply = render(_search(hits))
    assert len(reply.pages) > 1
    for page in reply.pages:
        assert_page_within_limits(page)
        assert embed_length(page["embeds"][0]) <= PAGE_BUDGET
    shown = sum(_text(p).count("• fact ") for p in reply.pages)
    assert shown == 25  # nothing dropped


def test_every_page_lists_the_sources_its_items_cite_once() -> None:
    hits = [SearchHit("fact", f"f{i}", "t", _fact(i, text_len=300, cites=3)) for i in range(6)]
    for page in render(_search(hits)).pages:
        fields = page["embeds"][0]["fields"]
        assert [f["name"] for f in fields] == ["Sources"]
        assert fields[0]["value"] == "¹ Xinhua, “A Title”, 1 Sep 2025"
        assert page["embeds"][0]["description"].count(" ¹") >= 1


def test_unknown_source_metadata_is_never_called_unknown() -> None:
    fact = Fact(id="f", text="t", citations=[Citation(source="untitled", excerpt="0123456789 ab")])
    reply = render(FactAnswer(fact=fact, topic=None, people={}, sources={"untitled": UNTITLED}))
    text = _text(reply.pages[0]).casefold()
    assert "/source untitled" in text
    for word in ("unknown", "untitled,", "undated", "none", "null"):
        assert word not in text


def test_direct_and_reported_quotes_are_shown_apart() -> None:
    person = Person(slug="p", name="P Q", role="envoy", citations=_cite())
    quotes = [
        Quote(id="a", person="p", kind=QuoteKind.DIRECT, text="We agree.", citations=_cite()),
        Quote(
            id="b",
            person="p",
            kind=QuoteKind.REPORTED,
            text="the two sides would keep talking",
            lead="P Q said",
            citations=_cite(),
        ),
    ]
    reply = render(QuoteAnswer(person=person, quotes=quotes, sources={"src": SOURCE}))
    text = reply.pages[0]["embeds"][0]["description"]
    assert "1 direct quote and 1 reported statement" in text
    assert "> We agree. ¹" in text
    reported = text.index("**Reported (not their exact words)**")
    assert text.index("P Q said the two sides would keep talking") > reported
    assert text.index("We agree.") < reported


def test_mentions_and_markdown_are_rendered_inert() -> None:
    text = inert("hi <@123> @everyone **bold** <#9>")
    assert "<@123>" not in text and "@everyone" not in text and "<#9>" not in text
    assert "\\*\\*bold\\*\\*" in text


def test_error_reply_is_ephemeral_with_suggestions() -> None:
    reply = render_error(NotFound("No such country.", suggestions=["Belarus", "Russia"]))
    assert reply.ephemeral
    field = reply.pages[0]["embeds"][0]["fields"][0]
    assert field["name"] == "Did you mean" and "Belarus" in field["value"]
    assert_page_within_limits(reply.pages[0])


def test_the_add_an_entry_hint_is_for_moderators_only() -> None:
    error = NotFound("No country called “Atlantis” is recorded.")
    assert "/entry add" not in str(render_error(error).pages)
    assert "/entry add" in str(render_error(error, moderator=True).pages)


def test_apology_quotes_the_error_id() -> None:
    reply = render_apology("abc123")
    assert "abc123" in reply.pages[0]["content"] and reply.ephemeral


def test_oversized_single_item_is_truncated_not_the_citation() -> None:
    item = Item("n" * 300, "b" * 5000, "Source: kept whole")
    field = item.field()
    assert len(field["name"]) <= 256 and len(field["value"]) <= 1024
    assert field["value"].endswith("Source: kept whole")


def test_paginate_caps_fields_per_page_and_numbers_pages() -> None:
    pages = paginate("T" * 300, "d" * 5000, [Item("n", "v")] * 60, color=1)
    assert all(len(p["embeds"][0].get("fields", [])) <= LIMITS.fields_per_page for p in pages)
    assert pages[0]["embeds"][0]["title"].endswith(f"(1/{len(pages)})")
    for page in pages:
        assert_page_within_limits(page)


def test_pager_buttons_disable_at_the_ends() -> None:
    assert pager_components(0, 1) == []
    first = pager_components(0, 3)[0]["components"]
    last = pager_components(2, 3)[0]["components"]
    assert first[0]["disabled"] and not first[2]["disabled"]
    assert last[2]["disabled"] and not last[0]["disabled"]


def test_rendered_replies_reuse_the_reply_of_the_same_answer_object_only() -> None:
    from bot.core.render.memo import RenderedReplies

    hits = [SearchHit("fact", f"f{i}", "t", _fact(i, text_len=300)) for i in range(3)]
    answer, equal_but_another = _search(hits), _search(hits)
    replies = RenderedReplies(size=1)
    first = replies(answer)
    assert replies(answer) is first  # the cache's one object: rendered once
    assert first.pages == render(answer).pages  # ... and what render gives
    other = replies(equal_but_another)
    assert other is not first and other.pages == first.pages
    assert replies(answer) is not first  # size 1: the older one was let go
