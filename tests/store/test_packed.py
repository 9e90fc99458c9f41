"""``bot.store.packed``: the snapshot's documents, compressed, read back as they were given."""

from __future__ import annotations

import pytest

from bot.core.models import Kind
from bot.store import packed
from bot.store.curated import load_documents
from bot.store.packed import Packer


# The dictionary made at the first document, at the third, or never (a small store: JSON).
@pytest.mark.parametrize("first", [1, 3, 10_000])
def test_every_document_reads_back_as_it_was_added(
    monkeypatch: pytest.MonkeyPatch, first: int
) -> None:
    monkeypatch.setattr(packed, "DICTIONARY_ROWS", first)
    documents = load_documents()[:40]
    packer = Packer()
    for doc in documents:
        packer.add(doc)
    held = packer.packed()
    assert list(held) == [(doc.kind, doc.key) for doc in documents]
    assert len(held) == len(documents)
    assert [held[(doc.kind, doc.key)] for doc in documents] == documents
    assert held.get((documents[-1].kind, documents[-1].key)) == documents[-1]
    assert held.get((Kind.FACT, "no such key")) is None
    assert (Kind.FACT, "no such key") not in held


def test_documents_are_held_in_less_than_their_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(packed, "DICTIONARY_ROWS", 5)
    documents = load_documents()
    packer = Packer()
    for doc in documents:
        packer.add(doc)
    rows = packer.packed()._rows
    json = sum(len(doc.model_dump_json()) for doc in documents)
    assert sum(map(len, rows.values())) < json / 3


def test_a_store_smaller_than_the_dictionarys_sample_is_held_as_json(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    documents = load_documents()
    monkeypatch.setattr(packed, "DICTIONARY_ROWS", len(documents) + 1)
    packer = Packer()
    for doc in documents:
        packer.add(doc)
    rows = packer.packed()._rows
    assert [rows[(doc.kind, doc.key)] for doc in documents] == [
        doc.model_dump_json().encode() for doc in documents
    ]
    monkeypatch.setattr(packed, "DICTIONARY_ROWS", len(documents))  # as many: compressed
    packer = Packer()
    for doc in documents:
        packer.add(doc)
    rows = packer.packed()._rows
    assert sum(map(len, rows.values())) < sum(len(doc.model_dump_json()) for doc in documents)


def test_nothing_packs_to_nothing() -> None:
    held = Packer().packed()
    assert len(held) == 0 and list(held) == []


def test_the_documents_read_last_are_kept_and_no_more(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(packed, "RECENT_KEPT", 3)
    documents = load_documents()[:10]
    packer = Packer()
    for doc in documents:
        packer.add(doc)
    held = packer.packed()
    first = (documents[0].kind, documents[0].key)
    kept = held[first]
    assert held[first] is kept and held.get(first) is kept  # validated once
    for doc in documents[2:4]:
        held[(doc.kind, doc.key)]
    assert held[first] is kept  # read again just now: the most recent
    for doc in (documents[1], *documents[5:7]):
        held[(doc.kind, doc.key)]
    again = held[first]  # three others read since: it was let go, and read anew
    assert again is not kept and again == kept
