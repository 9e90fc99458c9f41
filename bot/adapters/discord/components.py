"""The answers' buttons and section menu as ``DynamicItem``s: their state (section, page, owner
and the question) lives in the custom id (``bot.core.render.state``), so they work after a
restart and after any time. Registered once on the client (``add_dynamic_items``); answers are
sent with them by ``state_items.view_of``."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.adapters.discord.installs import scope
from bot.adapters.discord.ops.observe import InteractionObserver
from bot.adapters.discord.respond import NO_PINGS, edit_reply, send_reply
from bot.adapters.discord.state_items import StateItem
from bot.adapters.discord.views import NOT_YOURS
from bot.core.i18n import _
from bot.core.observe import Outcome
from bot.core.render import render, render_page_excerpts
from bot.core.render.state import CUSTOM_ID_TEMPLATE, NAV_ACTIONS, ViewState

__all__ = ["AnswerButton", "SectionMenu"]

_BUTTONS = CUSTOM_ID_TEMPLATE.replace("[fpnlsxr]", "[fpnlx]", 1)
_MENU = CUSTOM_ID_TEMPLATE.replace("[fpnlsxr]", "s", 1)


async def _owner_only(interaction: discord.Interaction[Any], state: ViewState) -> bool:
    if state.owner in (0, interaction.user.id):
        return True
    InteractionObserver.ended(Outcome.USER_ERROR, ran=False)
    await interaction.response.send_message(_(NOT_YOURS), ephemeral=True, allowed_mentions=NO_PINGS)
    return False


async def _show(interaction: discord.Interaction[Any], state: ViewState, section: str) -> None:
    """Answer the question again (the store may have changed) and show the page asked for;
    any failure goes to the tree's one error handler."""
    from bot.adapters.discord.tree import answer_error  # the tree imports this module

    try:
        facts = interaction.client.app.facts
        answer = await facts.answer(state.ask, scope(interaction))
        if state.action == "x":
            await send_reply(interaction, render_page_excerpts(answer, section, state.page))
            return
        reply = render(answer)
        index = reply.section_index(section)
        page = state.page if section == state.section else 0
        await edit_reply(interaction, reply, index, page, owner=state.owner)
    except Exception as error:
        await answer_error(interaction, error)


class AnswerButton(StateItem[discord.ui.Button[Any]], template=re.compile(_BUTTONS)):
    """First / Previous / Next / Last (owner only) and Excerpts (anyone, answered privately)."""

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if self.state.action not in NAV_ACTIONS:
            return True
        return await _owner_only(interaction, self.state)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _show(interaction, self.state, self.state.section)


class SectionMenu(StateItem[discord.ui.Select[Any]], template=re.compile(_MENU)):
    """Overview · Facts (n) · Quotes (n) · …: shows the chosen section's first page."""

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        return await _owner_only(interaction, self.state)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        chosen = self.item.values[0] if self.item.values else self.state.section
        await _show(interaction, self.state, chosen)
