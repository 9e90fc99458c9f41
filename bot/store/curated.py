"""The curated store in ``data/``: read and validate the YAML, then load it into a Store.

Layout of ``data/``::

    sources/sources.yaml   list of Source (each names its text file in sources/)
    sources/*.txt          the source documents' text
    countries.yaml sizes.yaml summits.yaml people.yaml quotes.yaml facts.yaml

Loading is idempotent: ``Store.sync_curated`` adds what is new, updates what changed and
never touches entries that servers added themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from yaml.composer import Composer
from yaml.events import SequenceEndEvent, SequenceStartEvent, StreamEndEvent

from bot.core.documents import to_document
from bot.core.models import (
    Country,
    Document,
    Fact,
    Person,
    Quote,
    SizeClaim,
    Source,
    Summit,
    is_url,
)
from bot.core.ports import Store, SyncReport
from bot.settings import DEFAULT_DATA_DIR

__all__ = [
    "DEFAULT_DATA_DIR",
    "SERVER_KEY",
    "Catalog",
    "CatalogError",
    "iter_documents",
    "load_catalog",
    "load_curated",
    "load_documents",
]


M = TypeVar("M", bound=BaseModel)
# libyaml's loader when PyYAML was built with it: the same documents, ten times faster (a
# 100,000-fact data directory loads in seconds rather than minutes).
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CatalogError(Exception):
    """The data files are malformed; the message names the file and entry."""


@dataclass
class Catalog:
    """Every curated entry, validated, plus the text of each source."""

    sources: list[Source] = field(default_factory=list)
    countries: list[Country] = field(default_factory=list)
    sizes: list[SizeClaim] = field(default_factory=list)
    summits: list[Summit] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)

    def entries(self) -> Iterator[BaseModel]:
        yield from self.sources
        yield from self.countries
        yield from self.sizes
        yield from self.summits
        yield from self.people
        yield from self.quotes
        yield from self.facts

    def documents(self) -> list[Document]:
        return [to_document(entry) for entry in self.entries()]


class _EntryLoader(_LOADER):  # type: ignore[misc]
    """The safe loader, composing a file's top-level list one entry at a time.

    ``yaml.load`` composes the whole file into a tree of nodes before it builds the first
    object: for 100,000 facts, over a gigabyte at the peak, which the process keeps as its
    resident size long after the tree is freed. Composing entry by entry (PyYAML's own
    composer over libyaml's events) keeps one entry's nodes at a time."""

    compose_node = Composer.compose_node
    compose_scalar_node = Composer.compose_scalar_node
    compose_sequence_node = Composer.compose_sequence_node
    compose_mapping_node = Composer.compose_mapping_node


def _read_items(path: Path) -> Iterator[Any]:
    """The entries of the YAML list in ``path``, parsed one at a time (none: no file, or an
    empty one); the same objects ``yaml.safe_load`` gives."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as stream:
        loader: Any = _EntryLoader(stream)  # typeshed: compose_node takes no None index
        loader.anchors = {}
        try:
            loader.get_event()  # the stream's start
            if loader.check_event(StreamEndEvent):
                return
            loader.get_event()  # the document's start
            if loader.check_event(SequenceStartEvent):
                loader.get_event()
                while not loader.check_event(SequenceEndEvent):
                    yield loader.construct_document(loader.compose_node(None, None))
                loader.get_event()
            elif loader.construct_document(loader.compose_node(None, None)) is not None:
                raise CatalogError(f"{path.name}: expected a list of entries")
            loader.get_event()  # the document's end
            if not loader.check_event(StreamEndEvent):
                raise CatalogError(f"{path.name}: expected a single YAML document")
        finally:
            loader.dispose()


def _read_entries(path: Path, model: type[M]) -> Iterator[M]:
    """The entries of ``path`` validated as ``model``, one at a time."""
    for index, item in enumerate(_read_items(path)):
        try:
            yield model.model_validate(item)
        except ValidationError as exc:
            ident = (
                item.get("id") or item.get("slug") or item.get("year")
                if isinstance(item, dict)
                else None
            )
            raise CatalogError(f"{path.name} entry {index} ({ident}): {exc}") from exc


def _read_list(path: Path, model: type[M]) -> list[M]:
    return list(_read_entries(path, model))


def load_catalog(data_dir: Path = DEFAULT_DATA_DIR) -> Catalog:
    """Read and validate every YAML file of ``data_dir``."""
    sources, texts = _read_sources(data_dir)
    catalog = Catalog(sources=sources, texts=texts)
    known = {source.id for source in sources}
    for attribute, name, model in ENTRY_FILES:
        entries = getattr(catalog, attribute)
        for entry in _read_entries(data_dir / name, model):
            _check_curated(entry, known)
            entries.append(entry)
    return catalog


def load_documents(data_dir: Path = DEFAULT_DATA_DIR) -> list[Document]:
    """``load_catalog(data_dir).documents()``, holding one entry's parse and model at a time
    rather than every file's: what a large data directory costs is then its documents."""
    return list(iter_documents(data_dir))


def iter_documents(data_dir: Path = DEFAULT_DATA_DIR) -> Iterator[Document]:
    """``load_documents``, one document at a time (the sources, read and checked first)."""
    sources, _ = _read_sources(data_dir)
    known = {source.id for source in sources}
    for source in sources:
        yield to_document(source)
    del sources
    for _, name, model in ENTRY_FILES:
        for entry in _read_entries(data_dir / name, model):
            _check_curated(entry, known)
            yield to_document(entry)


ENTRY_FILES: tuple[tuple[str, str, type[BaseModel]], ...] = (
    ("countries", "countries.yaml", Country),
    ("sizes", "sizes.yaml", SizeClaim),
    ("summits", "summits.yaml", Summit),
    ("people", "people.yaml", Person),
    ("quotes", "quotes.yaml", Quote),
    ("facts", "facts.yaml", Fact),
)
"""The entry files besides the sources, in ``Catalog.entries()``'s order."""


def _read_sources(data_dir: Path) -> tuple[list[Source], dict[str, str]]:
    """The sources, checked, and each one's text."""
    sources_dir = data_dir / "sources"
    sources = _read_list(sources_dir / "sources.yaml", Source)
    texts: dict[str, str] = {}
    for source in sources:
        _check_curated(source, set())
    for source in sources:
        path = sources_dir / source.file
        if not path.exists():
            raise CatalogError(f"sources.yaml: {source.id} names missing file {source.file}")
        texts[source.id] = path.read_text(encoding="utf-8")
    return sources, texts


SERVER_KEY = re.compile(r"^s\d+$")
"""Keys of the entries servers add (``s1``, ``s2``...); curated entries never use them."""


def _check_curated(entry: BaseModel, known: set[str]) -> None:
    """What the models allow server entries but never curated ones: links as sources,
    provenance, the server key space. ``known``: the source ids."""
    label = f"{type(entry).__name__} {getattr(entry, 'id', getattr(entry, 'slug', ''))}"
    if getattr(entry, "added", None) is not None:
        raise CatalogError(f"{label}: curated entries carry no 'added' provenance")
    if SERVER_KEY.match(str(getattr(entry, "id", ""))):
        raise CatalogError(f"{label}: ids like s1, s2 are reserved for servers' entries")
    for citation in getattr(entry, "citations", []):
        if is_url(citation.source) or citation.source not in known:
            raise CatalogError(
                f"{label}: cites {citation.source!r}; curated entries cite a source id "
                "from sources/sources.yaml"
            )


async def load_curated(store: Store, data_dir: Path = DEFAULT_DATA_DIR) -> SyncReport:
    """Validate ``data_dir`` and make the store's curated entries equal to it."""
    return await store.sync_curated(load_documents(data_dir))
