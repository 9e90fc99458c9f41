"""Loading the curated data directory: the same documents, at a fraction of the memory.

``load_documents`` reads each YAML list one entry at a time and keeps only the documents;
these tests hold it to ``load_catalog(...).documents()`` and ``yaml.safe_load``, and hold the
memory a large data directory costs to a bound per document.
"""

from __future__ import annotations

import gc
import json
import random
import shutil
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

import bot.core.documents as documents_module
from bot.core.models import Citation, Document, Fact
from bot.store.curated import (
    DEFAULT_DATA_DIR,
    CatalogError,
    load_catalog,
    load_documents,
)
from bot.store.packed import DICTIONARY_ROWS
from bot.store.snapshot import Snapshot

GENERATED = 2000
# A generated fact's document (links to curated countries, topics, people and a source)
# measured 8.1 KB while each document had Link objects of its own, 2.9 KB since.
BYTES_PER_DOCUMENT = 4000
# The same held by the snapshot: 1.7 KB with each document's JSON as it is (2.9 KB as
# models), 0.4 KB with each compressed against the snapshot's dictionary (bot.store.packed).
SNAPSHOT_BYTES_PER_DOCUMENT = 700
# The build's peak over the load's documents: 1.9 KB a document while the snapshot held every
# document's JSON before compressing it, 1.1 KB with only the first DICTIONARY_ROWS held so.
SNAPSHOT_BUILD_PEAK_PER_DOCUMENT = 1400


def test_the_documents_are_the_catalogs() -> None:
    assert load_documents() == load_catalog().documents()


@pytest.mark.parametrize(
    "text",
    [
        "- {id: a, n: 1}\n- {id: b, n: [1, 2.5, true, null, 2024-06-01]}\n",
        "- &first {id: a, tags: [x, y]}\n- {id: b, copy: *first}\n",  # an alias across entries
        "- id: a\n  text: |\n    two\n    lines\n- id: b\n",
        "[]\n",
        "---\n- {id: a}\n...\n",
    ],
)
def test_entries_are_what_yaml_reads(tmp_path: Path, text: str) -> None:
    from bot.store.curated import _read_items

    path = tmp_path / "facts.yaml"
    path.write_text(text, encoding="utf-8")
    assert list(_read_items(path)) == yaml.safe_load(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: a\n", "expected a list of entries"),
        ("- {id: a}\n---\n- {id: b}\n", "expected a single YAML document"),
    ],
)
def test_a_file_that_is_not_one_list_is_refused(tmp_path: Path, text: str, message: str) -> None:
    from bot.store.curated import _read_items

    path = tmp_path / "facts.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match=message):
        list(_read_items(path))


@pytest.mark.parametrize("text", ["", "---\n", "# nothing yet\n"])
def test_an_empty_file_has_no_entries(tmp_path: Path, text: str) -> None:
    from bot.store.curated import _read_items

    path = tmp_path / "facts.yaml"
    path.write_text(text, encoding="utf-8")
    assert list(_read_items(path)) == []


def test_a_bad_entry_is_named(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    (data / "facts.yaml").write_text("- {id: ok-one}\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"facts.yaml entry 0 \(ok-one\)"):
        load_documents(data)


def _generated_data_dir(target: Path, count: int) -> Path:
    """``data/`` with ``count`` more facts, each citing a curated source and linking to
    curated countries, topics and summits, written as JSON (which is YAML too)."""
    shutil.copytree(DEFAULT_DATA_DIR, target)
    catalog = load_catalog()
    rng = random.Random(7)
    source = catalog.facts[0].citations[0]
    countries = [c.slug for c in catalog.countries]
    summits = [s.year for s in catalog.summits]
    topics = sorted({t for f in catalog.facts for t in f.topics})
    facts = [f.model_dump(mode="json", exclude_none=True) for f in catalog.facts]
    for n in range(count):
        fact = Fact(
            id=f"generated-{n}",
            text=f"Generated statement number {n} about {rng.choice(countries)}.",
            citations=[Citation(source=source.source, excerpt=source.excerpt)],
            countries=rng.sample(countries, 2),
            summits=[rng.choice(summits)],
            topics=rng.sample(topics, 2),
        )
        facts.append(fact.model_dump(mode="json", exclude_none=True))
    (target / "facts.yaml").write_text(json.dumps(facts, indent=0), encoding="utf-8")
    return target


@dataclass(frozen=True)
class Measured:
    """What one traced load of the generated directory held, then what its snapshot held."""

    count: int  # documents loaded
    last: Document  # the last of them
    held: int  # bytes held once the documents are loaded
    peak: int  # bytes at the load's peak
    snapshot: Snapshot  # built from the documents
    snapshot_held: int  # bytes held once only the snapshot is left (but interned strings)
    build_peak: int  # bytes at the snapshot's build's peak, over what the load held


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> Measured:
    """One traced load for the module's two memory tests: the load under ``tracemalloc`` costs
    seconds (2,000 generated facts), and each test reads its own figures of the same run."""
    data = _generated_data_dir(tmp_path_factory.mktemp("generated") / "data", GENERATED)
    gc.collect()
    tracemalloc.start()
    try:
        documents = load_documents(data)
        gc.collect()
        held, peak = tracemalloc.get_traced_memory()
        count, last = len(documents), documents[-1]
        tracemalloc.reset_peak()
        snapshot = Snapshot.build(documents)
        build_peak = tracemalloc.get_traced_memory()[1] - held
        del documents
        gc.collect()
        # Less what bot.core.documents still holds: the interpreter's table of interned
        # strings (the slugs it interns), shared by the whole process, which doubles when it
        # fills, in whichever load of the session that happens (1.9 MB, when it is this one).
        interning = tracemalloc.Filter(False, documents_module.__file__)
        traces = tracemalloc.take_snapshot().filter_traces([interning])
        snapshot_held = sum(stat.size for stat in traces.statistics("filename"))
    finally:
        tracemalloc.stop()
    return Measured(count, last, held, peak, snapshot, snapshot_held, build_peak)


def test_a_large_data_directory_costs_its_documents_and_little_more(measured: Measured) -> None:
    """The memory held after the load, and at its peak, per generated document: the parse
    of the whole file (``yaml.load`` composed every node first) is never held at once."""
    held, peak = measured.held, measured.peak
    assert measured.count == len(load_catalog().documents()) + GENERATED
    assert measured.last.key == f"generated-{GENERATED - 1}"
    assert held / GENERATED < BYTES_PER_DOCUMENT, f"{held / GENERATED:.0f} bytes a document"
    assert peak < held * 1.5, f"peak {peak / 2**20:.1f} MB, held {held / 2**20:.1f} MB"


def test_the_snapshot_holds_a_document_in_less_than_its_model(measured: Measured) -> None:
    """What the in-memory store keeps per document once the load's documents are gone."""
    held, count = measured.snapshot_held, measured.count
    assert measured.snapshot.docs[(measured.last.kind, measured.last.key)] == measured.last
    assert held / count < SNAPSHOT_BYTES_PER_DOCUMENT, f"{held / count:.0f} bytes a document"


def test_the_snapshot_never_holds_every_documents_json_at_once(measured: Measured) -> None:
    """Past the first documents, which make the compression's dictionary, each document's
    JSON is compressed as it comes (``bot.store.packed.Packer``)."""
    peak, count = measured.build_peak, measured.count
    assert count > DICTIONARY_ROWS
    assert peak / count < SNAPSHOT_BUILD_PEAK_PER_DOCUMENT, f"{peak / count:.0f} bytes a document"


def test_the_snapshot_gives_back_every_document_it_was_given(measured: Measured) -> None:
    """Compressed against one dictionary, each document still reads back as it was, on its
    own and in the order the load gave them."""
    documents = load_catalog().documents()
    snapshot = Snapshot.build(documents)
    assert list(snapshot.documents()) == documents
    assert all(snapshot.docs[(doc.kind, doc.key)] == doc for doc in reversed(documents))
    generated = measured.snapshot.docs
    assert generated[(measured.last.kind, measured.last.key)] == measured.last
    assert generated.get((measured.last.kind, "no such key")) is None


def test_an_empty_snapshot_holds_nothing() -> None:
    snapshot = Snapshot.build([])
    assert len(snapshot.docs) == 0 and list(snapshot.documents()) == []
