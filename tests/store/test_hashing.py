"""What the curated load hashes: each document's content hash, which databases written by any
version of the bot hold and compare with, and the dataset's checksum the load makes as it
passes (``CachedStore.sync_curated``), which must equal the one streamed from the snapshot; and
how the backends' sync reads the stored hashes back."""

from __future__ import annotations

import hashlib
import json

import pytest

from bot.core.dataset import checksum, entry_line
from bot.core.models import Document, Kind, link
from bot.core.ports import Store
from bot.store import cached, documents, open_cached_store
from bot.store.common import content_hash, hash_and_line
from tests.conftest import curated_documents
from tests.store.test_store import fact


def _hash_as_defined(doc: Document) -> str:
    """The content hash as first defined: a stored hash (``documents.content_hash``) made by
    any earlier version must still equal the one made now, or every start rewrites them all."""
    canonical = json.dumps(
        {
            "data": doc.data,
            "title": doc.title,
            "body": doc.body,
            "links": [[x.kind, x.key] for x in doc.links],
            "names": list(doc.names),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


ODD = Document(
    kind=Kind.FACT,
    key='k"\\\n\x00\u2028😀',
    data={"z": [1, 2.5, None, True, {"b": "\x1f", "a": "é"}], "a": 1e16, "ü": -0.0, "": {}},
    title='t"\t\x7f',
    body="b\u2028\ud7ff\\",
    links=(link("country", 'a"b'), link("topic", "é")),
    names=("x\\y", "", "😀"),
)
EMPTY = Document(kind=Kind.SOURCE, key="", data={}, title="", body="")


def test_the_content_hash_and_checksum_line_are_as_defined() -> None:
    for doc in [*curated_documents(), ODD, EMPTY]:
        assert content_hash(doc) == _hash_as_defined(doc)
        assert hash_and_line(doc) == (_hash_as_defined(doc), entry_line(doc))
    # Canonical: the data's key order does not matter.
    reordered = ODD.model_copy(update={"data": dict(reversed(ODD.data.items()))})
    assert content_hash(reordered) == content_hash(ODD)


@pytest.mark.parametrize("held", [cached.LINES_HELD, 0])
async def test_the_loads_checksum_equals_the_streamed_one(
    held: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Held lines (``data/`` as shipped) or, past ``LINES_HELD``, streamed from the snapshot:
    the same checksum, and only the second reads the documents back."""
    monkeypatch.setattr(cached, "LINES_HELD", held)
    streamed: list[str] = []

    def spied(documents: object) -> str:
        streamed.append(value := checksum_in_order(documents))  # type: ignore[arg-type]
        return value

    checksum_in_order = cached.checksum_in_order
    monkeypatch.setattr(cached, "checksum_in_order", spied)
    docs = list(curated_documents())
    store = await open_cached_store("sqlite://:memory:")
    try:
        await store.sync_curated(reversed(docs))
        assert store.curated_checksum() == checksum(docs)
        assert len(streamed) == (0 if held else 1)
    finally:
        await store.close()


async def test_the_stored_hashes_are_read_page_by_page_and_an_odd_one_is_a_change(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``sync_hashed`` reads the stored hashes ``EXISTING_PAGE`` at a time, and a stored hash
    that is not one (none of this version's) makes its document written again."""
    monkeypatch.setattr(documents, "EXISTING_PAGE", 2)  # 5 documents: 3 pages
    docs = [fact(f"f{n}", f"Fact number {n}.") for n in range(5)]
    assert (await store.sync_curated(docs)).added == 5
    async with store.write() as conn:  # type: ignore[attr-defined]
        await conn.execute("UPDATE documents SET content_hash = $1 WHERE key = $2", "odd", "f1")
    report = await store.sync_curated(docs[:4])
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 1, 1, 3)
    again = await store.sync_curated(docs[:4])
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 4)
