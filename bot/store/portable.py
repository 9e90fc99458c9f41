"""What a backend offers so that ``python -m bot store copy`` can move its data to another one.

The copy works area by area (``documents`` now; each later storage area adds its own name), in
rows that carry natural keys only, never a backend's row ids: plain JSON-able dicts, the same
shape from every backend. A backend that stores an area implements, for that area name:

- ``copy_areas()``: the names of the areas it stores, in the order they must be copied
  (an area whose rows refer to another's comes after it);
- ``export_rows(area, batch=...)``: every row, in batches, in a stable order;
- ``import_rows(area, rows)``: write them by natural key: add the new, update the changed,
  leave the identical alone (so copying twice adds nothing), and report which was which.

``bot.store.copy`` drives the copy and verifies it; ``DOCUMENT_AREA`` rows are built and read
with ``document_row`` / ``row_document`` so both sides agree on their shape.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from bot.core.models import Document, Kind, link

__all__ = [
    "DOCUMENT_AREA",
    "ImportReport",
    "Portable",
    "Row",
    "document_row",
    "row_document",
    "row_times",
]

DOCUMENT_AREA = "documents"

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What ``import_rows`` did with one batch."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: ImportReport) -> ImportReport:
        return ImportReport(
            self.added + other.added,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
        )


@runtime_checkable
class Portable(Protocol):
    """A store whose data ``bot.store.copy`` can export and import (see the module docstring)."""

    def copy_areas(self) -> tuple[str, ...]: ...

    def export_rows(self, area: str, *, batch: int = 1000) -> AsyncIterator[builtins.list[Row]]:
        """Every row of ``area``, ``batch`` at a time, in a stable order."""
        ...

    async def import_rows(self, area: str, rows: Sequence[Row]) -> ImportReport:
        """Write ``rows`` of ``area`` by natural key; identical rows are left alone."""
        ...


def document_row(doc: Document, created_at: datetime, updated_at: datetime) -> Row:
    """The portable form of one stored document."""
    return {
        "kind": doc.kind.value,
        "key": doc.key,
        "guild_id": doc.guild_id,
        "data": doc.data,
        "title": doc.title,
        "body": doc.body,
        "links": [[link.kind, link.key] for link in doc.links],
        "names": list(doc.names),
        "created_at": created_at.isoformat(timespec="microseconds"),
        "updated_at": updated_at.isoformat(timespec="microseconds"),
    }


def row_document(row: Row) -> Document:
    """The document a portable row describes (validated like any other)."""
    return Document(
        kind=Kind(row["kind"]),
        key=row["key"],
        guild_id=row["guild_id"],
        data=row["data"],
        title=row["title"],
        body=row["body"],
        links=tuple(link(kind, key) for kind, key in row["links"]),
        names=tuple(row["names"]),
    )


def row_times(row: Row) -> tuple[datetime, datetime]:
    """(created_at, updated_at) of a portable row, as aware datetimes."""
    return datetime.fromisoformat(row["created_at"]), datetime.fromisoformat(row["updated_at"])
