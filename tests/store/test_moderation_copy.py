"""``python -m bot store copy`` carries moderation too: versions, hidden curated entries,
suggestions, the audit log and the moderator role, on SQLite and through PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.models import Kind
from bot.core.moderation.drafts import Draft
from bot.core.moderation.service import Moderation
from bot.core.permissions import MANAGE_GUILD, Member
from bot.core.records import GuildExport
from bot.store import moderation_store, open_store
from bot.store.copy import copy_store
from bot.store.curated import load_curated
from tests.fakeclock import FakeClock

GUILD = 4242
ALICE = Member.of(1, "Alice", GUILD, MANAGE_GUILD)
FACT = Draft(Kind.FACT, "A zebra fact of 2024.", "https://example.org/z", "An excerpt here.")


async def _exports(url: str) -> tuple[GuildExport, str | None]:
    """The server's moderation data, and the first curated quote it sees."""
    store = await open_store(url)
    try:
        mod = Moderation.build(store, moderation_store(store), clock=FakeClock())
        first = await store.list(Kind.QUOTE, GUILD, limit=1)
        return await mod.ledger.export_guild(GUILD), first[0].key if first else None
    finally:
        await store.close()


async def _act(url: str, *, more: bool = False) -> str:
    store = await open_store(url)
    try:
        await load_curated(store)
        mod = Moderation.build(store, moderation_store(store), clock=FakeClock())
        if more:  # the source moves on after a first copy
            await mod.entries.retire(ALICE, "s1", "moved on")
            await mod.review.reject(ALICE, 1, "not now")
            return ""
        await mod.ledger.set_moderator_role(ALICE, 99)
        await mod.entries.add(ALICE, FACT)
        hidden = (await store.list(Kind.QUOTE, limit=1))[0].key
        await mod.entries.retire(ALICE, hidden, "not here")
        await mod.review.suggest(Member.of(2, "Bob", GUILD), FACT, confirm=True)
        return hidden
    finally:
        await store.close()


async def _roundtrip(tmp_path: Path, target: str) -> None:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    hidden = await _act(source)
    report = await copy_store(source, target)
    assert report.ok, [c for c in report.checks if not c.ok]
    assert report.imported["moderation"].added == 1
    (exported, first), (copied, copied_first) = await _exports(source), await _exports(target)
    assert copied.model_copy(update={"exported_at": exported.exported_at}) == exported
    assert first == copied_first and first != hidden  # still hidden in the copy

    again = await copy_store(source, target)
    assert again.ok and again.imported["moderation"].unchanged == 1

    await _act(source, more=True)
    caught_up = await copy_store(source, target)
    assert caught_up.ok and caught_up.imported["moderation"].updated == 1
    (exported, _), (copied, _) = await _exports(source), await _exports(target)
    assert copied.model_copy(update={"exported_at": exported.exported_at}) == exported
    assert [v.action for v in copied.versions] == ["add", "retire"]


async def test_sqlite_to_sqlite(tmp_path: Path) -> None:
    await _roundtrip(tmp_path, f"sqlite:///{tmp_path / 'target.db'}")


@pytest.mark.postgres
async def test_sqlite_to_postgres(tmp_path: Path, postgres_url: str) -> None:
    await _roundtrip(tmp_path, postgres_url)
