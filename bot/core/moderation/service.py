"""Moderation use cases: a server's moderators add, correct and retire its own entries, and
hide curated ones for themselves. Nothing is lost: every change is a new version, retiring is
a soft delete, any version can be restored, and two moderators editing at once never overwrite
each other silently (optimistic concurrency on the version number -> ``Conflict``).

Pure of Discord and of any database; see ``entries`` for the shared plumbing, ``review`` for
suggestions and ``ledger`` for history, the audit log and export.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from bot.core.errors import Conflict, Invalid, NearDuplicate
from bot.core.i18n import N_, _
from bot.core.models import Fact, Kind, Person, Quote
from bot.core.moderation._build import build
from bot.core.moderation._entries import EntryServiceBase, document_of, entry_of, reason_text
from bot.core.moderation._review import ReviewService
from bot.core.moderation.answers import EntryRef, Saved, Visibility
from bot.core.moderation.corrections import CorrectionService
from bot.core.moderation.drafts import ENTRY_KINDS, Draft
from bot.core.moderation.ledger import LedgerService
from bot.core.permissions import Member, Permissions
from bot.core.ports import Clock, Store
from bot.core.ports_moderation import EntryChange, ModerationStore
from bot.core.records import (
    EntryStatus,
    EntryVersion,
    HiddenEntry,
    Suggestion,
    SuggestionStatus,
)

__all__ = ["Moderation", "ModerationService"]


class ModerationService(EntryServiceBase):
    """Add, edit, retire and restore; each call names the ``Member`` acting and checks that
    they moderate the server."""

    # -- add / edit --------------------------------------------------------------------------

    async def add(self, member: Member, draft: Draft, *, confirm: bool = False) -> Saved:
        guild = await self.permissions.require_moderator(member, N_("add entries"))
        try:
            return await self.create(guild, draft, member.actor, action="add", confirm=confirm)
        except NearDuplicate:
            raise
        except Conflict:
            raise Conflict(
                N_(
                    "Other moderators were saving entries at the same moment, so yours was not "
                    "saved."
                ),
                hint=N_("Nothing you typed is lost: submit it again below."),
            ) from None

    async def edit_form(self, member: Member, ident: str) -> tuple[EntryRef, int, Draft]:
        """The entry's version in force, as a prefilled form."""
        guild = await self.permissions.require_moderator(member, N_("edit entries"))
        ref, versions = await self.locate(guild, ident)
        head = self._editable(ref, versions)
        entry = entry_of(head)
        assert isinstance(entry, Fact | Quote)
        return ref, head.version, Draft.of_entry(entry)

    @staticmethod
    def _editable(ref: EntryRef, versions: list[EntryVersion]) -> EntryVersion:
        if ref.curated:
            raise Invalid(
                _(
                    "{key} is a curated entry, shared by every server, so it can't be edited here."
                ).format(key=ref.key),
                hint=_(
                    "Hide it here with `/entry retire {key}` and add your own with `/entry add`."
                ).format(key=ref.key),
            )
        if ref.kind not in ENTRY_KINDS:
            raise Invalid(
                _("{key} is a {kind}; only facts and quotes have a form.").format(
                    key=ref.key, kind=ref.kind.value
                )
            )
        head = versions[-1]
        if head.status is EntryStatus.RETIRED:
            raise Invalid(
                _("{key} is retired.").format(key=ref.key),
                hint=_("Restore it first: `/entry restore {key}`.").format(key=ref.key),
            )
        return head

    def _stale(self, ref: EntryRef, head: EntryVersion, expected: int) -> Conflict:
        text = str(head.data.get("text", ""))
        return Conflict(
            _(
                "{key} changed while you were editing: you started from version {expected}, "
                "and {who} saved version {version} at {when} UTC ({action}). Nothing of yours "
                "was saved."
            ).format(
                key=ref.key,
                expected=expected,
                who=head.actor.name,
                version=head.version,
                when=f"{head.at:%Y-%m-%d %H:%M}",
                action=head.action,
            )
            + "\n"
            + _("Its text now: “{text}”").format(text=text[:600]),
            hint=_(
                "Your text is below. Run `/entry edit {key}` again to apply it to the current "
                "version."
            ).format(key=ref.key),
        )

    async def edit(
        self,
        member: Member,
        ident: str,
        expected: int,
        draft: Draft,
        *,
        reason: str = "",
        confirm: bool = False,
        decided: Suggestion | None = None,
    ) -> Saved:
        """Save ``draft`` as the next version, if the entry is still at version ``expected``
        (else ``Conflict`` with the text now in force: never a silent overwrite); ``decided``
        (an approved correction) leaves the review queue in the same transaction."""
        guild = await self.permissions.require_moderator(member, N_("edit entries"))
        why = reason_text(reason, required=False)
        ref, versions = await self.locate(guild, ident)
        head = self._editable(ref, versions)
        if head.version != expected:
            raise self._stale(ref, head, expected)
        base = entry_of(head)
        assert isinstance(base, Fact | Quote)
        built = await build(self.store, guild, draft, key=ref.key, base=base)
        if built.entry == base:
            raise Invalid(N_("The form is unchanged, so there is nothing to save."))
        if not confirm:
            duplicate = await self.near_duplicate(guild, built.entry, exclude=ref.key)
            if duplicate is not None:
                raise duplicate
        actor = member.actor
        new = self.new_version(
            guild,
            built.entry,
            kind=ref.kind,
            key=ref.key,
            number=head.version + 1,
            status=EntryStatus.ACTIVE,
            action="edit",
            actor=actor,
            reason=why,
        )
        versions_out = [new]
        audit = [self.audit(guild, actor, "edit", ref, new.version, why)]
        put = [document_of([*versions, new])]
        if built.new_person is not None:
            person = self.new_version(
                guild,
                built.new_person,
                kind=Kind.PERSON,
                key=built.new_person.slug,
                number=1,
                status=EntryStatus.ACTIVE,
                action="add",
                actor=actor,
                reason=f"speaker of {ref.key}",
            )
            versions_out.insert(0, person)
            audit.insert(
                0,
                self.audit(
                    guild, actor, "add", EntryRef(Kind.PERSON, person.key, False), 1, person.reason
                ),
            )
            put.insert(0, document_of([person]))
        change = EntryChange(
            versions=tuple(versions_out),
            put=tuple(d for d in put if d is not None),
            audit=tuple(audit),
            decided=decided,
        )
        try:
            await self.mods.commit(change)
        except Conflict:
            if decided is not None:
                current = await self.mods.suggestion(guild, decided.number)
                if current is None or current.status is not SuggestionStatus.PENDING:
                    raise Conflict(
                        _(
                            "#{number} was decided by someone else meanwhile; nothing was saved."
                        ).format(number=decided.number)
                    ) from None
            now = await self.mods.versions(guild, ref.kind, ref.key)
            raise self._stale(ref, now[-1], expected) from None
        return Saved(ref, new, built.entry, built.new_person)

    # -- retire / restore --------------------------------------------------------------------

    async def retire(self, member: Member, ident: str, reason: str) -> Visibility:
        """Retire a server entry (a new version, soft-deleted) or hide a curated one here."""
        guild = await self.permissions.require_moderator(member, N_("retire entries"))
        why = reason_text(reason, required=True)
        ref, versions = await self.locate(guild, ident)
        actor = member.actor
        if ref.curated:
            hidden = HiddenEntry(
                guild_id=guild,
                kind=ref.kind,
                key=ref.key,
                actor=actor,
                reason=why,
                at=self.clock.now(),
            )
            try:
                await self.mods.hide(hidden, self.audit(guild, actor, "hide", ref, detail=why))
            except Conflict:
                raise Invalid(
                    _("{key} is already hidden in this server.").format(key=ref.key),
                    hint=_("`/entry restore {key}` shows it again.").format(key=ref.key),
                ) from None
            return Visibility(ref, False, why)
        head = versions[-1]
        if head.status is EntryStatus.RETIRED:
            raise Invalid(
                _("{key} is retired already.").format(key=ref.key),
                hint=_("`/entry history {key}` shows when.").format(key=ref.key),
            )
        new = head.model_copy(
            update={
                "version": head.version + 1,
                "status": EntryStatus.RETIRED,
                "action": "retire",
                "actor": actor,
                "reason": why,
                "at": self.clock.now(),
                "suggested_by": None,
            }
        )
        change = EntryChange(
            versions=(new,),
            delete=((ref.kind, ref.key),),
            audit=(self.audit(guild, actor, "retire", ref, new.version, why),),
        )
        await self._commit_or_stale(change, ref, head, guild)
        return Visibility(ref, False, why, new)

    async def _commit_or_stale(
        self, change: EntryChange, ref: EntryRef, head: EntryVersion, guild: int
    ) -> None:
        try:
            await self.mods.commit(change)
        except Conflict:
            now = await self.mods.versions(guild, ref.kind, ref.key)
            raise self._stale(ref, now[-1], head.version) from None

    async def restore(
        self, member: Member, ident: str, version: int | None = None, reason: str = ""
    ) -> Visibility | Saved:
        """Bring back a server entry's ``version`` (by default the last active one) as a new
        version, or show a hidden curated entry here again."""
        guild = await self.permissions.require_moderator(member, N_("restore entries"))
        why = reason_text(reason, required=False)
        ref, versions = await self.locate(guild, ident)
        actor = member.actor
        if ref.curated:
            if version is not None:
                raise Invalid(
                    _("{key} is curated; it has no versions in this server.").format(key=ref.key)
                )
            try:
                await self.mods.unhide(
                    guild, ref.kind, ref.key, self.audit(guild, actor, "unhide", ref, detail=why)
                )
            except Conflict:
                raise Invalid(
                    _("{key} is not hidden in this server.").format(key=ref.key)
                ) from None
            return Visibility(ref, True, why)
        head = versions[-1]
        if version is None:
            if head.status is EntryStatus.ACTIVE:
                raise Invalid(
                    _("{key} is in force (version {version}).").format(
                        key=ref.key, version=head.version
                    ),
                    hint=_(
                        "To go back, name a version: `/entry restore {key} version:1`; "
                        "`/entry history {key}` lists them."
                    ).format(key=ref.key),
                )
            target = next(v for v in reversed(versions) if v.status is EntryStatus.ACTIVE)
        elif not 1 <= version <= head.version:
            raise Invalid(
                _("{key} has versions 1 to {last}; there is no {version}.").format(
                    key=ref.key, last=head.version, version=version
                )
            )
        else:
            target = versions[version - 1]
        if target.status is EntryStatus.RETIRED:  # a retired version holds its predecessor's data
            earlier = reversed(versions[: target.version])
            target = next(v for v in earlier if v.status is EntryStatus.ACTIVE)
        if head.status is EntryStatus.ACTIVE and target.data == head.data:
            raise Invalid(
                _("Version {version} says exactly what is in force already.").format(
                    version=target.version
                )
            )
        try:
            entry = entry_of(target)
        except ValidationError as exc:
            raise Invalid(
                _("Version {version} no longer validates: {problem}").format(
                    version=target.version, problem=exc
                )
            ) from None
        new = target.model_copy(
            update={
                "version": head.version + 1,
                "status": EntryStatus.ACTIVE,
                "action": "restore",
                "actor": actor,
                "reason": why or f"restored version {target.version}",
                "at": self.clock.now(),
                "suggested_by": None,
            }
        )
        doc = document_of([*versions, new])
        assert doc is not None
        change = EntryChange(
            versions=(new,),
            put=(doc,),
            audit=(self.audit(guild, actor, "restore", ref, new.version, new.reason),),
        )
        await self._commit_or_stale(change, ref, head, guild)
        assert isinstance(entry, Fact | Quote | Person)
        if isinstance(entry, Person):
            return Visibility(ref, True, new.reason, new)
        return Saved(ref, new, entry)


@dataclass(frozen=True)
class Moderation:
    """The moderation services over one pair of stores, sharing one permission check."""

    permissions: Permissions
    entries: ModerationService
    review: ReviewService
    ledger: LedgerService
    corrections: CorrectionService

    @classmethod
    def build(cls, store: Store, moderation: ModerationStore, *, clock: Clock) -> Moderation:
        """``clock``: the one clock of the app (``bot.app``), which stamps every version, audit
        line and decision."""
        permissions = Permissions(moderation)
        args = (store, moderation)
        entries = ModerationService(*args, permissions=permissions, clock=clock)
        review = ReviewService(*args, permissions=permissions, clock=clock)
        corrections = CorrectionService(
            *args, review=review, entries=entries, permissions=permissions, clock=clock
        )
        ledger = LedgerService(*args, permissions=permissions, clock=clock)
        return cls(permissions, entries, review, ledger, corrections)
