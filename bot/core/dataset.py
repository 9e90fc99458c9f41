"""The curated dataset's identity: the version ``data/VERSION`` declares and a checksum of the
entries themselves, so a reader (``/about``) and an operator (``store verify``) can tell which
data a bot serves and whether the database still holds exactly what the files say.

The checksum covers every curated entry as the bot serves it: kind, key and the entry's fields
(canonical JSON, keys sorted), entries sorted by kind and key. It is the same whether computed
from the YAML files or read back from either database backend.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from bot.core.models import Document

__all__ = [
    "UNVERSIONED",
    "DatasetVersion",
    "canonical_json",
    "checksum",
    "checksum_in_order",
    "checksum_of_lines",
    "entry_line",
    "line_of",
    "order",
]

UNVERSIONED = "unversioned"

canonical_json: Callable[[Any], str] = json.JSONEncoder(
    sort_keys=True, ensure_ascii=False, separators=(",", ":")
).encode
"""``json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))``: the
canonical JSON of a document's data, in the checksum and in the store's content hash. One
encoder made once: ``json.dumps`` with arguments makes a new one on every call."""


def entry_line(doc: Document) -> bytes:
    """The line ``doc`` adds to the checksum: kind, key and canonical JSON of its data."""
    return line_of(doc, canonical_json(doc.data))


def line_of(doc: Document, data: str) -> bytes:
    """``entry_line(doc)`` given ``data``, the canonical JSON of ``doc.data`` already made
    (the store's content hash makes it too: ``bot.store.common.hash_and_line``)."""
    return f"{doc.kind.value}\t{doc.key}\t{data}\n".encode()


def order(doc: Document) -> tuple[str, str]:
    """Where ``doc`` stands in the checksum: by kind, then key (code point order)."""
    return (doc.kind.value, doc.key)


def checksum(documents: Iterable[Document]) -> str:
    """SHA-256 (hex) of ``documents``' kinds, keys and data, in a canonical order.

    Sorts ``documents`` (references, not their text); a caller holding many documents made
    one at a time should give them in order to ``checksum_in_order`` instead."""
    return checksum_in_order(sorted(documents, key=order))


def checksum_in_order(documents: Iterable[Document]) -> str:
    """``checksum`` of ``documents`` given in its order (kind, then key), read one at a time:
    neither the documents nor their lines are kept, so a 100,000-fact store is checksummed
    without a second copy of it in memory. Documents out of order (or twice) are refused:
    they would give another checksum, silently."""
    return checksum_of_lines(entry_line(doc) for doc in _in_order(documents))


def _in_order(documents: Iterable[Document]) -> Iterator[Document]:
    last: tuple[str, str] | None = None
    for doc in documents:
        place = order(doc)
        if last is not None and place <= last:
            raise ValueError(f"checksum: {place} comes after {last}, not in order")
        last = place
        yield doc


def checksum_of_lines(lines: Iterable[bytes]) -> str:
    """The checksum of the entry lines (``entry_line``) given in the checksum's order: for a
    caller that made them as the documents passed (``bot.store.cached``) and sorted them by
    kind and key itself."""
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class DatasetVersion:
    """Which curated data is loaded: its declared version and the checksum of its entries."""

    version: str
    checksum: str

    @property
    def short(self) -> str:
        """The first 12 hex digits: enough to tell two datasets apart at a glance."""
        return self.checksum[:12]
