"""Moderation in the core, on every backend: permissions, validation, versions, conflicts,
retire/restore, hiding curated entries, the suggestion rate limit, review, export/import."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.errors import Conflict, Forbidden, Invalid, NearDuplicate, NotFound, RateLimited
from bot.core.models import Kind
from bot.core.moderation._review import SUGGESTION_LIMIT
from bot.core.moderation.answers import Saved
from bot.core.moderation.drafts import Draft
from bot.core.moderation.service import Moderation
from bot.core.permissions import ADMINISTRATOR, MANAGE_GUILD, Member
from bot.core.ports import Store
from bot.core.ports_moderation import EntryChange
from bot.core.reading.service import FactService
from bot.store import moderation_store

GUILD, OTHER = 1001, 2002
ROLE = 555


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


ALICE = Member.of(1, "Alice", GUILD, MANAGE_GUILD)
BOB = Member.of(2, "Bob", GUILD, MANAGE_GUILD)
MEMBER = Member.of(3, "Carol", GUILD, 0)
OUTSIDER = Member.of(4, "Dan", OTHER, MANAGE_GUILD)

FACT = Draft(
    Kind.FACT,
    text="The zebra council of the SCO first met in Astana in 2024.",
    source="https://example.org/zebra-council",
    excerpt="The zebra council met for the first time in Astana.",
    links="countries: kazakhstan; summit: 2024; topics: zoology",
)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def mod(curated_store: Store, clock: Clock) -> Moderation:
    return Moderation.build(curated_store, moderation_store(curated_store), clock=clock)


@pytest.fixture
def facts(curated_store: Store) -> FactService:
    return FactService(curated_store)


async def _add(mod: Moderation, draft: Draft = FACT, who: Member = ALICE) -> Saved:
    return await mod.entries.add(who, draft)


# -- permissions ---------------------------------------------------------------------------


async def test_manage_server_administrators_and_the_owner_moderate(mod: Moderation) -> None:
    perms = mod.permissions
    assert await perms.is_moderator(ALICE)
    assert await perms.is_moderator(Member.of(9, "Admin", GUILD, ADMINISTRATOR))
    assert await perms.is_moderator(Member.of(9, "Owner", GUILD, 0, is_owner=True))
    assert not await perms.is_moderator(MEMBER)
    assert not await perms.is_moderator(Member.of(1, "Alice", None, MANAGE_GUILD))  # a DM


async def test_a_member_without_standing_is_refused_clearly(mod: Moderation) -> None:
    with pytest.raises(Forbidden, match="Only moderators can add entries: members with Manage"):
        await mod.entries.add(MEMBER, FACT)
    with pytest.raises(Forbidden):
        await mod.entries.retire(MEMBER, "s1", "no")
    with pytest.raises(Forbidden):
        await mod.ledger.log(MEMBER)


async def test_the_moderator_role_is_honoured_and_only_managers_set_it(mod: Moderation) -> None:
    with_role = Member.of(3, "Carol", GUILD, 0, [ROLE])
    assert not await mod.permissions.is_moderator(with_role)
    with pytest.raises(Forbidden, match="Manage Server"):
        await mod.ledger.set_moderator_role(with_role, ROLE)
    await mod.ledger.set_moderator_role(ALICE, ROLE)
    assert await mod.ledger.moderator_role(ALICE) == ROLE
    assert await mod.permissions.is_moderator(with_role)
    saved = await mod.entries.add(with_role, FACT)
    assert saved.version.actor.name == "Carol"
    # The role is this server's only, and a role member still may not choose the role.
    assert not await mod.permissions.is_moderator(Member.of(3, "Carol", OTHER, 0, [ROLE]))
    with pytest.raises(Forbidden):
        await mod.ledger.set_moderator_role(with_role, None)
    await mod.ledger.set_moderator_role(ALICE, None)
    assert not await mod.permissions.is_moderator(with_role)  # taken back: refused at once


# -- adding and validation -----------------------------------------------------------------


async def test_an_added_fact_is_in_its_servers_answers_only(
    mod: Moderation, facts: FactService
) -> None:
    saved = await _add(mod)
    assert saved.ref.key == "s1" and saved.version.version == 1
    found = await facts.search("zebra council", GUILD)
    assert [h.key for h in found.hits] == ["s1"]
    added = found.hits[0].entry.added
    assert added is not None and added.added_by == "Alice" and added.version == 1
    assert (await facts.search("zebra council", OTHER)).total == 0
    assert (await facts.search("zebra council")).total == 0
    member = await facts.member("kazakhstan", GUILD)
    assert "s1" in [f.id for f in member.facts]
    summit = await facts.summit(2024, OTHER)
    assert "s1" not in [f.id for f in summit.facts]


async def test_a_quote_by_someone_new_adds_the_speaker(mod: Moderation, facts: FactService) -> None:
    draft = Draft(
        Kind.QUOTE,
        text="Zebras are welcome at every summit.",
        source="xinhua-grand-plan-2025",
        excerpt="The SCO welcomes everyone.",
        speaker="Zed Zebra",
        quote_kind="Direct",
    )
    saved = await _add(mod, draft)
    assert saved.new_person is not None and saved.new_person.slug == "zed-zebra"
    answer = await facts.quote("zed zebra", GUILD)
    assert answer.person.name == "Zed Zebra" and answer.quotes[0].id == saved.ref.key
    with pytest.raises(NotFound):
        await facts.quote("zed zebra", OTHER)
    known = await _add(mod, replace(draft, text="Other words.", speaker="wang yi"))
    assert known.new_person is None and known.entry.person == "wang-yi"  # type: ignore[union-attr]


async def test_every_problem_is_named_with_its_field(mod: Moderation) -> None:
    bad = Draft(
        Kind.FACT,
        text="x" * 950,
        source="ftp://example.org/file",
        excerpt="   ",
        links="countries: narnia; summit: 2017; colour: blue",
    )
    with pytest.raises(Invalid) as caught:
        await mod.entries.add(ALICE, bad)
    message = caught.value.message
    for expected in (
        "Text: 950 characters; at most 900",
        "Excerpt: copy the sentence",
        "No country called “narnia”",
        "no summit in “2017” is recorded",
        "“colour: blue” is not understood",
    ):
        assert expected in message, message
    with pytest.raises(Invalid, match="http:// or https://"):
        await mod.entries.add(ALICE, replace(FACT, source="javascript:alert(1)"))
    with pytest.raises(Invalid, match=r"No source called “tass-nothing”.*https:// link"):
        await mod.entries.add(ALICE, replace(FACT, source="tass-nothing"))
    quote = Draft(
        Kind.QUOTE, "Words.", "xinhua-grand-plan-2025", "An excerpt here.", "", "", "maybe"
    )
    with pytest.raises(Invalid) as caught:
        await mod.entries.add(ALICE, quote)
    assert "Speaker:" in caught.value.message and "Direct or reported:" in caught.value.message
    assert await mod.entries.mods.heads(GUILD) == []  # nothing half-saved


async def test_a_near_duplicate_is_flagged_with_its_id_and_can_be_confirmed(
    mod: Moderation, curated_store: Store
) -> None:
    curated = (await curated_store.list(Kind.FACT, limit=1))[0]
    copy = Draft(Kind.FACT, curated.data["text"].upper(), "https://example.org/a", "An excerpt.")
    with pytest.raises(NearDuplicate) as caught:
        await mod.entries.add(ALICE, copy)
    assert caught.value.key == curated.key and curated.key in caught.value.message
    saved = await mod.entries.add(ALICE, copy, confirm=True)
    assert saved.ref.key == "s1"


async def test_text_is_stored_as_typed(mod: Moderation, facts: FactService) -> None:
    typed = "Markdown **stays** <@123> @everyone `code` as typed, in the 2024 zebra summit."
    saved = await _add(mod, replace(FACT, text=typed))
    assert saved.entry.text == typed
    assert (await facts.search("zebra", GUILD)).hits[0].entry.text == typed  # type: ignore[union-attr]


# -- versions, conflicts, retire and restore ------------------------------------------------


async def test_edits_make_versions_with_who_when_and_why(mod: Moderation, clock: Clock) -> None:
    await _add(mod)
    _, version, draft = await mod.entries.edit_form(BOB, "s1")
    assert version == 1 and draft == FACT
    clock.advance(hours=1)
    edited = replace(draft, text="The zebra council first met in Astana in 2024.")
    saved = await mod.entries.edit(BOB, "s1", 1, edited, reason="shorter")
    assert saved.version.version == 2 and saved.entry.text.startswith("The zebra council first")
    history = await mod.ledger.history(ALICE, "s1")
    assert [(v.version, v.action, v.actor.name, v.reason) for v in history.versions] == [
        (1, "add", "Alice", ""),
        (2, "edit", "Bob", "shorter"),
    ]
    assert history.versions[1].at - history.versions[0].at == timedelta(hours=1)
    with pytest.raises(Invalid, match="unchanged"):
        await mod.entries.edit(BOB, "s1", 2, edited)


async def test_the_second_of_two_concurrent_edits_gets_a_conflict(mod: Moderation) -> None:
    await _add(mod)
    _, version_a, draft = await mod.entries.edit_form(ALICE, "s1")
    _, version_b, _ = await mod.entries.edit_form(BOB, "s1")
    first = replace(draft, text="Alice's zebra text, 2024.")
    second = replace(draft, text="Bob's zebra text, 2024.")
    await mod.entries.edit(ALICE, "s1", version_a, first)
    with pytest.raises(Conflict) as caught:
        await mod.entries.edit(BOB, "s1", version_b, second)
    assert "Alice saved version 2" in caught.value.message
    assert "Alice's zebra text" in caught.value.message  # the text now in force
    versions = await mod.entries.mods.versions(GUILD, Kind.FACT, "s1")
    assert [v.data["text"] for v in versions] == [FACT.text, "Alice's zebra text, 2024."]


async def test_a_stale_version_writes_nothing_at_all(mod: Moderation, curated_store: Store) -> None:
    saved = await _add(mod)
    head = saved.version
    stale = head.model_copy(update={"data": {**head.data, "text": "Stale."}})  # version 1 again
    audit = mod.entries.audit(GUILD, ALICE.actor, "edit")
    with pytest.raises(Conflict):
        await mod.entries.mods.commit(EntryChange(versions=(stale,), audit=(audit,)))
    assert len(await mod.entries.mods.versions(GUILD, Kind.FACT, "s1")) == 1
    assert await mod.entries.mods.count_audit(GUILD) == 1
    doc = await curated_store.get(Kind.FACT, "s1", GUILD)
    assert doc is not None and doc.data["text"] == FACT.text


async def test_retire_is_a_soft_delete_and_restore_brings_any_version_back(
    mod: Moderation, facts: FactService, curated_store: Store
) -> None:
    await _add(mod)
    _, _, draft = await mod.entries.edit_form(ALICE, "s1")
    v2 = replace(draft, text="Version two of the zebra fact, 2024.")
    await mod.entries.edit(ALICE, "s1", 1, v2)
    with pytest.raises(Invalid, match="reason"):
        await mod.entries.retire(ALICE, "s1", " ")
    await mod.entries.retire(BOB, "s1", "wrong council")
    assert await curated_store.get(Kind.FACT, "s1", GUILD) is None
    assert (await facts.search("zebra", GUILD)).total == 0
    with pytest.raises(Invalid, match="retired"):
        await mod.entries.edit_form(ALICE, "s1")
    restored = await mod.entries.restore(ALICE, "s1")
    assert isinstance(restored, Saved) and restored.version.version == 4
    assert restored.entry.text == "Version two of the zebra fact, 2024."
    with pytest.raises(Invalid, match="in force"):
        await mod.entries.restore(ALICE, "s1")
    first = await mod.entries.restore(ALICE, "s1", 1, "the original was right")
    assert isinstance(first, Saved) and first.entry.text == FACT.text
    doc = await curated_store.get(Kind.FACT, "s1", GUILD)
    assert doc is not None and doc.data["text"] == FACT.text
    actions = [v.action for v in await mod.entries.mods.versions(GUILD, Kind.FACT, "s1")]
    assert actions == ["add", "edit", "retire", "restore", "restore"]
    with pytest.raises(Invalid, match="versions 1 to 5"):
        await mod.entries.restore(ALICE, "s1", 9)


async def test_curated_entries_cannot_be_edited_but_can_be_hidden_here_only(
    mod: Moderation, facts: FactService, curated_store: Store
) -> None:
    doc = (await curated_store.list(Kind.FACT, limit=1))[0]
    word = doc.data["text"].split()[-1].strip(".")
    with pytest.raises(Invalid, match="curated"):
        await mod.entries.edit_form(ALICE, doc.key)
    count = await curated_store.count(Kind.FACT, GUILD)
    await mod.entries.retire(ALICE, doc.key, "not relevant to us")
    with pytest.raises(Invalid, match="already hidden"):
        await mod.entries.retire(ALICE, doc.key, "again")
    assert await curated_store.get(Kind.FACT, doc.key, GUILD) is None
    assert await curated_store.get(Kind.FACT, doc.key, OTHER) is not None
    assert await curated_store.count(Kind.FACT, GUILD) == count - 1
    listed = [d.key for d in await curated_store.list(Kind.FACT, GUILD, limit=10_000)]
    assert doc.key not in listed and len(listed) == count - 1
    assert doc.key not in [h.key for h in (await facts.search(word, GUILD)).hits]
    picks = {
        (await curated_store.random(Kind.FACT, GUILD, seed=(i + 0.5) / (count - 1))).key
        for i in range(count - 1)
    }  # type: ignore[union-attr]
    assert doc.key not in picks and len(picks) == count - 1  # uniform over what is left
    for country in doc.data.get("countries", [])[:1]:
        linked = await curated_store.linked(Kind.FACT, "country", country, GUILD, limit=1000)
        assert doc.key not in [d.key for d in linked]
        total = await curated_store.count_linked("country", country, GUILD)
        assert total == await curated_store.count_linked("country", country, OTHER) - 1
    history = await mod.ledger.history(ALICE, doc.key)
    assert history.hidden is not None and history.hidden.reason == "not relevant to us"
    await mod.entries.restore(ALICE, doc.key)
    assert await curated_store.get(Kind.FACT, doc.key, GUILD) is not None
    assert await curated_store.count(Kind.FACT, GUILD) == count
    assert [e.action for e in (await mod.ledger.history(ALICE, doc.key)).events] == [
        "unhide",
        "hide",
    ]


async def test_unknown_ids_get_suggestions(mod: Moderation) -> None:
    await _add(mod)
    with pytest.raises(NotFound) as caught:
        await mod.entries.retire(ALICE, "s9", "gone")
    assert "s1" in caught.value.suggestions


# -- suggestions, the rate limit, review ---------------------------------------------------


async def test_suggestions_are_rate_limited_per_member_and_persisted(
    mod: Moderation, curated_store: Store, clock: Clock
) -> None:
    for n in range(SUGGESTION_LIMIT):
        text = f"Zebra suggestion number {n} about the summit of 2024 and {n * 'stripes '}."
        await mod.review.suggest(MEMBER, replace(FACT, text=text), confirm=True)  # type: ignore[arg-type]
        clock.advance(minutes=5)
    with pytest.raises(RateLimited, match=r"Try again in 35 minutes"):
        await mod.review.suggest(MEMBER, FACT)
    again = Moderation.build(curated_store, moderation_store(curated_store), clock=clock)
    with pytest.raises(RateLimited):  # a restart forgets nothing
        await again.review.check_quota(MEMBER)
    await again.review.check_quota(Member.of(7, "Eve", GUILD))  # others are not limited
    await again.review.check_quota(Member.of(3, "Carol", OTHER))  # nor elsewhere
    clock.advance(minutes=35)
    await again.review.check_quota(MEMBER)


async def test_review_approves_into_an_entry_and_rejects_with_a_reason(
    mod: Moderation, facts: FactService
) -> None:
    done = await mod.review.suggest(MEMBER, FACT)
    assert done.suggestion.number == 1 and done.pending == 1
    second = replace(FACT, text="A different zebra claim about 2024.")
    await mod.review.suggest(MEMBER, second)
    assert (await facts.search("zebra", GUILD)).total == 0  # waiting, not visible
    with pytest.raises(Forbidden):
        await mod.review.card(MEMBER)
    card = await mod.review.card(ALICE)
    assert card is not None and card.total == 2 and card.suggestion.number == 1
    approved = await mod.review.approve(ALICE, 1)
    assert approved.saved is not None and approved.suggestion.entry_key == approved.saved.ref.key
    hit = (await facts.search("zebra council", GUILD)).hits[0].entry
    assert hit.added is not None and hit.added.suggested_by == "Carol"
    with pytest.raises(Conflict, match="approved by Alice"):
        await mod.review.approve(BOB, 1)
    with pytest.raises(Invalid, match="reason"):
        await mod.review.reject(BOB, 2, "")
    rejected = await mod.review.reject(BOB, 2, "no source for that")
    assert rejected.suggestion.status == "rejected" and rejected.suggestion.reason
    assert await mod.review.card(ALICE) is None
    actions = [r.action for r in (await mod.ledger.log(ALICE)).records]
    assert actions == ["reject", "approve", "suggest", "suggest"]


# -- export / import -----------------------------------------------------------------------


async def test_export_then_import_into_an_empty_database_restores_it_exactly(
    mod: Moderation, curated_store: Store, clock: Clock, backend: str, tmp_path: Path
) -> None:
    from tests.conftest import backend_url

    await mod.ledger.set_moderator_role(ALICE, ROLE)
    await _add(mod)
    _, _, draft = await mod.entries.edit_form(ALICE, "s1")
    await mod.entries.edit(BOB, "s1", 1, replace(draft, text="Zebra v2, 2024."))
    quote = Draft(
        Kind.QUOTE,
        "Stripes unite us.",
        "https://example.org/q",
        "Stripes unite.",
        "",
        "Zed Zebra",
        "reported",
    )
    await _add(mod, quote)
    await mod.entries.retire(ALICE, "s2", "unsure")
    curated_key = (await curated_store.list(Kind.QUOTE, limit=1))[0].key
    await mod.entries.retire(ALICE, curated_key, "hidden here")
    await mod.review.suggest(MEMBER, replace(FACT, text="Suggested zebra fact."))
    await mod.review.suggest(MEMBER, replace(FACT, text="Rejected zebra fact."))
    await mod.review.approve(ALICE, 1)
    await mod.review.reject(ALICE, 2, "duplicate")
    exported = await mod.ledger.export(ALICE)
    assert exported.guild_id == GUILD and len(exported.audit) == await mod.entries.mods.count_audit(
        GUILD
    )
    text = exported.model_dump_json()

    from bot.core.records import GuildExport
    from bot.store import open_store
    from bot.store.curated import load_curated

    (tmp_path / "copy").mkdir()
    async with backend_url(backend, tmp_path / "copy") as url:
        fresh = await open_store(url)
        try:
            await load_curated(fresh)
            copy = Moderation.build(fresh, moderation_store(fresh), clock=clock)
            assert await copy.ledger.import_guild(GuildExport.model_validate_json(text)) == 3
            again = await copy.ledger.export(ALICE)
            assert again == exported
            for kind in (Kind.FACT, Kind.QUOTE, Kind.PERSON):
                mine = await curated_store.list(kind, GUILD, limit=10_000)
                theirs = await fresh.list(kind, GUILD, limit=10_000)
                assert mine == theirs
            assert await copy.ledger.moderator_role(ALICE) == ROLE
            with pytest.raises(Conflict, match="holds nothing"):
                await copy.ledger.import_guild(exported)
        finally:
            await fresh.close()


async def test_past_the_scan_limit_duplicates_are_found_through_search(
    mod: Moderation, curated_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.core.moderation import _entries as entries

    monkeypatch.setattr(entries, "DUPLICATE_SCAN", 10)  # as if the store held 100,000 facts
    curated = (await curated_store.list(Kind.FACT, limit=3))[2]
    reworded = curated.data["text"].replace(" the ", " a ")
    with pytest.raises(NearDuplicate) as caught:
        await mod.entries.add(
            ALICE, Draft(Kind.FACT, reworded, "https://example.org/a", "An excerpt.")
        )
    assert caught.value.key == curated.key
