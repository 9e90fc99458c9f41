"""Suggestions: anyone proposes an entry with the same form moderators use; it waits in the
server's review queue until a moderator approves it (it becomes a server entry) or rejects it
with a reason. Suggestions are rate limited per member, counted from the database (restarts
forget nothing) against the injected clock.
"""

from __future__ import annotations

import math
from datetime import timedelta

from bot.core.errors import Conflict, NotFound, RateLimited
from bot.core.i18n import N_, _, ngettext
from bot.core.models import MODEL_BY_KIND, Fact, Kind, Person, Quote
from bot.core.moderation._build import build
from bot.core.moderation._entries import EntryServiceBase, reason_text
from bot.core.moderation.answers import Decided, ReviewCard, Suggested
from bot.core.moderation.drafts import Built, Draft
from bot.core.permissions import Member
from bot.core.ports_moderation import EntryChange, Quota
from bot.core.records import Actor, Suggestion, SuggestionStatus

__all__ = ["SUGGESTION_LIMIT", "SUGGESTION_WINDOW", "ReviewService"]

SUGGESTION_LIMIT = 5
SUGGESTION_WINDOW = timedelta(hours=1)
PENDING_KEY = "pending"


class ReviewService(EntryServiceBase):
    async def check_quota(self, member: Member) -> int:
        """The server id, or ``RateLimited`` once the member has made ``SUGGESTION_LIMIT``
        suggestions within ``SUGGESTION_WINDOW``."""
        guild = self.permissions.server_of(member)
        now = self.clock.now()
        times = await self.mods.suggestion_times(guild, member.user_id, now - SUGGESTION_WINDOW)
        if len(times) < SUGGESTION_LIMIT:
            return guild
        frees_at = times[-SUGGESTION_LIMIT] + SUGGESTION_WINDOW
        minutes = max(1, math.ceil((frees_at - now).total_seconds() / 60))
        raise RateLimited(
            _(
                "You have sent {count} suggestions and error reports in the last hour, "
                "the most allowed."
            ).format(count=len(times))
            + " "
            + _("Try again in {minutes}.").format(
                minutes=ngettext("%(num)s minute", "%(num)s minutes", minutes)
            ),
            hint=N_("Moderators review them with `/entry review`."),
        )

    async def suggest(self, member: Member, draft: Draft, *, confirm: bool = False) -> Suggested:
        """Queue ``draft`` for review. A near-duplicate is flagged first (``NearDuplicate``);
        confirmed, it is queued with the match noted for the reviewer."""
        guild = await self.check_quota(member)
        built = await build(self.store, guild, draft, key=PENDING_KEY)
        duplicate = await self.near_duplicate(guild, built.entry)
        if duplicate is not None and not confirm:
            raise duplicate
        kind = Kind.FACT if isinstance(built.entry, Fact) else Kind.QUOTE
        suggestion = Suggestion(
            guild_id=guild,
            number=1,  # the store numbers it
            kind=kind,
            data=built.entry.model_dump(mode="json", exclude={"added"}),
            new_person=(
                built.new_person.model_dump(mode="json", exclude={"added"})
                if built.new_person
                else None
            ),
            author=member.actor,
            at=self.clock.now(),
            duplicate_of=duplicate.key if duplicate else None,
        )
        audit = self.audit(guild, member.actor, "suggest", detail="suggestion #{number}")
        quota = Quota(SUGGESTION_LIMIT, suggestion.at - SUGGESTION_WINDOW)
        try:  # counted again in the write's transaction: concurrent forms can't all pass
            saved = await self.mods.add_suggestion(suggestion, audit, quota=quota)
        except RateLimited:
            await self.check_quota(member)  # raises with when the next one frees up
            raise
        pending = await self.mods.count_suggestions(guild)
        return Suggested(saved, pending)

    async def card(self, member: Member, index: int = 0) -> ReviewCard | None:
        """The pending suggestion at ``index`` (clamped), oldest first; None when none wait."""
        guild = await self.permissions.require_moderator(member, N_("review suggestions"))
        total = await self.mods.count_suggestions(guild)
        if not total:
            return None
        index = max(0, min(index, total - 1))
        found = await self.mods.suggestions(guild, limit=1, offset=index)
        if not found:  # decided meanwhile
            return await self.card(member, 0) if index else None
        return ReviewCard(found[0], index, total)

    async def pending(self, guild: int, number: int) -> Suggestion:
        """Suggestion or correction ``number``, still waiting; else ``NotFound``/``Conflict``."""
        suggestion = await self.mods.suggestion(guild, number)
        if suggestion is None:
            raise NotFound(
                _("There is nothing numbered #{number} in this server's review queue.").format(
                    number=number
                )
            )
        if suggestion.status is not SuggestionStatus.PENDING:
            who = suggestion.reviewer.name if suggestion.reviewer else _("another moderator")
            decided = (
                _("#{number} was approved by {who} meanwhile.")
                if suggestion.status is SuggestionStatus.APPROVED
                else _("#{number} was rejected by {who} meanwhile.")
            ).format(number=number, who=who)
            if suggestion.entry_key:
                decided += " " + _("It is entry {key}.").format(key=suggestion.entry_key)
            raise Conflict(decided)
        return suggestion

    def decided(
        self, suggestion: Suggestion, status: SuggestionStatus, reviewer: Actor, reason: str
    ) -> Suggestion:
        return suggestion.model_copy(
            update={
                "status": status,
                "reviewer": reviewer,
                "decided_at": self.clock.now(),
                "reason": reason,
            }
        )

    async def approve(self, member: Member, number: int) -> Decided:
        """The suggestion becomes a server entry (its author credited); ``Conflict`` when
        another moderator decided it first."""
        guild = await self.permissions.require_moderator(member, N_("approve suggestions"))
        suggestion = await self.pending(guild, number)
        model = MODEL_BY_KIND[suggestion.kind]
        person = Person.model_validate(suggestion.new_person) if suggestion.new_person else None
        if person is not None and await self.store.get(Kind.PERSON, person.slug, guild):
            person = None  # someone by that slug was added meanwhile: the quote links to them

        def prebuilt(key: str) -> Built:
            entry = model.model_validate({**suggestion.data, "id": key})
            assert isinstance(entry, Fact | Quote)
            return Built(entry, person)

        decided = self.decided(suggestion, SuggestionStatus.APPROVED, member.actor, "")
        for _attempt in range(5):
            try:
                saved = await self.create(
                    guild,
                    None,
                    member.actor,
                    action="approve",
                    reason=f"suggestion #{number}",
                    confirm=True,
                    prebuilt=prebuilt,
                    suggested_by=suggestion.author,
                    decided=lambda key: decided.model_copy(update={"entry_key": key}),
                )
            except Conflict:
                suggestion = await self.pending(guild, number)  # re-raises if decided
                continue  # the key was taken meanwhile
            return Decided(decided.model_copy(update={"entry_key": saved.ref.key}), saved)
        raise Conflict(N_("Other moderators keep adding entries right now; try again."))

    async def reject(self, member: Member, number: int, reason: str) -> Decided:
        guild = await self.permissions.require_moderator(member, N_("reject suggestions"))
        why = reason_text(reason, required=True)
        suggestion = await self.pending(guild, number)
        decided = self.decided(suggestion, SuggestionStatus.REJECTED, member.actor, why)
        audit = self.audit(guild, member.actor, "reject", detail=f"suggestion #{number}: {why}")
        try:
            await self.mods.commit(EntryChange(audit=(audit,), decided=decided))
        except Conflict:
            await self.pending(guild, number)  # says who decided it
            raise
        return Decided(decided, None)
