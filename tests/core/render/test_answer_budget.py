"""Every command's answer, on the curated store and on a server with its own entries: the first
page fits one phone screen (1,200 characters), every page keeps Discord's limits, no sentence
is said twice within a section, and every item on a page has a footnote to a source listed on
that page."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot.core.i18n import _, reading_in
from bot.core.models import Kind
from bot.core.moderation.drafts import Draft
from bot.core.moderation.service import Moderation
from bot.core.permissions import MANAGE_GUILD, Member
from bot.core.ports import Store
from bot.core.reading.service import FactService
from bot.core.render import embed_length, render
from bot.core.render.embeds import Reply
from bot.core.render.items import REPORTED
from bot.core.render.pages import PAGE_BUDGET
from bot.store import moderation_store
from tests.fakeclock import FakeClock
from tests.limits import assert_page_within_limits

GUILD = 4242
ALICE = Member.of(1, "Alice", GUILD, MANAGE_GUILD)
Ask = Callable[[FactService, int | None], Awaitable[Any]]

ASKS: dict[str, Ask] = {
    "/member": lambda f, g: f.member(None, g),
    "/member china": lambda f, g: f.member("china", g),
    "/member belarus": lambda f, g: f.member("belarus", g),
    "/summit": lambda f, g: f.summit(None, g),
    "/summit 2024": lambda f, g: f.summit(2024, g),
    "/summit 2025": lambda f, g: f.summit(2025, g),
    "/quote xi-jinping": lambda f, g: f.quote("xi-jinping", g),
    "/quote fan-xianrong": lambda f, g: f.quote("fan-xianrong", g),
    "/quote": lambda f, g: f.quote(None, g),
    "/search railway": lambda f, g: f.search("railway", g),
    "/search 890 billion": lambda f, g: f.search("890 billion", g),
    "/search zebra": lambda f, g: f.search("zebra", g),
    "/fact": lambda f, g: f.fact(None, g, seed=0.5),
    "/fact trade": lambda f, g: f.fact("trade", g, seed=0.1),
    "/source": lambda f, g: f.source(None, g),
    "/source xinhua-grand-plan-2025": lambda f, g: f.source("xinhua-grand-plan-2025", g),
    "/about": lambda f, g: f.about(g),
}
MARK = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
SENTENCE = re.compile(r"(?<=[.!?])\s+")
LONG = "The zebra council " + "met again and again to discuss grazing rights " * 15 + "in 2025."


@pytest.fixture
def backend() -> str:
    return "sqlite-memory"  # rendering does not depend on the backend


@pytest.fixture
async def served(curated_store: Store) -> FactService:
    """The curated store plus a server's own entries: a fact citing a link, a long direct
    quote of a known speaker and a quote of someone new."""
    mod = Moderation.build(curated_store, moderation_store(curated_store), clock=FakeClock())
    drafts = [
        Draft(
            Kind.FACT,
            text="The zebra council of the SCO first met in Tianjin in 2025.",
            source="https://example.org/zebra-council",
            excerpt="The zebra council met for the first time in Tianjin.",
            links="countries: china; summit: 2025; topics: trade",
        ),
        Draft(
            Kind.QUOTE,
            text=LONG[:850],
            source="https://example.org/zebra-speech",
            excerpt="The zebra council met again to discuss grazing rights.",
            speaker="xi-jinping",
            quote_kind="direct",
            links="countries: china; summit: 2025",
        ),
        Draft(
            Kind.QUOTE,
            text="zebras are welcome at every summit",
            source="xinhua-grand-plan-2025",
            excerpt="The SCO welcomes everyone, zebras too.",
            speaker="Zed Zebra",
            quote_kind="reported",
        ),
    ]
    for draft in drafts:
        await mod.entries.add(ALICE, draft, confirm=True)
    return FactService(curated_store)


def _items(description: str) -> list[str]:
    """The items of a page: a "• " line, or a run of "> " lines with the line after it."""
    items: list[str] = []
    quote: list[str] = []
    for line in description.split("\n"):
        if line.startswith("> "):
            quote.append(line)
            continue
        if quote:
            items.append("\n".join(quote))
            quote = []
        if line.startswith("• "):
            items.append(line)
    if quote:
        items.append("\n".join(quote))
    return items


def _check(reply: Reply, ask: str) -> None:
    first = reply.view(0, 0, owner=1) if reply.sections else reply.payload(0)
    size = sum(embed_length(e) for e in first["embeds"])
    assert size <= PAGE_BUDGET, f"{ask}: first page is {size} characters"
    sections = reply.sections or []
    if len(sections) > 1:  # the overview previews the sections: one page, paged in them
        assert len(sections[0].pages) == 1, f"{ask}: the overview has several pages"
    for section in sections:
        said: set[str] = set()
        for page in section.pages:
            assert_page_within_limits(page)
            embed = page["embeds"][0]
            description = embed.get("description", "")
            # Attributions ("— Xi Jinping, …") and group headings name, they don't state.
            lines = [line for line in description.split("\n") if not line.startswith("— ")]
            statements = MARK.sub("", "\n".join(lines)).replace(f"**{REPORTED}**", "")
            for sentence in SENTENCE.split(statements):
                key = " ".join(sentence.split()).strip("•> ").casefold()
                if len(key) > 25:
                    assert key not in said, f"{ask}: said twice: {sentence!r}"
                    said.add(key)
            listed = {
                m
                for f in embed.get("fields", [])
                if f["name"] == _("Sources")  # the reader's language: bot.core.i18n
                for m in MARK.findall(f["value"])
            }
            for item in _items(description):
                if "`/source " in item or "`/quote " in item:
                    continue  # a listing of documents or people, not a claim
                marks = MARK.findall(item)
                assert marks, f"{ask}: no footnote on {item[:80]!r}"
                assert set(marks) <= listed, f"{ask}: {marks} not listed under Sources"
    for page in reply.pages:
        text = " ".join(
            " ".join(
                [e.get("title", ""), e.get("description", ""), e.get("footer", {}).get("text", "")]
                + [f"{f['name']} {f['value']}" for f in e.get("fields", [])]
            )
            for e in page["embeds"]
        )
        for word in ("None", "null", "(s)", "unknown", "untitled"):
            assert word not in text, f"{ask}: {word!r} shown"
        assert not re.search(r"\b20\d\d-\d\d-\d\d\b", text), ask


@pytest.mark.parametrize("ask", list(ASKS))
async def test_curated_answers_fit_and_footnote(curated_store: Store, ask: str) -> None:
    _check(render(await ASKS[ask](FactService(curated_store), None)), ask)


@pytest.mark.parametrize("ask", list(ASKS))
async def test_answers_with_a_servers_entries_fit_and_footnote(
    served: FactService, ask: str
) -> None:
    _check(render(await ASKS[ask](served, GUILD)), ask)


@pytest.mark.parametrize("language", ["ru", "zh-CN"])
@pytest.mark.parametrize("ask", list(ASKS))
async def test_russian_and_chinese_answers_fit_and_footnote(
    curated_store: Store, ask: str, language: str
) -> None:
    """The same budget and footnotes in the reader's language (issue 14): translated
    labels and leads are longer or shorter, the first page still fits one phone screen."""
    with reading_in(language):
        _check(render(await ASKS[ask](FactService(curated_store), None)), f"{language} {ask}")
