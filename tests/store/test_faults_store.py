"""Faults met at the store, on every backend (issue 13, "Survival under faults"): concurrent
writes that must not slip past a limit or collide, control characters, unreachable databases.

Each test first makes the fault happen (many writers at once, a NUL in a form) and then checks
what the member or moderator would see."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.core.documents import to_document
from bot.core.errors import Invalid, RateLimited
from bot.core.models import Citation, Fact, Kind
from bot.core.moderation._review import SUGGESTION_LIMIT
from bot.core.moderation.drafts import Draft
from bot.core.moderation.service import Moderation
from bot.core.permissions import MANAGE_GUILD, Member
from bot.core.ports import Store
from bot.store import moderation_store, open_store

GUILD = 1001
CITE = [Citation(source="https://example.org/a", excerpt="a passage of that page")]
MEMBER = Member.of(3, "Carol", GUILD, 0)

FACT = Draft(
    Kind.FACT,
    text="The zebra council of the SCO first met in Astana in 2024.",
    source="https://example.org/zebra-council",
    excerpt="The zebra council met for the first time in Astana.",
    links="countries: kazakhstan; summit: 2024",
)
# Texts far enough apart that none is a near-duplicate of another.
WORDS = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
    "mike",
]


def distinct_text(n: int) -> str:
    picked = [WORDS[(n * 7 + i * 3) % len(WORDS)] for i in range(6)]
    return f"Claim {n}: {' '.join(picked)} {'zebra ' * (n % 4)}stripes number {n * 37}."


class Clock:
    def now(self) -> datetime:
        return datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def mod(curated_store: Store) -> Moderation:
    return Moderation.build(curated_store, moderation_store(curated_store), clock=Clock())


async def test_twenty_concurrent_suggestions_accept_only_the_limit(mod: Moderation) -> None:
    drafts = [replace(FACT, text=distinct_text(n)) for n in range(20)]
    results = await asyncio.gather(
        *(mod.review.suggest(MEMBER, d, confirm=True) for d in drafts), return_exceptions=True
    )
    accepted = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(accepted) == SUGGESTION_LIMIT
    assert all(isinstance(r, RateLimited) for r in refused), refused
    assert all("Try again in" in r.message for r in refused if isinstance(r, RateLimited))
    assert await mod.review.mods.count_suggestions(GUILD) == SUGGESTION_LIMIT


async def test_a_moderator_is_not_limited_by_a_members_quota(mod: Moderation) -> None:
    for n in range(SUGGESTION_LIMIT):
        await mod.review.suggest(MEMBER, replace(FACT, text=distinct_text(n)), confirm=True)
    other = Member.of(4, "Dan", GUILD, MANAGE_GUILD)
    done = await mod.review.suggest(other, replace(FACT, text=distinct_text(99)), confirm=True)
    assert done.suggestion.number == SUGGESTION_LIMIT + 1


# -- 7: control characters, the same on every backend ---------------------------------------


ALICE = Member.of(1, "Alice", GUILD, MANAGE_GUILD)


@pytest.mark.parametrize("bad", ["\x00", "\x07", "\ud800"])
async def test_control_characters_are_refused_on_every_backend(mod: Moderation, bad: str) -> None:
    for field in ("text", "source", "excerpt", "links"):
        draft = replace(FACT, **{field: getattr(FACT, field) + bad})
        with pytest.raises(Invalid, match=f"U\\+{ord(bad):04X}, which can't be stored"):
            await mod.entries.add(ALICE, draft)
    quote = Draft(Kind.QUOTE, "Stripes unite.", FACT.source, FACT.excerpt, speaker=f"Zed{bad}")
    with pytest.raises(Invalid, match="can't be stored"):
        await mod.entries.add(ALICE, quote)
    await mod.entries.add(ALICE, FACT)
    with pytest.raises(Invalid, match="The entry id contains"):
        await mod.entries.retire(ALICE, f"s1{bad}", "reason")
    with pytest.raises(Invalid, match="The reason contains"):
        await mod.entries.retire(ALICE, "s1", f"because{bad}")
    assert [h.key for h in await mod.entries.mods.heads(GUILD)] == ["s1"]


@pytest.mark.postgres
async def test_copying_an_old_nul_row_to_postgres_says_one_line(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = f"sqlite:///{tmp_path / 'old.db'}"
    store = await open_store(source)  # as the bot stored it before NUL was refused
    fact = Fact(id="s7", text="Zebra\x00 council.", topics=["t"], citations=CITE)
    await store.put(to_document(fact, GUILD))
    await store.close()
    argv = ["store", "copy", "--from", source, "--to", postgres_url]
    assert await asyncio.to_thread(main, argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"documents row {GUILD}/fact/s7 holds a NUL character in data.text" in err


# -- 4: simultaneous adds ---------------------------------------------------------------------


async def test_twenty_moderators_adding_at_once_all_get_their_own_number(
    mod: Moderation,
) -> None:
    moderators = [Member.of(100 + n, f"Mod {n}", GUILD, MANAGE_GUILD) for n in range(20)]
    drafts = [replace(FACT, text=distinct_text(n)) for n in range(20)]
    saved = await asyncio.gather(
        *(mod.entries.add(m, d, confirm=True) for m, d in zip(moderators, drafts, strict=True))
    )
    keys = sorted((s.ref.key for s in saved), key=lambda k: int(k[1:]))
    assert keys == [f"s{n}" for n in range(1, 21)]
    assert all(s.entry.id == s.ref.key for s in saved)
    heads = await mod.entries.mods.heads(GUILD)
    assert {h.key: h.data["text"] for h in heads} == {s.ref.key: s.entry.text for s in saved}


async def test_two_quotes_by_one_new_speaker_at_once_are_both_saved(mod: Moderation) -> None:
    quotes = [
        Draft(Kind.QUOTE, text, FACT.source, FACT.excerpt, speaker="Zed Zebra", quote_kind="d")
        for text in ("Stripes unite us all.", "Zebras never forget a summit.")
    ]
    saved = await asyncio.gather(*(mod.entries.add(ALICE, q, confirm=True) for q in quotes))
    assert sorted(s.ref.key for s in saved) == ["s1", "s2"]
    people = {h.key for h in await mod.entries.mods.heads(GUILD) if h.kind is Kind.PERSON}
    assert {s.entry.person for s in saved} <= people  # type: ignore[union-attr]
