""" "Report an error": the answers' button and the form it opens.

The button is a ``DynamicItem`` like the answers' other buttons (its custom id carries the
question, section and page, so it works after a restart and for anyone who reads the answer).
Pressed in a server where the bot is installed, it asks the answer again, lists the facts and
quotes of that page and opens a form (a ``discord.ui.Modal``): which entry (a select menu inside
a ``ui.Label``), what is wrong, and optionally a source link or excerpt. The form is bound to
the server and the person it was opened for. Outside such a server (DMs, group DMs, servers
where only the reader installed the bot) there are no moderators to send it to, and the button
says so privately.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.adapters.discord.deadline import Overdue, answer_in_time
from bot.adapters.discord.forms import VIEW_TIMEOUT, on_error, refuse_elsewhere
from bot.adapters.discord.installs import scope
from bot.adapters.discord.members import member_of
from bot.adapters.discord.respond import NO_PINGS, send_reply
from bot.adapters.discord.state_items import StateItem
from bot.core.errors import OVERDUE, NotFound, Unavailable
from bot.core.i18n import N_, _
from bot.core.moderation.corrections import MAX_EVIDENCE, MAX_PROBLEM, MIN_PROBLEM
from bot.core.moderation.render_corrections import REPORT_ELSEWHERE, render_reported
from bot.core.render import page_refs, render_error
from bot.core.render.state import CUSTOM_ID_TEMPLATE, REPORT_LABEL

__all__ = ["MAX_CHOICES", "PageReportButton", "ReportButton", "ReportForm", "open_form"]

_TEMPLATE = CUSTOM_ID_TEMPLATE.replace("[fpnlsxr]", "r", 1)
MAX_CHOICES = 25  # options in one select menu
_KINDS = {"fact": N_("fact"), "quote": N_("quote")}  # a select option's description


class ReportButton(StateItem[discord.ui.Button[Any]], template=re.compile(_TEMPLATE)):
    """Opens the report form for the facts and quotes of the page it stands under."""

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        async def refs(guild: int) -> list[tuple[str, str, str]]:
            answer = await interaction.client.app.facts.answer(self.state.ask, guild)
            return page_refs(answer, self.state.section, self.state.page)

        await open_form(interaction, refs)


class PageReportButton(discord.ui.Button[Any]):
    """Report an error under an answer that cannot be asked again from a custom id (Find
    sources: the message it read is not in the id). The page's entries are held in memory by
    the answer's view, for as long as that view lives (``VIEW_TIMEOUT``); the answer is a
    private one, read at once."""

    def __init__(self, refs: list[tuple[str, str, str]]) -> None:
        super().__init__(
            label=_(REPORT_LABEL),
            style=discord.ButtonStyle.secondary,
            custom_id=f"report:page:{uuid.uuid4().hex[:12]}",
        )
        self.refs = refs

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        async def refs(guild: int) -> list[tuple[str, str, str]]:
            del guild  # the entries were read for this server when the answer was made
            return self.refs

        await open_form(interaction, refs)


async def open_form(
    interaction: discord.Interaction[Any],
    refs_of: Callable[[int], Awaitable[list[tuple[str, str, str]]]],
) -> None:
    """Open the report form for the entries ``refs_of`` gives for this server, or say
    privately why not (outside a server that installed the bot; nothing left to report)."""
    from bot.adapters.discord.tree import answer_error  # the tree imports the components

    try:
        guild = scope(interaction)
        if guild is None:
            await interaction.response.send_message(
                _(REPORT_ELSEWHERE), ephemeral=True, allowed_mentions=NO_PINGS
            )
            return
        refs = await refs_of(guild)
        if not refs:
            problem = NotFound(N_("That page shows no fact or quote any more, so none to report."))
            await send_reply(interaction, render_error(problem))
            return
        await interaction.response.send_modal(
            ReportForm(guild, refs[:MAX_CHOICES], interaction.user.id)
        )
    except Exception as error:
        await answer_error(interaction, error)


class ReportForm(discord.ui.Modal):
    """Which entry, what is wrong, and an optional source link or excerpt."""

    def __init__(self, guild_id: int, refs: list[tuple[str, str, str]], owner_id: int) -> None:
        super().__init__(
            title=_(REPORT_LABEL)[:45],
            custom_id=f"report:{guild_id}:{uuid.uuid4().hex[:8]}",
            timeout=VIEW_TIMEOUT,
        )
        self.guild_id = guild_id
        self.owner_id = owner_id
        options = [
            discord.SelectOption(
                label=_label(text),
                value=f"{kind}:{key}"[:100],
                description=f"{_(_KINDS.get(kind, kind))} {key}"[:100],
                default=len(refs) == 1,
            )
            for kind, key, text in refs
        ]
        self.entry: discord.ui.Select[ReportForm] = discord.ui.Select(
            custom_id="entry", options=options, min_values=1, max_values=1, required=True
        )
        self.problem: discord.ui.TextInput[ReportForm] = discord.ui.TextInput(
            custom_id="problem",
            style=discord.TextStyle.long,
            placeholder=_("e.g. The summit was in 2019, not 2018; the source says so.")[:100],
            min_length=MIN_PROBLEM,
            max_length=MAX_PROBLEM,
        )
        self.evidence: discord.ui.TextInput[ReportForm] = discord.ui.TextInput(
            custom_id="evidence",
            style=discord.TextStyle.long,
            placeholder=_("https://… or the source's own words")[:100],
            required=False,
            max_length=MAX_EVIDENCE,
        )
        self.add_item(discord.ui.Label(text=_("Which entry is wrong?")[:45], component=self.entry))
        self.add_item(discord.ui.Label(text=_("What is wrong?")[:45], component=self.problem))
        self.add_item(
            discord.ui.Label(
                text=_("Source link or excerpt (optional)")[:45],
                description=_("Where the right information can be read")[:100],
                component=self.evidence,
            )
        )

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        return await refuse_elsewhere(interaction, self.guild_id, self.owner_id, N_("form"))

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        kind, _colon, key = (self.entry.values[0] if self.entry.values else ":").partition(":")
        corrections = interaction.client.app.moderation.corrections
        try:
            async with answer_in_time(interaction):
                result = await corrections.report(
                    member_of(interaction), kind, key, self.problem.value, self.evidence.value
                )
        except Overdue:
            raise Unavailable(OVERDUE) from None
        await send_reply(interaction, render_reported(result))

    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await on_error(interaction, error, f"report form {self.custom_id}")


def _label(text: str) -> str:
    """A select option's label (at most 100 characters) from an entry's text."""
    text = text or _("(no text)")
    return text if len(text) <= 100 else text[:99].rstrip() + "…"
