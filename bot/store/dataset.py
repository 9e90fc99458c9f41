"""The dataset's version on disk and its checksum in a database (``python -m bot store verify``).

``data/VERSION`` holds one line, the curators' version of the data (e.g. ``2026.11.1``); it is
raised by hand whenever the YAML changes. The checksum is computed, never written by hand.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.dataset import UNVERSIONED, DatasetVersion, checksum
from bot.core.models import Document, Kind
from bot.core.ports import Store

__all__ = ["VERSION_FILE", "Verification", "dataset_of", "read_version", "verify_store"]

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
    docs: list[Document] = []
    for kind in Kind:
        offset = 0
        while True:
            page = await store.list(kind, None, limit=_PAGE, offset=offset)
            docs += page
            if len(page) < _PAGE:
                break
            offset += _PAGE
    return docs


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
    stored = await stored_documents(store)
    return Verification(
        files=dataset_of(data_dir, documents),
        stored_checksum=checksum(stored),
        stored_count=len(stored),
        files_count=len(documents),
    )
