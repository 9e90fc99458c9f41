"""The ``moderation`` area of ``python -m bot store copy``: every server's moderation data
(entry versions, hidden curated entries, suggestions, the audit log, the moderator role).

One row per server: its ``GuildExport`` (without the export time). The ``documents`` area,
copied first, carries the documents the versions serve; this area makes the rest equal with
``ModerationStore.sync_guild`` (and removes the documents of entries retired since a previous
copy), so copying again adds nothing and a source that moved on meanwhile (new versions, log
lines, decisions) is caught up. Without it a copy would drop
every server's history and show again the curated entries servers had hidden.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

from bot.core.moderation.ledger import documents_of
from bot.core.ports_moderation import ModerationStore
from bot.core.records import GuildExport
from bot.store import moderation_store
from bot.store.documents import SqlDocumentStore
from bot.store.portable import ImportReport, Row

__all__ = ["MODERATION_AREA", "ModerationRows", "moderation_identity"]

MODERATION_AREA = "moderation"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # exports compare without their export time


def _row(export: GuildExport) -> Row:
    data = export.model_dump(mode="json", exclude={"exported_at"})
    return {"guild_id": export.guild_id, "export": data}


def _empty(export: GuildExport) -> bool:
    held = (export.versions, export.hidden, export.suggestions, export.audit)
    return export.moderator_role_id is None and not any(held)


def moderation_identity(row: Row) -> str:
    return str(row["guild_id"])


class ModerationRows:
    """The ``moderation`` area's rows on one store's database."""

    def __init__(self, store: SqlDocumentStore) -> None:
        self._mods: ModerationStore = moderation_store(store)

    async def export_rows(self, *, batch: int = 1000) -> AsyncIterator[list[Row]]:
        guilds = await self._mods.guild_ids()
        for start in range(0, len(guilds), max(batch, 1)):
            yield [
                _row(await self._mods.export_guild(guild, _EPOCH))
                for guild in guilds[start : start + batch]
            ]

    async def import_rows(self, rows: Sequence[Row]) -> ImportReport:
        report = ImportReport()
        for row in rows:
            wanted = GuildExport.model_validate({**row["export"], "exported_at": _EPOCH})
            held = await self._mods.export_guild(wanted.guild_id, _EPOCH)
            if _row(held) == _row(wanted):
                report += ImportReport(unchanged=1)
                continue
            await self._mods.sync_guild(wanted, documents_of(wanted))
            report += ImportReport(added=1) if _empty(held) else ImportReport(updated=1)
        return report
