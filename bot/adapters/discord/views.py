"""Previous/Next paging for long answers (``discord.ui.View``)."""

from __future__ import annotations

import contextlib
from typing import Any

import discord

from bot.adapters.discord.ops.observe import InteractionObserver
from bot.adapters.discord.payload import NO_PINGS, to_embeds
from bot.core.i18n import N_, _
from bot.core.observe import Outcome
from bot.core.render import PAGER_NEXT, PAGER_PREVIOUS, Reply

__all__ = ["NOT_YOURS", "Pager"]

NOT_YOURS = N_(
    "Only the person who asked can turn these pages. Run the command yourself to browse."
)


class Pager(discord.ui.View):
    """Turns the pages of one reply. Only the user who asked may press; after ``timeout``
    seconds the buttons disable themselves."""

    def __init__(self, reply: Reply, *, owner_id: int, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.reply = reply
        self.owner_id = owner_id
        self.page = 0
        self.message: discord.Message | discord.InteractionMessage | None = None
        self.previous.label, self.next.label = _("Previous"), _("Next")  # the reader's language
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        count = len(self.reply.pages)
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page >= count - 1
        self.position.label = f"{self.page + 1}/{count}"

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        InteractionObserver.ended(Outcome.USER_ERROR, ran=False)
        await interaction.response.send_message(
            _(NOT_YOURS),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )
        return False

    async def _show(self, interaction: discord.Interaction[Any], page: int) -> None:
        self.page = max(0, min(page, len(self.reply.pages) - 1))
        self._sync_buttons()
        await interaction.response.edit_message(
            embeds=to_embeds(self.reply.pages[self.page]), view=self, allowed_mentions=NO_PINGS
        )

    @discord.ui.button(
        label="Previous", style=discord.ButtonStyle.secondary, custom_id=PAGER_PREVIOUS
    )
    async def previous(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:
        await self._show(interaction, self.page - 1)

    @discord.ui.button(
        label="1/1", style=discord.ButtonStyle.secondary, custom_id="pager:position", disabled=True
    )
    async def position(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:
        await interaction.response.defer()  # disabled; never pressed

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary, custom_id=PAGER_NEXT)
    async def next(self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]) -> None:
        await self._show(interaction, self.page + 1)

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.message is not None:
            # The message may be gone or no longer ours to edit: then there is nothing to disable.
            with contextlib.suppress(discord.HTTPException):
                await self.message.edit(view=self, allowed_mentions=NO_PINGS)
