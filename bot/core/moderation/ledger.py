"""What moderation remembers, and taking it elsewhere: an entry's history, the server's audit
log, the moderator role setting, and export/import of everything a server added.

An export holds every version, hidden entry, suggestion and audit line of one server;
importing it into a database that holds nothing of that server restores it exactly, the
documents the read path serves included (rebuilt from the versions, never trusted from the
file).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pydantic import ValidationError

from bot.core.errors import Invalid
from bot.core.i18n import N_
from bot.core.lookup import Candidate, best_matches
from bot.core.models import Document, Kind
from bot.core.moderation._entries import EntryServiceBase, document_of
from bot.core.moderation.answers import AuditPage, History
from bot.core.permissions import Member
from bot.core.records import EntryStatus, EntryVersion, GuildExport, UsageCount

__all__ = ["LOG_LIMIT", "LedgerService"]

LOG_LIMIT = 200


class UsageRows(Protocol):
    """The server's usage counts, exported and imported with the rest
    (``bot.core.usage.service``)."""

    async def export(self, guild_id: int) -> list[UsageCount]: ...

    async def restore(self, rows: Sequence[UsageCount]) -> None: ...


class LedgerService(EntryServiceBase):
    usage: UsageRows | None = None  # set by the composition root

    async def _with_usage(self, export: GuildExport) -> GuildExport:
        if self.usage is None:
            return export
        return export.model_copy(update={"usage": await self.usage.export(export.guild_id)})

    async def history(self, member: Member, ident: str) -> History:
        """Every version of a server entry (who, when, why), or for a curated entry what this
        server did with it (hidden, shown again)."""
        guild = await self.permissions.require_moderator(member, N_("read entry histories"))
        ref, versions = await self.locate(guild, ident)
        hidden = None
        events = []
        if ref.curated:
            hidden = next(
                (
                    h
                    for h in await self.mods.hidden(guild)
                    if (h.kind, h.key) == (ref.kind, ref.key)
                ),
                None,
            )
            events = await self.mods.audit_log(guild, entry=(ref.kind, ref.key), limit=LOG_LIMIT)
            doc = await self.store.get(ref.kind, ref.key)
            title = str(doc.data.get("text", ref.key)) if doc else ref.key
        else:
            title = str(versions[-1].data.get("text") or versions[-1].data.get("name") or ref.key)
        return History(ref, versions, events, hidden, title)

    async def log(self, member: Member) -> AuditPage:
        """The server's audit log, newest first (the newest ``LOG_LIMIT`` lines)."""
        guild = await self.permissions.require_moderator(member, N_("read the audit log"))
        records = await self.mods.audit_log(guild, limit=LOG_LIMIT)
        return AuditPage(records, await self.mods.count_audit(guild))

    async def entry_choices(self, member: Member, text: str) -> list[Candidate]:
        """Autocomplete for entry ids: the server's own entries and the curated ones it hid,
        each shown with its text; best matches first. None for anyone but a moderator: a
        server can let members see ``/entry``, and retired entries' text is no member's
        business."""
        if not await self.permissions.is_moderator(member):
            return []
        guild_id = self.permissions.server_of(member)
        candidates = []
        for head in await self.mods.heads(guild_id):
            label = str(head.data.get("text") or head.data.get("name") or "")
            state = " (retired)" if head.status is EntryStatus.RETIRED else ""
            candidates.append(Candidate(head.key, f"{head.key}{state}: {label}"))
        for hidden in await self.mods.hidden(guild_id):
            candidates.append(Candidate(hidden.key, f"{hidden.key} (hidden curated)"))
        return best_matches(text[:100], candidates, limit=25)

    # -- the moderator role ------------------------------------------------------------------

    async def moderator_role(self, member: Member) -> int | None:
        guild = self.permissions.require_manager(member, N_("see the moderator role"))
        return await self.mods.moderator_role(guild)

    async def set_moderator_role(self, member: Member, role_id: int | None) -> int | None:
        """Make ``role_id`` the server's moderator role (None: only Manage Server moderates);
        only members with Manage Server may, so a moderator role cannot grant itself."""
        guild = self.permissions.require_manager(member, N_("choose the moderator role"))
        detail = f"moderator role set to {role_id}" if role_id else "moderator role cleared"
        await self.mods.set_moderator_role(
            guild, role_id, self.audit(guild, member.actor, "config", detail=detail)
        )
        return role_id

    # -- export / import ---------------------------------------------------------------------

    async def export(self, member: Member) -> GuildExport:
        guild = await self.permissions.require_moderator(member, N_("export this server's entries"))
        return await self._with_usage(await self.mods.export_guild(guild, self.clock.now()))

    async def export_guild(self, guild_id: int) -> GuildExport:
        """For the command line, which runs with the database owner's authority."""
        return await self._with_usage(await self.mods.export_guild(guild_id, self.clock.now()))

    async def import_guild(self, export: GuildExport) -> int:
        """Restore ``export`` into a database holding nothing of its server (else
        ``Conflict``); the number of entries now in force."""
        documents = documents_of(export)
        if any(row.guild_id != export.guild_id for row in export.usage):
            raise Invalid("the export's usage counts are another server's")
        await self.mods.import_guild(export, documents)
        if self.usage is not None and export.usage:
            await self.usage.restore(export.usage)
        return len(documents)


def documents_of(export: GuildExport) -> list[Document]:
    """The documents serving the export's active entries; ``Invalid`` if its versions are
    inconsistent (another server's, gaps, or data the models refuse)."""
    by_entry: dict[tuple[Kind, str], list[EntryVersion]] = {}
    for version in export.versions:
        if version.guild_id != export.guild_id:
            raise Invalid(f"{version.key} version {version.version} is another server's")
        by_entry.setdefault((version.kind, version.key), []).append(version)
    others = {r.guild_id for r in export.hidden} | {r.guild_id for r in export.suggestions}
    others |= {r.guild_id for r in export.audit}
    if others - {export.guild_id}:
        raise Invalid(f"the export mixes servers: {sorted(others | {export.guild_id})}")
    documents: list[Document] = []
    for (kind, key), versions in sorted(by_entry.items()):
        versions.sort(key=lambda v: v.version)
        if [v.version for v in versions] != list(range(1, len(versions) + 1)):
            raise Invalid(f"{kind.value} {key}: versions must run 1, 2, 3... without gaps")
        try:
            doc = document_of(versions)
        except ValidationError as exc:
            raise Invalid(f"{kind.value} {key}: {exc}") from None
        if doc is not None:
            documents.append(doc)
    return documents
