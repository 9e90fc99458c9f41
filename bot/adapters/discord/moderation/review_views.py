"""The review queue's card: Approve, Reject (reason via a modal), Previous and Next.

The buttons are ``discord.ui.DynamicItem``s: everything a press needs is in its custom id
(``review:<action>:<server>:<suggestion>:<index>``), so the card keeps working after a restart
and the bot holds nothing per card in memory. A press is refused unless it comes from the
server in its custom id (a replayed payload must not approve a suggestion elsewhere), and every
press asks the core again whether the presser moderates. The suggester is told the outcome by
direct message; when their DMs are closed the moderator is told so instead (and it is logged).
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

import discord

from bot.adapters.discord.deadline import Overdue, answer_in_time
from bot.adapters.discord.forms import (
    VIEW_TIMEOUT,
    EntryForm,
    FormSpec,
    on_error,
    refuse_elsewhere,
)
from bot.adapters.discord.members import member_of
from bot.adapters.discord.respond import NO_PINGS, to_embeds
from bot.core.errors import OVERDUE, Unavailable
from bot.core.i18n import N_, _
from bot.core.moderation.answers import Decided, ReviewCard
from bot.core.moderation.corrections import CorrectionEdit
from bot.core.moderation.drafts import Draft
from bot.core.moderation.render import render_decided, render_notice, render_review
from bot.core.moderation.service import Moderation
from bot.core.permissions import Member
from bot.core.render import Reply

__all__ = [
    "REVIEW_APPROVE",
    "REVIEW_NEXT",
    "REVIEW_PREVIOUS",
    "REVIEW_REJECT",
    "RejectForm",
    "ReviewButton",
    "review_id",
    "review_view",
]

log = logging.getLogger(__name__)

REVIEW_APPROVE = "review:approve"
REVIEW_REJECT = "review:reject"
REVIEW_PREVIOUS = "review:previous"
REVIEW_NEXT = "review:next"
_BUTTONS = {
    "approve": (N_("Approve"), discord.ButtonStyle.success),
    "reject": (N_("Reject"), discord.ButtonStyle.danger),
    "previous": (N_("Previous"), discord.ButtonStyle.secondary),
    "next": (N_("Next"), discord.ButtonStyle.secondary),
}
_TEMPLATE = re.compile(
    r"review:(?P<action>approve|reject|previous|next):(?P<guild>[0-9]{1,20}):"
    r"(?P<number>[0-9]{1,9}):(?P<index>[0-9]{1,9})"
)


def review_id(action: str, guild_id: int, number: int, index: int) -> str:
    return f"review:{action}:{guild_id}:{number}:{index}"


def moderation_of(interaction: discord.Interaction[Any]) -> Moderation:
    """The bot's moderation services (``FactBot.app.moderation``)."""
    found = getattr(getattr(interaction.client, "app", None), "moderation", None)
    if not isinstance(found, Moderation):
        raise RuntimeError("this client has no moderation services")
    return found


def review_view(card: ReviewCard, guild_id: int) -> discord.ui.View:
    """The card's four buttons, bound to its server, suggestion and place in the queue."""
    view = discord.ui.View(timeout=None)
    number, index = card.suggestion.number, card.index
    for action in _BUTTONS:
        button = ReviewButton(action, guild_id, number, index)
        if action == "previous":
            button.item.disabled = index == 0
        elif action == "next":
            button.item.disabled = index >= card.total - 1
        view.add_item(button)
    return view


class ReviewButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=_TEMPLATE):
    def __init__(self, action: str, guild_id: int, number: int, index: int) -> None:
        label, style = _BUTTONS[action]
        custom_id = review_id(action, guild_id, number, index)
        super().__init__(discord.ui.Button(label=_(label), style=style, custom_id=custom_id))
        self.action = action
        self.guild_id = guild_id
        self.number = number
        self.index = index

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ReviewButton:
        return cls(match["action"], int(match["guild"]), int(match["number"]), int(match["index"]))

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        return await refuse_elsewhere(interaction, self.guild_id, None, N_("review button"))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            async with answer_in_time(interaction):
                await self._press(interaction)
        except Overdue:
            await on_error(interaction, Unavailable(OVERDUE), f"button {self.custom_id}")
        except Exception as error:
            await on_error(interaction, error, f"button {self.custom_id}")

    async def _press(self, interaction: discord.Interaction[Any]) -> None:
        moderation = moderation_of(interaction)
        member = member_of(interaction)
        if self.action == "approve":
            result = await moderation.corrections.approve(member, self.number)
            if isinstance(result, CorrectionEdit):  # a server entry: the moderator corrects it
                spec = correction_spec(interaction, result)
                await interaction.response.send_modal(
                    EntryForm(spec, result.form.draft, member.user_id)
                )
                return
            await show_decided(interaction, moderation, self.index, result)
        elif self.action == "reject":
            await moderation.permissions.require_moderator(member, N_("reject suggestions"))
            form = RejectForm(self.guild_id, self.number, self.index, interaction.user.id)
            await interaction.response.send_modal(form)
        else:
            step = -1 if self.action == "previous" else 1
            card = await moderation.review.card(member, self.index + step)
            await show(interaction, card)


def correction_spec(interaction: discord.Interaction[Any], edit: CorrectionEdit) -> FormSpec:
    """The edit form approving correction ``edit``: saving it writes the entry's next version
    and approves the correction together, then tells the reporter."""
    number, ref, version = edit.correction.number, edit.form.ref, edit.form.version
    moderation = moderation_of(interaction)

    async def save(member: Member, draft: Draft, confirm: bool) -> Reply:
        decided = await moderation.corrections.apply(
            member, number, version, draft, confirm=confirm
        )
        return render_decided(decided, notified=await notify(interaction, decided))

    assert interaction.guild_id is not None  # refuse_elsewhere let only a server through
    title = _("Correct {key} (report #{number})").format(key=ref.key, number=number)
    return FormSpec(title, ref.kind, save, interaction.guild_id, ref)


async def show(
    interaction: discord.Interaction[Any], card: ReviewCard | None, decided: Reply | None = None
) -> None:
    """Turn the message to ``card`` (or say the queue is empty), after ``decided`` if any."""
    embeds = to_embeds(decided.pages[0]) if decided else []
    if card is None:
        embeds += [
            discord.Embed(description=_("No suggestions or error reports are waiting for review."))
        ]
        await interaction.response.edit_message(embeds=embeds, view=None, allowed_mentions=NO_PINGS)
        return
    assert interaction.guild_id is not None  # refuse_elsewhere let only a server through
    embeds += to_embeds(render_review(card).pages[0])
    await interaction.response.edit_message(
        embeds=embeds, view=review_view(card, interaction.guild_id), allowed_mentions=NO_PINGS
    )


async def show_decided(
    interaction: discord.Interaction[Any], moderation: Moderation, index: int, decided: Decided
) -> None:
    """Show the outcome and the next card, then tell the suggester."""
    card = await moderation.review.card(member_of(interaction), index)
    await show(interaction, card, render_decided(decided))
    if not await notify(interaction, decided):
        note = render_decided(decided, notified=False)
        await interaction.followup.send(
            embeds=to_embeds(note.pages[0]), ephemeral=True, allowed_mentions=NO_PINGS
        )


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


class RejectForm(discord.ui.Modal):
    """The reason for rejecting a suggestion; the suggester reads it."""

    def __init__(self, guild_id: int, number: int, index: int, owner_id: int) -> None:
        super().__init__(
            title=_("Reject #{number} of the review queue").format(number=number)[:45],
            custom_id=f"review:reason:{guild_id}:{number}:{uuid.uuid4().hex[:8]}",
            timeout=VIEW_TIMEOUT,
        )
        self.guild_id = guild_id
        self.number = number
        self.index = index
        self.owner_id = owner_id
        # Built per form, not on the class: its label is in the language of who opened it.
        self.reason: discord.ui.TextInput[RejectForm] = discord.ui.TextInput(
            label=_("Reason (the suggester reads it)")[:45],
            style=discord.TextStyle.long,
            max_length=300,
            custom_id="reason",
        )
        self.add_item(self.reason)

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        return await refuse_elsewhere(interaction, self.guild_id, self.owner_id, N_("form"))

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        moderation = moderation_of(interaction)
        member = member_of(interaction)
        decided = await moderation.review.reject(member, self.number, self.reason.value)
        await show_decided(interaction, moderation, self.index, decided)

    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await on_error(interaction, error, f"reject form #{self.number}")
