"""The entry form (a ``discord.ui.Modal``), what follows a refused form, and what every form
and form button of the adapter shares (``refuse_elsewhere``, ``on_error``, ``VIEW_TIMEOUT``).

Shared kernel of the Discord adapter: /entry (moderation), the review queue and Report an
error (moderation), /stats' "suggest a fact" (usage) and Find sources (reading) use it, and
none of those feature folders imports another.

A refused form is answered with what to fix *and every field as typed*, plus a button that
reopens the form prefilled with it, so nothing typed is lost; a near-duplicate gets a "Save
anyway" button too. The form and those buttons are bound to the server (and the entry) they
were opened for: their custom ids carry it, and a submission or press arriving from another
server, or from someone else, is refused (a replayed payload must not act elsewhere). The
review queue's buttons are in ``review_views``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import discord

from bot.adapters.discord.deadline import Overdue, answer_in_time
from bot.adapters.discord.members import member_of
from bot.adapters.discord.ops.observe import InteractionObserver
from bot.adapters.discord.respond import NO_PINGS, send_reply
from bot.core.errors import (
    OVERDUE,
    BotError,
    Conflict,
    NearDuplicate,
    Unavailable,
    as_unavailable,
)
from bot.core.i18n import N_, _
from bot.core.models import Kind
from bot.core.moderation.answers import EntryRef
from bot.core.moderation.drafts import FIELD_LIMITS, Draft
from bot.core.moderation.render import (
    render_form_problem,
)
from bot.core.observe import Outcome
from bot.core.permissions import Member
from bot.core.render import Reply, render_apology, render_error

__all__ = [
    "FORM_CONFIRM",
    "FORM_REOPEN",
    "DraftView",
    "EntryForm",
    "FormSpec",
    "answer",
    "on_error",
    "refuse_elsewhere",
]

log = logging.getLogger(__name__)

FORM_REOPEN = "form:reopen"
FORM_CONFIRM = "form:confirm"
VIEW_TIMEOUT = 900.0
_KEPT = N_("Nothing you typed is lost: it is below, and the button reopens the form with it.")

Handler = Callable[[Member, Draft, bool], Awaitable[Reply]]

_INPUTS: dict[str, tuple[str, str, discord.TextStyle]] = {
    # name: (label <= 45, placeholder <= 100, style)
    "text": (
        N_("Text"),
        N_("One plain statement, as the source supports it"),
        discord.TextStyle.long,
    ),
    "source": (
        N_("Source: a source id or an https:// link"),
        N_("e.g. xinhua-grand-plan-2025 or https://example.org/page"),
        discord.TextStyle.short,
    ),
    "excerpt": (
        N_("Excerpt: the source's own words"),
        N_("Copy the sentence(s) of the source that support the text"),
        discord.TextStyle.long,
    ),
    "links": (
        N_("Links (optional)"),
        # The keys are the syntax the form reads (bot.core.moderation.drafts): never translated.
        "countries: belarus, china; summit: 2024; people: wang-yi; topics: trade",
        discord.TextStyle.short,
    ),
    "speaker": (
        N_("Speaker: a known person or a new name"),
        N_("e.g. wang-yi, or the full name of someone new"),
        discord.TextStyle.short,
    ),
    "quote_kind": (
        N_("Direct or reported?"),
        N_("direct (their own words) or reported"),
        discord.TextStyle.short,
    ),
}


@dataclass(frozen=True)
class FormSpec:
    """What a form is for: its title, what saving it does, the server it was opened in, and
    the entry it edits if any."""

    title: str
    kind: Kind
    handler: Handler
    guild_id: int
    ref: EntryRef | None = None

    @property
    def target(self) -> str:
        return self.ref.key if self.ref else "new"


async def answer(
    interaction: discord.Interaction[Any], reply: Reply, view: discord.ui.View | None = None
) -> None:
    """Send the first page of ``reply`` as the response, or a followup once responded."""
    await send_reply(interaction, reply, view=view)


async def refuse_elsewhere(
    interaction: discord.Interaction[Any], guild_id: int, owner_id: int | None, what: str
) -> bool:
    """True when ``interaction`` comes from the server ``guild_id`` (and from ``owner_id``,
    when given); otherwise answer that ``what`` belongs elsewhere, log it, and say False."""
    if interaction.guild_id == guild_id and owner_id in (None, interaction.user.id):
        return True
    log.warning(
        "refused %s of guild %s used in guild %s by user %s",
        what,
        guild_id,
        interaction.guild_id,
        interaction.user.id,
    )
    elsewhere = interaction.guild_id != guild_id
    InteractionObserver.ended(Outcome.USER_ERROR, ran=False)
    text = (
        _("This {what} belongs to another server; nothing was done here.")
        if elsewhere
        else _("This {what} belongs to whoever opened it.")
    ).format(what=_(what))
    await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)
    return False


async def on_error(interaction: discord.Interaction[Any], error: Exception, what: str) -> None:
    """Errors of modals and buttons (the tree's ``on_error`` sees commands only)."""
    known = error if isinstance(error, BotError) else as_unavailable(error)
    if known is not None:
        InteractionObserver.ended(Outcome.USER_ERROR)
        reply = render_error(known)
    else:
        error_id = uuid.uuid4().hex[:8]
        InteractionObserver.ended(Outcome.INTERNAL_ERROR, error_id=error_id)
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
        async with answer_in_time(interaction):
            reply = await spec.handler(member_of(interaction), draft, confirm)
    except Exception as exc:
        error = _refusal(exc)
        overdue = isinstance(exc, Overdue)  # counted as the commands' overdue answers are
        InteractionObserver.ended(Outcome.INTERNAL_ERROR if overdue else Outcome.USER_ERROR)
        draft = draft.visible()  # shown back and reopened without what can't be stored
        problem = render_form_problem(error, draft, ref=spec.ref)
        stale = isinstance(error, Conflict) and not isinstance(error, NearDuplicate)
        if stale and spec.ref is not None:
            await answer(interaction, problem)  # a stale edit: the form must be opened anew
            return
        view = DraftView(
            spec, draft, interaction.user.id, duplicate=isinstance(error, NearDuplicate)
        )
        await answer(interaction, problem, view)
        return
    await answer(interaction, reply)


def _refusal(exc: Exception) -> BotError:
    """What to tell the form's author: the core's refusal, or that the database failed for
    now (stopped, frozen, full, locked: ``Unavailable``); anything else is a bug, re-raised."""
    if isinstance(exc, BotError):
        return exc
    if isinstance(exc, Overdue):
        return Unavailable(OVERDUE, hint=_KEPT)
    fault = as_unavailable(exc)
    if fault is None:
        raise exc
    log.warning("a form could not be saved for now: %r", exc)
    return Unavailable(hint=_KEPT)


class EntryForm(discord.ui.Modal):
    """The entry form: text, source, excerpt, and links (a fact) or speaker and kind (a
    quote), prefilled from ``draft``."""

    def __init__(self, spec: FormSpec, draft: Draft, owner_id: int) -> None:
        nonce = uuid.uuid4().hex[:8]
        super().__init__(
            title=spec.title[:45],
            custom_id=f"entry:{spec.guild_id}:{spec.kind.value}:{spec.target}:{nonce}",
            timeout=VIEW_TIMEOUT,
        )
        self.spec = spec
        self.owner_id = owner_id
        self.inputs: dict[str, discord.ui.TextInput[EntryForm]] = {}
        for name, value in draft.fields():
            label, placeholder, style = _INPUTS[name]
            placeholder = _(placeholder)[:100]
            field: discord.ui.TextInput[EntryForm] = discord.ui.TextInput(
                label=_(label)[:45],
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

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        return await refuse_elsewhere(interaction, self.spec.guild_id, self.owner_id, N_("form"))

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        await submit(interaction, self.spec, self.draft(), confirm=False)

    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await on_error(interaction, error, f"form {self.custom_id}")


class _OwnedView(discord.ui.View):
    def __init__(self, owner_id: int, guild_id: int) -> None:
        super().__init__(timeout=VIEW_TIMEOUT)
        self.owner_id = owner_id
        self.guild_id = guild_id

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        return await refuse_elsewhere(interaction, self.guild_id, self.owner_id, N_("button"))

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        await on_error(interaction, error, f"button {getattr(item, 'custom_id', '?')}")


class DraftView(_OwnedView):
    """Under a refused form: reopen it as typed, or (a near-duplicate) save it anyway."""

    def __init__(self, spec: FormSpec, draft: Draft, owner_id: int, *, duplicate: bool) -> None:
        super().__init__(owner_id, spec.guild_id)
        self.spec = spec
        self.draft = draft
        bound = f"{spec.guild_id}:{spec.target}"
        self.reopen.custom_id = f"{FORM_REOPEN}:{bound}"
        self.confirm.custom_id = f"{FORM_CONFIRM}:{bound}"
        self.reopen.label, self.confirm.label = _("Edit and resubmit"), _("Save anyway")
        if not duplicate:
            self.remove_item(self.confirm)

    @discord.ui.button(
        label="Edit and resubmit", style=discord.ButtonStyle.primary, custom_id=FORM_REOPEN
    )
    async def reopen(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:
        await interaction.response.send_modal(EntryForm(self.spec, self.draft, self.owner_id))

    @discord.ui.button(
        label="Save anyway", style=discord.ButtonStyle.danger, custom_id=FORM_CONFIRM
    )
    async def confirm(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:
        await submit(interaction, self.spec, self.draft, confirm=True)
