"""The entry form (a ``discord.ui.Modal``), what follows a refused form, and the review queue.

A refused form is answered with what to fix *and every field as typed*, plus a button that
reopens the form prefilled with it, so nothing typed is lost; a near-duplicate gets a "Save
anyway" button too. The review card pages through pending suggestions with Approve / Reject
(reason via a modal); the suggester is told the outcome by direct message, and when their DMs
are closed the moderator is told so instead (and it is logged).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import discord

from bot.adapters.discord.members import member_of
from bot.adapters.discord.respond import NO_PINGS, send_reply, to_embeds
from bot.core.drafts import FIELD_LIMITS, Draft
from bot.core.errors import BotError, Conflict, NearDuplicate
from bot.core.models import Kind
from bot.core.moderation import Moderation
from bot.core.moderation_answers import Decided, EntryRef, ReviewCard
from bot.core.permissions import Member
from bot.core.render import Reply, render_apology, render_error
from bot.core.render.moderation import (
    render_decided,
    render_form_problem,
    render_notice,
    render_review,
)

__all__ = [
    "FORM_CONFIRM",
    "FORM_REOPEN",
    "REVIEW_APPROVE",
    "REVIEW_NEXT",
    "REVIEW_PREVIOUS",
    "REVIEW_REJECT",
    "DraftView",
    "EntryForm",
    "FormSpec",
    "ReviewView",
    "answer",
]

log = logging.getLogger(__name__)

FORM_REOPEN = "form:reopen"
FORM_CONFIRM = "form:confirm"
REVIEW_APPROVE = "review:approve"
REVIEW_REJECT = "review:reject"
REVIEW_PREVIOUS = "review:previous"
REVIEW_NEXT = "review:next"
VIEW_TIMEOUT = 900.0

Handler = Callable[[Member, Draft, bool], Awaitable[Reply]]

_INPUTS: dict[str, tuple[str, str, discord.TextStyle]] = {
    # name: (label <= 45, placeholder <= 100, style)
    "text": ("Text", "One plain statement, as the source supports it", discord.TextStyle.long),
    "source": (
        "Source: a source id or an https:// link",
        "e.g. xinhua-grand-plan-2025 or https://example.org/page",
        discord.TextStyle.short,
    ),
    "excerpt": (
        "Excerpt: the source's own words",
        "Copy the sentence(s) of the source that support the text",
        discord.TextStyle.long,
    ),
    "links": (
        "Links (optional)",
        "countries: belarus, china; summit: 2024; people: wang-yi; topics: trade",
        discord.TextStyle.short,
    ),
    "speaker": (
        "Speaker: a known person or a new name",
        "e.g. wang-yi, or the full name of someone new",
        discord.TextStyle.short,
    ),
    "quote_kind": (
        "Direct or reported?",
        "direct (their own words) or reported",
        discord.TextStyle.short,
    ),
}


@dataclass(frozen=True)
class FormSpec:
    """What a form is for: its title, what saving it does, and the entry it edits if any."""

    title: str
    kind: Kind
    handler: Handler
    ref: EntryRef | None = None


async def answer(
    interaction: discord.Interaction[Any], reply: Reply, view: discord.ui.View | None = None
) -> None:
    """Send the first page of ``reply`` as the response, or a followup once responded."""
    await send_reply(interaction, reply, view=view)


async def _on_error(interaction: discord.Interaction[Any], error: Exception, what: str) -> None:
    """Errors of modals and buttons (the tree's ``on_error`` sees commands only)."""
    if isinstance(error, BotError):
        reply = render_error(error)
    else:
        error_id = uuid.uuid4().hex[:8]
        log.error(
            "unexpected error %s in %s",
            error_id,
            what,
            exc_info=error,
            extra={"error_id": error_id},
        )
        reply = render_apology(error_id)
    try:
        await answer(interaction, reply)
    except discord.HTTPException:
        log.exception("could not deliver the error reply for interaction %s", interaction.id)


async def submit(
    interaction: discord.Interaction[Any], spec: FormSpec, draft: Draft, *, confirm: bool
) -> None:
    """Run the form's handler; a refusal shows the draft back with a way to fix it."""
    try:
        reply = await spec.handler(member_of(interaction), draft, confirm)
    except BotError as error:
        draft = draft.visible()  # shown back and reopened without what can't be stored
        problem = render_form_problem(error, draft, ref=spec.ref)
        if isinstance(error, Conflict) and not isinstance(error, NearDuplicate):
            await answer(interaction, problem)  # stale: the form must be opened anew
            return
        view = DraftView(
            spec, draft, interaction.user.id, duplicate=isinstance(error, NearDuplicate)
        )
        await answer(interaction, problem, view)
        return
    await answer(interaction, reply)


class EntryForm(discord.ui.Modal):
    """The entry form: text, source, excerpt, and links (a fact) or speaker and kind (a
    quote), prefilled from ``draft``."""

    def __init__(self, spec: FormSpec, draft: Draft) -> None:
        target = spec.ref.key if spec.ref else "new"
        super().__init__(
            title=spec.title[:45],
            custom_id=f"entry:{spec.kind.value}:{target}:{uuid.uuid4().hex[:8]}",
            timeout=VIEW_TIMEOUT,
        )
        self.spec = spec
        self.inputs: dict[str, discord.ui.TextInput[EntryForm]] = {}
        for name, value in draft.fields():
            label, placeholder, style = _INPUTS[name]
            field: discord.ui.TextInput[EntryForm] = discord.ui.TextInput(
                label=label,
                style=style,
                placeholder=placeholder,
                default=value[: FIELD_LIMITS[name]] or None,
                required=name != "links",
                max_length=FIELD_LIMITS[name],
                custom_id=name,
            )
            self.inputs[name] = field
            self.add_item(field)

    def draft(self) -> Draft:
        return Draft.of(self.spec.kind, {name: f.value for name, f in self.inputs.items()})

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        await submit(interaction, self.spec, self.draft(), confirm=False)

    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await _on_error(interaction, error, f"form {self.custom_id}")


class _OwnedView(discord.ui.View):
    def __init__(self, owner_id: int) -> None:
        super().__init__(timeout=VIEW_TIMEOUT)
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            "These buttons belong to whoever opened them.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )
        return False

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        await _on_error(interaction, error, f"button {getattr(item, 'custom_id', '?')}")


class DraftView(_OwnedView):
    """Under a refused form: reopen it as typed, or (a near-duplicate) save it anyway."""

    def __init__(self, spec: FormSpec, draft: Draft, owner_id: int, *, duplicate: bool) -> None:
        super().__init__(owner_id)
        self.spec = spec
        self.draft = draft
        if not duplicate:
            self.remove_item(self.confirm)

    @discord.ui.button(
        label="Edit and resubmit", style=discord.ButtonStyle.primary, custom_id=FORM_REOPEN
    )
    async def reopen(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:
        await interaction.response.send_modal(EntryForm(self.spec, self.draft))

    @discord.ui.button(
        label="Save anyway", style=discord.ButtonStyle.danger, custom_id=FORM_CONFIRM
    )
    async def confirm(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:
        await submit(interaction, self.spec, self.draft, confirm=True)


async def notify(interaction: discord.Interaction[Any], decided: Decided) -> bool:
    """Tell the suggester the outcome by direct message; False (logged) when they can't be
    reached (DMs closed, account gone)."""
    author = decided.suggestion.author.id
    server = interaction.guild.name if interaction.guild else "the server"
    reply = render_notice(decided, server)
    try:
        user = interaction.client.get_user(author) or await interaction.client.fetch_user(author)
        await user.send(content=reply.pages[0]["content"], allowed_mentions=NO_PINGS)
    except discord.HTTPException as exc:
        log.info(
            "could not tell user %s the outcome of suggestion #%s (guild %s): %s",
            author,
            decided.suggestion.number,
            interaction.guild_id,
            exc,
        )
        return False
    return True


class ReviewView(_OwnedView):
    """Pages through the pending suggestions; every press re-checks the moderator."""

    def __init__(self, moderation: Moderation, card: ReviewCard, owner_id: int) -> None:
        super().__init__(owner_id)
        self.moderation = moderation
        self.card = card
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self.card.index == 0
        self.next.disabled = self.card.index >= self.card.total - 1

    async def _show(
        self,
        interaction: discord.Interaction[Any],
        card: ReviewCard | None,
        decided: Reply | None = None,
    ) -> None:
        embeds = to_embeds(decided.pages[0]) if decided else []
        if card is None:
            embeds += [discord.Embed(description="No suggestions are waiting for review.")]
            await interaction.response.edit_message(
                embeds=embeds, view=None, allowed_mentions=NO_PINGS
            )
            self.stop()
            return
        self.card = card
        self._sync()
        embeds += to_embeds(render_review(card).pages[0])
        await interaction.response.edit_message(embeds=embeds, view=self, allowed_mentions=NO_PINGS)

    async def decided(self, interaction: discord.Interaction[Any], decided: Decided) -> None:
        """Show the outcome and the next card, then tell the suggester."""
        member = member_of(interaction)
        card = await self.moderation.review.card(member, self.card.index)
        await self._show(interaction, card, render_decided(decided))
        if not await notify(interaction, decided):
            note = render_decided(decided, notified=False)
            await interaction.followup.send(
                embeds=to_embeds(note.pages[0]), ephemeral=True, allowed_mentions=NO_PINGS
            )

    @discord.ui.button(label="Approve", style=discord.ButtonStyle.success, custom_id=REVIEW_APPROVE)
    async def approve(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:
        member = member_of(interaction)
        decided = await self.moderation.review.approve(member, self.card.suggestion.number)
        await self.decided(interaction, decided)

    @discord.ui.button(label="Reject", style=discord.ButtonStyle.danger, custom_id=REVIEW_REJECT)
    async def reject(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:
        await self.moderation.permissions.require_moderator(
            member_of(interaction), "reject suggestions"
        )
        await interaction.response.send_modal(RejectForm(self, self.card.suggestion.number))

    @discord.ui.button(
        label="Previous", style=discord.ButtonStyle.secondary, custom_id=REVIEW_PREVIOUS
    )
    async def previous(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:
        card = await self.moderation.review.card(member_of(interaction), self.card.index - 1)
        await self._show(interaction, card)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary, custom_id=REVIEW_NEXT)
    async def next(self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]) -> None:
        card = await self.moderation.review.card(member_of(interaction), self.card.index + 1)
        await self._show(interaction, card)


class RejectForm(discord.ui.Modal):
    """The reason for rejecting a suggestion; the suggester reads it."""

    reason: discord.ui.TextInput[RejectForm] = discord.ui.TextInput(
        label="Reason (the suggester reads it)",
        style=discord.TextStyle.long,
        max_length=300,
        custom_id="reason",
    )

    def __init__(self, view: ReviewView, number: int) -> None:
        super().__init__(
            title=f"Reject suggestion #{number}"[:45],
            custom_id=f"review:reason:{number}:{uuid.uuid4().hex[:8]}",
            timeout=VIEW_TIMEOUT,
        )
        self.view = view
        self.number = number

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        member = member_of(interaction)
        decided = await self.view.moderation.review.reject(member, self.number, self.reason.value)
        await self.view.decided(interaction, decided)

    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await _on_error(interaction, error, f"reject form #{self.number}")
