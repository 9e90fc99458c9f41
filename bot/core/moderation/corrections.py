"""Corrections ("Report an error"): a reader says an entry shown to them is wrong.

A correction waits in the server's review queue beside suggestions (one numbering, one
per-member limit: ``review.SUGGESTION_LIMIT`` a ``SUGGESTION_WINDOW``, counted again inside the
write). A moderator decides it:

- a *server* entry: approving opens the entry's edit form, prefilled with the version in
  force; saving it writes the new version and approves the correction in one transaction. The
  report says what is wrong, not the corrected entry, so the moderator writes the fix;
- a *curated* entry (shared by every server, not editable here): approving hides the entry in
  this server (as ``/entry retire`` would) and approves the correction in one transaction; the
  maintainers read every such correction with ``python -m bot store reports``.

Rejecting is the same as for a suggestion (``ReviewService.reject``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.core.errors import Conflict, Invalid, NotFound, RateLimited
from bot.core.i18n import N_, _, ngettext
from bot.core.models import Kind
from bot.core.moderation._entries import EntryServiceBase
from bot.core.moderation._review import SUGGESTION_LIMIT, SUGGESTION_WINDOW, ReviewService
from bot.core.moderation.answers import Decided, EditForm, EntryRef, Saved, Suggested
from bot.core.moderation.drafts import ENTRY_KINDS, Draft, control_problem
from bot.core.permissions import Member, Permissions
from bot.core.ports import Clock, Store
from bot.core.ports_moderation import EntryChange, ModerationStore, Quota
from bot.core.records import HiddenEntry, Suggestion, SuggestionStatus

__all__ = [
    "MAX_EVIDENCE",
    "MAX_PROBLEM",
    "MIN_PROBLEM",
    "CorrectionEdit",
    "CorrectionService",
    "EntryEditor",
    "report_text",
]

MIN_PROBLEM = 10
MAX_PROBLEM = 1000
MAX_EVIDENCE = 500
# The form's fields, as the errors about them name them (translated where raised).
PROBLEM_FIELD = N_("What is wrong")
EVIDENCE_FIELD = N_("The source or excerpt")


class EntryEditor(Protocol):
    """What a correction needs of ``moderation.ModerationService``: its edit form and edit
    (named here, so that ``moderation``, which builds this service, is not imported back)."""

    async def edit_form(self, member: Member, ident: str) -> tuple[EntryRef, int, Draft]: ...

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
    ) -> Saved: ...


@dataclass(frozen=True)
class CorrectionEdit:
    """Approving a correction of a server entry: the entry's edit form to fill in."""

    correction: Suggestion
    form: EditForm


def report_text(text: str | None, what: str, *, low: int, high: int) -> str:
    """``text`` with its lines' spacing tidied, or ``Invalid`` saying what to fix: too short,
    too long, or holding a control character. Line breaks are kept (a paragraph). ``what``
    names the field (an ``N_()`` string, translated here)."""
    lines = [" ".join(line.split()) for line in (text or "").replace("\r\n", "\n").split("\n")]
    value = "\n".join(lines).strip()
    while "\n\n\n" in value:
        value = value.replace("\n\n\n", "\n\n")
    control = control_problem(value)
    field = _(what)
    if control is not None:
        raise Invalid(_("{field} {problem}.").format(field=field, problem=control))
    if len(value) < low:
        raise Invalid(
            _("{field} is too short: say in a sentence what is wrong (at least {count}).").format(
                field=field, count=ngettext("%(num)s character", "%(num)s characters", low)
            )
        )
    if len(value) > high:
        raise Invalid(
            _("{field} is {length} long; keep it under {limit}.").format(
                field=field,
                length=ngettext("%(num)s character", "%(num)s characters", len(value)),
                limit=high,
            )
        )
    return value


class CorrectionService(EntryServiceBase):
    """File, approve and apply corrections; ``review`` decides the rest of the queue."""

    def __init__(
        self,
        store: Store,
        moderation: ModerationStore,
        *,
        clock: Clock,
        review: ReviewService,
        entries: EntryEditor,
        permissions: Permissions | None = None,
    ) -> None:
        super().__init__(store, moderation, permissions=permissions, clock=clock)
        self.review = review
        self.entries = entries

    async def report(
        self, member: Member, kind: str, key: str, problem: str, evidence: str = ""
    ) -> Suggested:
        """Queue a correction of the fact or quote ``kind``/``key`` as this server shows it."""
        guild = self.permissions.server_of(member)
        what = report_text(problem, PROBLEM_FIELD, low=MIN_PROBLEM, high=MAX_PROBLEM)
        source = report_text(evidence, EVIDENCE_FIELD, low=0, high=MAX_EVIDENCE)
        ref, text = await self._shown(guild, kind, key)
        await self.review.check_quota(member)
        at = self.clock.now()
        correction = Suggestion(
            guild_id=guild,
            number=1,  # the store numbers it
            kind=ref.kind,
            data={"problem": what, "evidence": source, "text": text},
            author=member.actor,
            at=at,
            corrects=ref.key,
            curated=ref.curated,
        )
        audit = self.audit(guild, member.actor, "report", ref, detail="correction #{number}")
        quota = Quota(SUGGESTION_LIMIT, at - SUGGESTION_WINDOW)
        try:  # counted again in the write's transaction: concurrent forms can't all pass
            saved = await self.mods.add_suggestion(correction, audit, quota=quota)
        except RateLimited:
            await self.review.check_quota(member)  # raises with when the next one frees up
            raise
        return Suggested(saved, await self.mods.count_suggestions(guild))

    async def _shown(self, guild: int, kind: str, key: str) -> tuple[EntryRef, str]:
        """The entry as this server sees it (its own, or a curated one it has not hidden)."""
        try:
            entry_kind = Kind(kind.strip().casefold())
        except ValueError:
            entry_kind = None
        if entry_kind not in ENTRY_KINDS:
            raise Invalid(
                N_("Only facts and quotes can be reported."), hint=N_("e.g. `fact` or `quote`.")
            )
        assert entry_kind is not None
        key = key.strip().casefold()
        control = control_problem(key)
        doc = None if control or not key else await self.store.get(entry_kind, key, guild)
        if doc is None:
            missing = (
                _(
                    "This server shows no fact “{key}”; it may have been retired or hidden "
                    "meanwhile."
                )
                if entry_kind is Kind.FACT
                else _(
                    "This server shows no quote “{key}”; it may have been retired or hidden "
                    "meanwhile."
                )
            )
            raise NotFound(missing.format(key=key[:80]))
        return EntryRef(entry_kind, doc.key, doc.guild_id == 0), str(doc.data.get("text", ""))

    async def approve(self, member: Member, number: int) -> Decided | CorrectionEdit:
        """Approve queue item ``number``: a suggestion as ``ReviewService.approve`` does; a
        correction of a curated entry hides it here; one of a server entry gives its edit
        form (``apply`` saves it)."""
        guild = await self.permissions.require_moderator(member, N_("approve suggestions"))
        pending = await self.review.pending(guild, number)
        if pending.corrects is None:
            return await self.review.approve(member, number)
        ref = EntryRef(pending.kind, pending.corrects, pending.curated)
        if not ref.curated:
            found, version, draft = await self.entries.edit_form(
                member, f"{ref.kind.value}:{ref.key}"
            )
            return CorrectionEdit(pending, EditForm(found, version, draft))
        actor = member.actor
        decided = self.review.decided(pending, SuggestionStatus.APPROVED, actor, "")
        problem = str(pending.data.get("problem", ""))
        reason = f"correction #{number}: {problem}"[:300]
        hidden = HiddenEntry(
            guild_id=guild,
            kind=ref.kind,
            key=ref.key,
            actor=actor,
            reason=reason,
            at=self.clock.now(),
        )
        audit = self.audit(guild, actor, "hide", ref, detail=reason)
        try:
            await self.mods.hide(hidden, audit, decided=decided)
        except Conflict:
            await self.review.pending(guild, number)  # raises when it was decided meanwhile
            note = self.audit(guild, actor, "approve", ref, detail=f"correction #{number}")
            await self.mods.commit(EntryChange(audit=(note,), decided=decided))  # hidden already
        return Decided(decided, None)

    async def apply(
        self, member: Member, number: int, expected: int, draft: Draft, *, confirm: bool = False
    ) -> Decided:
        """Save the moderator's edit of the corrected server entry and approve correction
        ``number`` with it, in one transaction."""
        guild = await self.permissions.require_moderator(member, N_("approve suggestions"))
        pending = await self.review.pending(guild, number)
        if pending.corrects is None or pending.curated:
            raise Invalid(
                _("#{number} is not a correction of one of this server's entries.").format(
                    number=number
                )
            )
        decided = self.review.decided(
            pending, SuggestionStatus.APPROVED, member.actor, ""
        ).model_copy(update={"entry_key": pending.corrects})
        saved = await self.entries.edit(
            member,
            f"{pending.kind.value}:{pending.corrects}",
            expected,
            draft,
            reason=f"correction #{number}",
            confirm=confirm,
            decided=decided,
        )
        return Decided(decided, saved)

    async def curated_reports(self, *, limit: int = 500) -> list[Suggestion]:
        """Corrections of curated entries in every server, newest first: what the
        maintainers read (``python -m bot store reports``); no server's permission applies."""
        return await self.mods.curated_reports(limit=limit)
