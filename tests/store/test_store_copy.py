"""``python -m bot store copy``: SQLite -> PostgreSQL -> SQLite keeps every document, verifies,
and copying again adds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main
from bot.core.documents import to_document
from bot.core.models import Citation, Country, CountryStatus, Fact, Kind
from bot.core.ports import Store
from bot.store import open_store
from bot.store.copy import AREAS, copy_store, redact_url, tally
from bot.store.curated import load_curated
from bot.store.portable import Row

CITE = [Citation(source="https://example.org/a", excerpt="a passage of that page")]


async def fill(store: Store) -> None:
    """The curated data and three servers' own documents (one shadows a curated country)."""
    await load_curated(store)
    for guild in (111, 222, 2**62):
        for i in range(5):
            fact = Fact(id=f"s{i}", text=f"Server {guild} fact {i}.", topics=["t"], citations=CITE)
            await store.put(to_document(fact, guild))
    belarus = Country(
        slug="belarus",
        name="Belarus (server's own)",
        status=CountryStatus.MEMBER,
        membership="As this server tells it.",
        aliases=["Беларусь"],
        citations=CITE,
    )
    await store.put(to_document(belarus, 111))


async def everything(url: str) -> list[Row]:
    store = await open_store(url)
    try:
        rows: list[Row] = []
        async for chunk in store.export_rows("documents", batch=37):  # type: ignore[attr-defined]
            rows += chunk
        return rows
    finally:
        await store.close()


@pytest.mark.postgres
async def test_sqlite_to_postgres_to_sqlite(tmp_path: Path, postgres_url: str) -> None:
    first, last = f"sqlite:///{tmp_path / 'first.db'}", f"sqlite:///{tmp_path / 'last.db'}"
    store = await open_store(first)
    await fill(store)
    await store.close()
    original = await everything(first)
    assert len({row["guild_id"] for row in original}) == 4

    there = await copy_store(first, postgres_url, batch=50)
    assert there.ok and there.checks
    assert there.imported["documents"].added == len(original)
    assert {check.group for check in there.checks} >= {"fact", "country", "source"}

    back = await copy_store(postgres_url, last, batch=50)
    assert back.ok
    assert await everything(postgres_url) == original  # links, names and times too
    assert await everything(last) == original

    again = await copy_store(first, postgres_url)
    imported = again.imported["documents"]
    assert (imported.added, imported.updated, imported.unchanged) == (0, 0, len(original))
    assert again.ok

    # The copy reads as the original: the same answers through the protocol.
    a, b = await open_store(first), await open_store(postgres_url)
    try:
        assert await a.list(Kind.COUNTRY, 111) == await b.list(Kind.COUNTRY, 111)
        assert await a.get(Kind.FACT, "s3", 2**62) == await b.get(Kind.FACT, "s3", 2**62)
        assert (await a.search(["server"], 222)).total == (await b.search(["server"], 222)).total
    finally:
        await a.close()
        await b.close()


async def test_a_changed_document_is_updated_and_an_extra_one_fails_verification(
    tmp_path: Path,
) -> None:
    source, target = f"sqlite:///{tmp_path / 's.db'}", f"sqlite:///{tmp_path / 't.db'}"
    store = await open_store(source)
    await fill(store)
    await store.close()
    assert (await copy_store(source, target)).ok

    store = await open_store(source)
    fact = Fact(id="s1", text="Server 111 fact 1, edited.", citations=CITE)
    await store.put(to_document(fact, 111))
    await store.close()
    report = await copy_store(source, target)
    assert report.imported["documents"].updated == 1 and report.ok

    store = await open_store(target)
    extra = Fact(id="only-here", text="Only in the target.", citations=CITE)
    await store.put(to_document(extra, 111))
    await store.close()
    report = await copy_store(source, target)
    assert not report.ok
    [bad] = [check for check in report.checks if not check.ok]
    assert (bad.group, bad.source_rows + 1) == ("fact", bad.target_rows)


async def test_the_command_prints_and_exits_by_the_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = f"sqlite:///{tmp_path / 's.db'}", f"sqlite:///{tmp_path / 't.db'}"
    store = await open_store(source)
    await fill(store)
    await store.close()
    assert await _main(["store", "copy", "--from", source, "--to", target]) == 0
    out = capsys.readouterr().out
    assert "documents: " in out and "verified" in out and "fact" in out

    store = await open_store(target)
    await store.put(to_document(Fact(id="x", text="Extra.", citations=CITE), 5))
    await store.close()
    assert await _main(["store", "copy", "--from", source, "--to", target]) == 1
    assert "MISMATCH" in capsys.readouterr().out


async def _main(argv: list[str]) -> int:
    """``main`` runs its own event loop: call it from a worker thread."""
    import asyncio

    return await asyncio.to_thread(main, argv)


async def test_copying_a_store_onto_itself_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    with pytest.raises(ValueError, match="same store"):
        await copy_store(url, url)


def test_passwords_are_not_printed() -> None:
    assert redact_url("postgresql://bot:s3cret@db:5432/bot") == "postgresql://bot:***@db:5432/bot"
    assert redact_url("postgresql://bot@db/bot") == "postgresql://bot@db/bot"
    assert redact_url("sqlite:///x.db") == "sqlite:///x.db"


async def test_checksums_do_not_depend_on_the_order_rows_come_in(tmp_path: Path) -> None:
    store = await open_store("sqlite://:memory:")
    try:
        await fill(store)
        [documents] = [area for area in AREAS if area.name == "documents"]
        rows = documents.rows(store)
        forward = await tally(documents, rows, batch=1000)
        small = await tally(documents, rows, batch=3)
        assert forward == small and forward["fact"][0] > 100
    finally:
        await store.close()
