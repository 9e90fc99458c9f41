"""Corrections ("Report an error") in the core, on every backend: filing one (validation,
the entry as this server sees it, the rate limit shared with suggestions and re-counted in the
write), approving one (a curated entry is hidden here; a server entry is edited), rejecting,
the maintainers' list across servers, and the export carrying them."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from bot.__main__ import main
from bot.app import build_app
from bot.core.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited
from bot.core.models import Kind
from bot.core.moderation._review import SUGGESTION_LIMIT
from bot.core.moderation.answers import Decided
from bot.core.moderation.corrections import CorrectionEdit
from bot.core.moderation.render_corrections import render_reports
from bot.core.moderation.service import Moderation
from bot.core.permissions import MANAGE_GUILD, Member
from bot.core.ports import Store
from bot.core.reading.answers import Ask
from bot.core.reading.service import FactService
from bot.core.records import SuggestionStatus
from bot.core.render.state import REPORT_LABEL, SectionPages, answer_components, parse_custom_id
from bot.settings import Settings
from tests.core.moderation.test_service import ALICE, FACT, GUILD, MEMBER, OTHER, Clock

CURATED = "membership-six-founding-members"
PROBLEM = "It says six founders; the source names only five of them."
OTHER_MOD = Member.of(7, "Olga", OTHER, MANAGE_GUILD)
OTHER_MEMBER = Member.of(8, "Oleg", OTHER, 0)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def mod(curated_store: Store, clock: Clock) -> Moderation:
    from bot.store import moderation_store

    return Moderation.build(curated_store, moderation_store(curated_store), clock=clock)


async def _hits(store: Store, guild: int) -> list[str]:
    found = await FactService(store).search("began in 2001 with six member states", guild)
    return [h.key for h in found.hits]


async def test_a_report_is_queued_beside_suggestions_with_the_entry_it_corrects(
    mod: Moderation,
) -> None:
    await mod.review.suggest(MEMBER, FACT)
    filed = await mod.corrections.report(
        MEMBER, "fact", CURATED, f"  {PROBLEM}\r\n\n\n\nSee p. 2.  ", "https://example.org/x"
    )
    s = filed.suggestion
    assert (s.number, s.kind, s.corrects, s.curated, filed.pending) == (
        2,
        Kind.FACT,
        CURATED,
        True,
        2,
    )
    assert s.data["problem"] == f"{PROBLEM}\n\nSee p. 2."
    assert s.data["evidence"] == "https://example.org/x"
    assert "six member states" in s.data["text"]
    card = await mod.review.card(ALICE, 1)
    assert card is not None and card.suggestion == s
    log = await mod.ledger.log(ALICE)
    assert [r.action for r in log.records][:1] == ["report"]


@pytest.mark.parametrize(
    ("kind", "key", "problem", "error", "match"),
    [
        ("fact", CURATED, "too short", Invalid, "too short"),
        ("fact", CURATED, "x" * 1001, Invalid, "keep it under 1000"),
        ("fact", CURATED, "Wrong \x00 year in the text.", Invalid, "control character"),
        ("summit", "2024", PROBLEM, Invalid, "Only facts and quotes"),
        ("fact", "no-such-fact", PROBLEM, NotFound, "shows no fact"),
        ("quote", CURATED, PROBLEM, NotFound, "shows no quote"),
    ],
)
async def test_a_bad_report_is_refused_saying_why(
    mod: Moderation, kind: str, key: str, problem: str, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        await mod.corrections.report(MEMBER, kind, key, problem)
    assert await mod.review.card(ALICE) is None


async def test_reports_are_taken_in_a_server_only_and_of_entries_it_shows(
    mod: Moderation,
) -> None:
    with pytest.raises(Forbidden, match="only in a server"):
        await mod.corrections.report(Member.of(3, "Carol", None), "fact", CURATED, PROBLEM)
    await mod.entries.add(ALICE, FACT)
    with pytest.raises(NotFound):  # another server's entry
        await mod.corrections.report(OTHER_MEMBER, "fact", "s1", PROBLEM)
    await mod.entries.retire(ALICE, CURATED, "ours")
    with pytest.raises(NotFound):  # hidden here
        await mod.corrections.report(MEMBER, "fact", CURATED, PROBLEM)


async def test_reports_and_suggestions_share_one_limit_counted_in_the_write(
    mod: Moderation, clock: Clock
) -> None:
    await mod.review.suggest(MEMBER, FACT)
    tries = [mod.corrections.report(MEMBER, "fact", CURATED, f"{PROBLEM} ({n})") for n in range(8)]
    results = await asyncio.gather(*tries, return_exceptions=True)
    passed = [r for r in results if not isinstance(r, BaseException)]
    assert len(passed) == SUGGESTION_LIMIT - 1
    assert all(isinstance(r, RateLimited) for r in results if isinstance(r, BaseException))
    with pytest.raises(RateLimited, match="suggestions and error reports"):
        await mod.review.suggest(MEMBER, FACT)
    clock.advance(hours=1, seconds=1)
    await mod.corrections.report(MEMBER, "fact", CURATED, PROBLEM)


async def test_approving_a_curated_correction_hides_the_entry_in_that_server_only(
    mod: Moderation, curated_store: Store
) -> None:
    filed = await mod.corrections.report(MEMBER, "fact", CURATED, PROBLEM)
    number = filed.suggestion.number
    with pytest.raises(Forbidden):
        await mod.corrections.approve(MEMBER, number)
    decided = await mod.corrections.approve(ALICE, number)
    assert isinstance(decided, Decided) and decided.saved is None
    assert decided.suggestion.status is SuggestionStatus.APPROVED
    assert CURATED not in await _hits(curated_store, GUILD)
    assert CURATED in await _hits(curated_store, OTHER)
    history = await mod.ledger.history(ALICE, CURATED)
    assert history.hidden is not None and f"correction #{number}" in history.hidden.reason
    with pytest.raises(Conflict, match="approved by Alice"):
        await mod.corrections.approve(ALICE, number)
    assert await mod.review.card(ALICE) is None


async def test_a_correction_of_an_entry_hidden_meanwhile_is_still_approved(
    mod: Moderation,
) -> None:
    filed = await mod.corrections.report(MEMBER, "fact", CURATED, PROBLEM)
    await mod.entries.retire(ALICE, CURATED, "hidden for another reason")
    decided = await mod.corrections.approve(ALICE, filed.suggestion.number)
    assert isinstance(decided, Decided)
    assert decided.suggestion.status is SuggestionStatus.APPROVED


async def test_approving_a_server_entrys_correction_edits_it_in_one_step(
    mod: Moderation,
) -> None:
    await mod.entries.add(ALICE, FACT)
    filed = await mod.corrections.report(MEMBER, "fact", "s1", "Astana is wrong: it was Minsk.")
    assert filed.suggestion.curated is False
    edit = await mod.corrections.approve(ALICE, filed.suggestion.number)
    assert isinstance(edit, CorrectionEdit)
    assert edit.form.ref.key == "s1" and edit.form.version == 1
    assert edit.form.draft.text == FACT.text
    pending = await mod.review.card(ALICE)
    assert pending is not None  # nothing is decided until the form is saved
    draft = replace(FACT, text=FACT.text.replace("Astana", "Minsk"))
    decided = await mod.corrections.apply(ALICE, filed.suggestion.number, 1, draft)
    assert decided.saved is not None and decided.saved.version.version == 2
    assert decided.suggestion.entry_key == "s1"
    assert decided.saved.version.reason == f"correction #{filed.suggestion.number}"
    assert await mod.review.card(ALICE) is None
    with pytest.raises(Conflict, match="approved by Alice"):
        await mod.corrections.apply(ALICE, filed.suggestion.number, 2, draft)


async def test_an_edit_that_lost_its_correction_to_another_moderator_saves_nothing(
    mod: Moderation,
) -> None:
    await mod.entries.add(ALICE, FACT)
    filed = await mod.corrections.report(MEMBER, "fact", "s1", "Astana is wrong: it was Minsk.")
    number = filed.suggestion.number
    await mod.corrections.approve(ALICE, number)  # the form opens...
    await mod.review.reject(ALICE, number, "It was Astana after all.")  # ...someone decides
    draft = replace(FACT, text=FACT.text.replace("Astana", "Minsk"))
    with pytest.raises(Conflict, match="rejected by Alice"):
        await mod.corrections.apply(ALICE, number, 1, draft)
    versions = (await mod.ledger.history(ALICE, "s1")).versions
    assert len(versions) == 1


async def test_a_rejected_correction_changes_nothing(mod: Moderation, curated_store: Store) -> None:
    filed = await mod.corrections.report(MEMBER, "fact", CURATED, PROBLEM)
    decided = await mod.review.reject(ALICE, filed.suggestion.number, "The source says six.")
    assert decided.suggestion.status is SuggestionStatus.REJECTED
    assert CURATED in await _hits(curated_store, GUILD)


async def test_the_maintainers_list_spans_servers_newest_first(
    mod: Moderation, clock: Clock
) -> None:
    await mod.corrections.report(MEMBER, "fact", CURATED, PROBLEM, "https://example.org/a")
    clock.advance(minutes=5)
    await mod.entries.add(OTHER_MOD, FACT)
    await mod.corrections.report(OTHER_MEMBER, "fact", "s1", "A server entry: not listed.")
    clock.advance(minutes=5)
    await mod.corrections.report(OTHER_MEMBER, "fact", CURATED, "Another server's report, too.")
    reports = await mod.corrections.curated_reports()
    assert [(r.guild_id, r.corrects) for r in reports] == [(OTHER, CURATED), (GUILD, CURATED)]
    text = render_reports(reports)
    assert text.index(f"server {OTHER}") < text.index(f"server {GUILD}")
    assert "2025-03-01 12:00 UTC  fact membership-six-founding-members" in text
    assert PROBLEM in text and "https://example.org/a" in text and "pending" in text
    assert "Carol" not in text and "Oleg" not in text  # the reporter's server, not their name


async def test_the_export_carries_corrections(mod: Moderation) -> None:
    await mod.corrections.report(MEMBER, "fact", CURATED, PROBLEM)
    export = await mod.ledger.export_guild(GUILD)
    assert [(s.corrects, s.curated) for s in export.suggestions] == [(CURATED, True)]


def test_store_reports_prints_the_curated_corrections(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    assert main(["store", "reports"]) == 0
    assert "No corrections of curated entries" in capsys.readouterr().out

    async def report() -> None:
        async with build_app(settings) as app:
            await app.moderation.corrections.report(MEMBER, "fact", CURATED, PROBLEM)

    asyncio.run(report())
    assert main(["store", "reports", "--limit", "5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1 correction(s) of curated entries, newest first:")
    assert f"fact {CURATED}  server {GUILD} (#1, pending)" in out and PROBLEM in out


def test_the_button_keeps_rows_within_five_and_takes_its_own_row_when_needed() -> None:
    page: dict[str, object] = {"content": None, "embeds": []}
    excerpts = [("a-source", "Its words.")]
    refs = [("fact", "f1", "A fact.")]

    def rows(pages: int, with_refs: bool) -> list[list[str]]:
        section = SectionPages(
            "f", "Facts", [page] * pages, [excerpts] * pages, [refs if with_refs else []] * pages
        )
        built = answer_components([section], 0, 1 % pages, 42, Ask("search", "long " * 40))
        return [[c["label"] for c in row["components"]] for row in built]

    assert rows(5, True) == [["First", "Previous", "Next", "Last", "Excerpts"], [REPORT_LABEL]]
    assert rows(2, True) == [["Previous", "Next", "Excerpts", REPORT_LABEL]]
    assert rows(1, True) == [["Excerpts", REPORT_LABEL]]
    assert rows(1, False) == [["Excerpts"]]
    section = SectionPages("f", "Facts", [page], [excerpts], [refs])
    (row,) = answer_components([section], 0, 0, 42, Ask("search", "long " * 40))
    report = parse_custom_id(row["components"][-1]["custom_id"])
    assert report is not None and report.action == "r" and report.owner == 0  # anyone
    assert len(row["components"][-1]["custom_id"]) <= 100
