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
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.models import Document

__all__ = ["UNVERSIONED", "DatasetVersion", "checksum"]

UNVERSIONED = "unversioned"


def checksum(documents: Iterable[Document]) -> str:
    """SHA-256 (hex) of ``documents``' kinds, keys and data, in a canonical order."""
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


@dataclass(frozen=True, slots=True)
class DatasetVersion:
    """Which curated data is loaded: its declared version and the checksum of its entries."""

    version: str
    checksum: str

    @property
    def short(self) -> str:
        """The first 12 hex digits: enough to tell two datasets apart at a glance."""
        return self.checksum[:12]
