"""The dataset's version: data/VERSION, the checksum of the curated entries, /about and
``python -m bot store verify`` (on every backend for the checksum itself)."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from collections.abc import Iterable
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.adapters.console import Console
from bot.adapters.discord.client import FactBot
from bot.app import App
from bot.core.dataset import checksum, checksum_in_order, order
from bot.core.models import Document, Kind
from bot.core.ports import Store
from bot.store.curated import DEFAULT_DATA_DIR, load_catalog
from bot.store.dataset import read_version, stored_documents, verify_store
from bot.store.snapshot import Snapshot
from tests.conftest import curated_documents
from tests.fakediscord import FakeDiscord


def test_data_carries_a_version() -> None:
    version = read_version(DEFAULT_DATA_DIR)
    assert version != "unversioned" and version[0].isdigit()


def test_checksum_ignores_order_and_sees_any_change() -> None:
    docs = list(curated_documents())
    assert checksum(docs) == checksum(reversed(docs))
    first = docs[0]
    changed = Document.model_validate({**first.model_dump(), "data": {**first.data, "x": 1}})
    assert checksum([changed, *docs[1:]]) != checksum(docs)
    assert checksum(docs[1:]) != checksum(docs)


def _checksum_as_first_written(documents: Iterable[Document]) -> str:
    """The checksum as it was first computed (every line built, then sorted): the streamed
    one must give the same values, or every deployed /about and verify would change."""
    rows = sorted(
        (
            doc.kind.value,
            doc.key,
            json.dumps(doc.data, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
        )
        for doc in documents
    )
    digest = hashlib.sha256()
    for kind, key, data in rows:
        digest.update(f"{kind}\t{key}\t{data}\n".encode())
    return digest.hexdigest()


def test_the_streamed_checksums_equal_the_first_one() -> None:
    docs = list(curated_documents())
    expected = _checksum_as_first_written(docs)
    assert checksum(docs) == expected
    snapshot = Snapshot.build(reversed(docs))
    assert checksum_in_order(snapshot.in_order()) == expected
    assert [order(d) for d in snapshot.in_order()] == sorted(order(d) for d in docs)


def test_a_checksum_in_order_refuses_documents_out_of_order() -> None:
    docs = sorted(curated_documents(), key=order)
    with pytest.raises(ValueError, match="not in order"):
        checksum_in_order([docs[1], docs[0], *docs[2:]])
    with pytest.raises(ValueError, match="not in order"):
        checksum_in_order([docs[0], docs[0]])


async def test_the_database_checksum_equals_the_files(curated_store: Store) -> None:
    docs = curated_documents()
    result = await verify_store(curated_store, DEFAULT_DATA_DIR, docs)
    assert result.ok and result.stored_count == result.files_count == len(docs)
    assert result.stored_checksum == _checksum_as_first_written(docs)


async def test_a_changed_entry_in_the_database_is_a_mismatch(curated_store: Store) -> None:
    docs = list(curated_documents())
    fact = next(d for d in docs if d.kind.value == "fact")
    edited = {**fact.data, "text": fact.data["text"] + " (edited)"}
    altered = [d if d is not fact else fact.model_copy(update={"data": edited}) for d in docs]
    await curated_store.sync_curated(altered)
    result = await verify_store(curated_store, DEFAULT_DATA_DIR, docs)
    assert not result.ok
    assert result.stored_checksum == checksum(await stored_documents(curated_store))


def test_store_verify_exit_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    monkeypatch.setenv("DATA_DIR", str(data))
    assert main(["store", "verify"]) == 1  # nothing loaded yet
    assert "MISMATCH" in capsys.readouterr().out
    assert main(["store", "load"]) == 0
    assert checksum(load_catalog(data).documents()) in capsys.readouterr().out
    assert main(["store", "verify"]) == 0
    out = capsys.readouterr().out
    assert f"version {read_version(DEFAULT_DATA_DIR)}" in out and "ok:" in out
    assert checksum(load_catalog(data).documents()) in out
    # The files change (a curator edits a fact) but nothing is loaded: verify says so.
    facts = data / "facts.yaml"
    facts.write_text(facts.read_text(encoding="utf-8").replace("billion", "bn", 1), "utf-8")
    assert main(["store", "verify"]) == 1
    assert "MISMATCH" in capsys.readouterr().out


async def test_about_shows_version_checksum_and_counts_on_discord_and_console(app: App) -> None:
    expected = app.dataset
    assert expected.checksum == _checksum_as_first_written(curated_documents())
    async with FakeDiscord.running() as fake:
        fake.add_guild(name="SCO fans", channels=["general"])
        async with fake.client(FactBot(app)):
            reply = await fake.invoke("about")
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert expected.version in fields["Dataset"] and expected.short in fields["Dataset"]
    assert f"{await app.store.count(Kind.FACT)} facts" in fields["Entries"]
    out = io.StringIO()
    assert await Console(app.facts, out=out).run_lines(["/about"]) == 0
    assert f"version {expected.version}" in out.getvalue() and expected.short in out.getvalue()
