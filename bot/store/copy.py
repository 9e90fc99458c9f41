"""``python -m bot store copy --from URL --to URL``: copy one store into another and verify it.

What is copied, area by area (``AREAS``): ``documents``, every document of the source,
curated and every server's, with its links, names and times; then ``moderation``, every
server's entry versions, hidden curated entries, suggestions, audit log and moderator role
(``bot.store.moderation_copy``). Each area's rows are exported from the source in batches
and imported into the target by natural key (``bot.store.portable``): new rows are added,
changed rows rewritten, identical rows left alone, so running the copy again adds nothing.
Backend row ids never cross over.

Verification: once every area is copied, both stores are read again and, for every group of
every area (for documents, every kind), the number of rows and a checksum must agree. The
checksum is the sum modulo 2**256 of each row's sha256 over its identity and its content, so
it does not depend on the order the backends read rows in. A target holding rows the source
lacks (say, documents a server added to it meanwhile) fails verification: the copy reports it
and exits 1. Copy into an empty store, or one copied from the same source before.

Both stores are opened with ``open_store``, which migrates each to the current schema first.

To make another storage area copyable (digests, moderation...), append an ``Area`` to
``AREAS``: its name; ``rows``, a function from a store to the object that exports and imports
that area's rows on the store's database (``AreaRows``); and, optionally, how a row names its
group, identity and content (by default the area is one group and the whole row is both).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.store import open_store
from bot.store.common import content_hash
from bot.store.documents import SqlDocumentStore
from bot.store.moderation_copy import MODERATION_AREA, ModerationRows, moderation_identity
from bot.store.portable import DOCUMENT_AREA, ImportReport, Portable, Row, row_document

__all__ = [
    "AREAS",
    "Area",
    "AreaRows",
    "CopyRefused",
    "CopyReport",
    "GroupCheck",
    "copy_store",
    "redact_url",
    "tally",
]

_MOD = 2**256


class CopyRefused(ValueError):
    """The source holds a row the target cannot take; the message is one line to show."""


def _nul_at(value: object, where: str = "") -> str | None:
    """Where in ``value`` (a row, as JSON-like data) a NUL character is, if anywhere."""
    if isinstance(value, str):
        return where or "(value)" if "\x00" in value else None
    if isinstance(value, dict):
        items: list[tuple[str, object]] = [
            (f"{where}.{k}" if where else str(k), v) for k, v in value.items()
        ]
    elif isinstance(value, list | tuple):
        items = [(f"{where}[{i}]", v) for i, v in enumerate(value)]
    else:
        return None
    for path, item in items:
        found = _nul_at(item, path)
        if found is not None:
            return found
    return None


def _refuse_nul(area: Area, rows: Sequence[Row]) -> None:
    """PostgreSQL stores no NUL character (SQLite did, before the bot refused them): say
    which row holds one, before anything of the chunk is written."""
    for row in rows:
        where = _nul_at(row)
        if where is not None:
            raise CopyRefused(
                f"{area.name} row {area.identity(row)[:120]} holds a NUL character in "
                f"{where[:80]}, which PostgreSQL cannot store; correct it in the source "
                "(for a server's entry, /entry edit) and copy again"
            )


class AreaRows(Protocol):
    """One area's rows on one store's database."""

    def export_rows(self, *, batch: int = 1000) -> AsyncIterator[list[Row]]: ...

    async def import_rows(self, rows: Sequence[Row]) -> ImportReport: ...


def _canonical(row: Row) -> str:
    return json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


@dataclass(frozen=True)
class Area:
    """A copyable storage area (see the module docstring)."""

    name: str
    rows: Callable[[SqlDocumentStore], AreaRows]
    group: Callable[[Row], str] | None = None
    identity: Callable[[Row], str] = _canonical
    content: Callable[[Row], str] = _canonical

    def group_of(self, row: Row) -> str:
        return self.group(row) if self.group is not None else self.name


class _StoreArea:
    """An area the store object itself exports and imports (``Portable``)."""

    def __init__(self, store: SqlDocumentStore, area: str) -> None:
        if not isinstance(store, Portable) or area not in store.copy_areas():
            raise TypeError(f"{type(store).__name__} cannot export or import {area!r}")
        self._store: Portable = store
        self._area = area

    def export_rows(self, *, batch: int = 1000) -> AsyncIterator[list[Row]]:
        return self._store.export_rows(self._area, batch=batch)

    async def import_rows(self, rows: Sequence[Row]) -> ImportReport:
        return await self._store.import_rows(self._area, rows)


def _documents(store: SqlDocumentStore) -> AreaRows:
    return _StoreArea(store, DOCUMENT_AREA)


def _document_identity(row: Row) -> str:
    return f"{row['guild_id']}/{row['kind']}/{row['key']}"


def _document_content(row: Row) -> str:
    return content_hash(row_document(row))


AREAS: list[Area] = [
    Area(
        DOCUMENT_AREA,
        rows=_documents,
        group=lambda row: str(row["kind"]),
        identity=_document_identity,
        content=_document_content,
    ),
    Area(MODERATION_AREA, rows=ModerationRows, identity=moderation_identity),
]


@dataclass(frozen=True)
class GroupCheck:
    """One group's rows and checksum in the source and the target."""

    area: str
    group: str
    source_rows: int
    target_rows: int
    source_sum: str
    target_sum: str

    @property
    def ok(self) -> bool:
        return (self.source_rows, self.source_sum) == (self.target_rows, self.target_sum)


@dataclass
class CopyReport:
    imported: dict[str, ImportReport] = field(default_factory=dict)
    checks: list[GroupCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)


async def tally(area: Area, rows: AreaRows, *, batch: int = 1000) -> dict[str, tuple[int, int]]:
    """(rows, checksum) of each group of ``area`` in one store."""
    groups: dict[str, tuple[int, int]] = {}
    async for chunk in rows.export_rows(batch=batch):
        for row in chunk:
            digest = hashlib.sha256(
                f"{area.identity(row)}\x1f{area.content(row)}".encode()
            ).digest()
            group = area.group_of(row)
            count, total = groups.get(group, (0, 0))
            groups[group] = (count + 1, (total + int.from_bytes(digest, "big")) % _MOD)
    return groups


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***``, fit to print."""
    return re.sub(r"(://[^/:@]*:)[^/@]*@", r"\1***@", url)


async def copy_store(
    source_url: str,
    target_url: str,
    *,
    batch: int = 1000,
    areas: Sequence[Area] | None = None,
    progress: Callable[[str], None] = lambda line: None,
) -> CopyReport:
    """Copy every area of ``source_url`` into ``target_url``, then verify each group."""
    if source_url == target_url:
        raise ValueError("the source and the target are the same store")
    report = CopyReport()
    source = await open_store(source_url)
    try:
        target = await open_store(target_url)
        try:
            chosen = AREAS if areas is None else areas
            for area in chosen:
                reader, writer = area.rows(source), area.rows(target)
                done = ImportReport()
                async for chunk in reader.export_rows(batch=batch):
                    _refuse_nul(area, chunk)
                    done += await writer.import_rows(chunk)
                report.imported[area.name] = done
                progress(
                    f"{area.name}: {done.added} added, {done.updated} updated, "
                    f"{done.unchanged} unchanged"
                )
            # Verified once every area is in: a later area may change an earlier one's rows
            # (moderation removes the documents of entries retired since a previous copy).
            for area in chosen:
                reader, writer = area.rows(source), area.rows(target)
                before = await tally(area, reader, batch=batch)
                after = await tally(area, writer, batch=batch)
                for group in sorted(before.keys() | after.keys()):
                    (source_rows, source_sum), (target_rows, target_sum) = (
                        before.get(group, (0, 0)),
                        after.get(group, (0, 0)),
                    )
                    report.checks.append(
                        GroupCheck(
                            area.name,
                            group,
                            source_rows,
                            target_rows,
                            f"{source_sum:064x}",
                            f"{target_sum:064x}",
                        )
                    )
        finally:
            await target.close()
    finally:
        await source.close()
    return report
