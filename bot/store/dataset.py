"""The dataset's version on disk and its checksum in a database (``python -m bot store verify``).

``data/VERSION`` holds one line, the curators' version of the data (e.g. ``2026.11.1``); it is
raised by hand whenever the YAML changes. The checksum is computed, never written by hand.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.dataset import UNVERSIONED, DatasetVersion, checksum, entry_line, order
from bot.core.models import Document, Kind
from bot.core.ports import Store

__all__ = [
    "VERSION_FILE",
    "Verification",
    "dataset_of",
    "read_version",
    "stored_checksum",
    "verify_store",
]

VERSION_FILE = "VERSION"
_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+_-]{0,39}$")
_PAGE = 1000


def read_version(data_dir: Path) -> str:
    """The version ``data_dir/VERSION`` declares, or ``unversioned`` when there is none."""
    path = data_dir / VERSION_FILE
    if not path.exists():
        return UNVERSIONED
    text = path.read_text(encoding="utf-8").strip()
    if not _VERSION.match(text):
        raise ValueError(f"{path}: expected one short version such as 2026.11.1, got {text[:40]!r}")
    return text


def dataset_of(data_dir: Path, documents: Sequence[Document]) -> DatasetVersion:
    """The version of ``data_dir`` and the checksum of its (curated) ``documents``."""
    return DatasetVersion(read_version(data_dir), checksum(documents))


async def stored_documents(store: Store) -> list[Document]:
    """Every curated document the database holds, page by page."""
    return [doc async for doc in _stored_in_order(store)]


async def _stored_in_order(store: Store) -> AsyncIterator[Document]:
    """The curated documents of ``store`` page by page, in the checksum's order (kinds by
    value, each kind's pages in key order, as every backend gives them)."""
    for kind in sorted(Kind, key=lambda kind: kind.value):
        offset = 0
        while True:
            page = await store.list(kind, None, limit=_PAGE, offset=offset)
            for doc in page:
                yield doc
            if len(page) < _PAGE:
                break
            offset += _PAGE


async def stored_checksum(store: Store) -> tuple[str, int]:
    """The checksum of the curated documents ``store`` holds, and their number, read a page
    at a time (never all of them in memory)."""
    digest = hashlib.sha256()
    count = 0
    last: tuple[str, str] | None = None
    async for doc in _stored_in_order(store):
        place = order(doc)
        if last is not None and place <= last:
            raise ValueError(f"the store listed {place} after {last}, out of key order")
        last = place
        digest.update(entry_line(doc))
        count += 1
    return digest.hexdigest(), count


@dataclass(frozen=True, slots=True)
class Verification:
    """The files' dataset beside what the database holds."""

    files: DatasetVersion
    stored_checksum: str
    stored_count: int
    files_count: int

    @property
    def ok(self) -> bool:
        return self.files.checksum == self.stored_checksum


async def verify_store(store: Store, data_dir: Path, documents: Sequence[Document]) -> Verification:
    """Recompute the checksum of the curated entries in ``store`` and compare it with that of
    ``documents`` (the files of ``data_dir``)."""
    stored, count = await stored_checksum(store)
    return Verification(
        files=dataset_of(data_dir, documents),
        stored_checksum=stored,
        stored_count=count,
        files_count=len(documents),
    )
