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
    "load_catalog",
    "load_curated",
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


def _read_list(path: Path, model: type[M]) -> list[M]:
    if not path.exists():
        return []
    raw: Any = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or []
    if not isinstance(raw, list):
        raise CatalogError(f"{path.name}: expected a list of entries")
    items: list[M] = []
    for index, item in enumerate(raw):
        try:
            items.append(model.model_validate(item))
        except ValidationError as exc:
            ident = (
                item.get("id") or item.get("slug") or item.get("year")
                if isinstance(item, dict)
                else None
            )
            raise CatalogError(f"{path.name} entry {index} ({ident}): {exc}") from exc
    return items


def load_catalog(data_dir: Path = DEFAULT_DATA_DIR) -> Catalog:
    """Read and validate every YAML file of ``data_dir``."""
    sources_dir = data_dir / "sources"
    catalog = Catalog(
        sources=_read_list(sources_dir / "sources.yaml", Source),
        countries=_read_list(data_dir / "countries.yaml", Country),
        sizes=_read_list(data_dir / "sizes.yaml", SizeClaim),
        summits=_read_list(data_dir / "summits.yaml", Summit),
        people=_read_list(data_dir / "people.yaml", Person),
        quotes=_read_list(data_dir / "quotes.yaml", Quote),
        facts=_read_list(data_dir / "facts.yaml", Fact),
    )
    _check_curated(catalog)
    for source in catalog.sources:
        path = sources_dir / source.file
        if not path.exists():
            raise CatalogError(f"sources.yaml: {source.id} names missing file {source.file}")
        catalog.texts[source.id] = path.read_text(encoding="utf-8")
    return catalog


SERVER_KEY = re.compile(r"^s\d+$")
"""Keys of the entries servers add (``s1``, ``s2``...); curated entries never use them."""


def _check_curated(catalog: Catalog) -> None:
    """What the models allow server entries but never curated ones: links as sources,
    provenance, the server key space."""
    known = {source.id for source in catalog.sources}
    for entry in catalog.entries():
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
    return await store.sync_curated(load_catalog(data_dir).documents())
