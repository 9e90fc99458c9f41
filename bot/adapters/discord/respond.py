"""Sending a core ``Reply`` through discord.py: embeds from dicts, no pings, pages as a view.

``NO_PINGS`` and ``to_embeds`` live in ``payload`` (imported by ``views`` too, which this
module imports: no cycle); they are re-exported here for the callers that send replies. An
answer's components go out through ``state_items.view_of``, which names none of the item
classes whose callbacks answer through this module."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

from bot.adapters.discord.payload import NO_PINGS, to_embeds
from bot.adapters.discord.state_items import view_of
from bot.adapters.discord.views import Pager
from bot.core.render import Reply

__all__ = ["NO_PINGS", "edit_reply", "send_reply", "to_embeds"]

PAGER_TIMEOUT = 300.0


async def send_reply(
    interaction: discord.Interaction[Any],
    reply: Reply,
    *,
    view: discord.ui.View | None = None,
    files: Sequence[discord.File] = (),
) -> None:
    """Answer ``interaction`` with ``reply``'s first page (a followup once it was answered).

    An answer that can be asked again (``reply.ask``) gets its section menu, page buttons and
    Excerpts button, their state in their custom ids (``components``). Another reply of several
    pages gets Previous/Next buttons only the invoking user can press, unless ``view`` gives it
    other components (then only its first page is shown). ``files`` are attached to it (an
    embed shows one as its image by ``attachment://NAME``)."""
    if reply.sections and reply.ask is not None and view is None:
        shown = reply.view(0, 0, owner=interaction.user.id)
        view = view_of(shown["components"])
        reply = Reply([shown], ephemeral=reply.ephemeral)
    page = reply.pages[0]
    kwargs: dict[str, Any] = {
        "content": page.get("content"),
        "embeds": to_embeds(page),
        "ephemeral": reply.ephemeral,
        "allowed_mentions": NO_PINGS,
    }
    if files:
        kwargs["files"] = list(files)
    pager = None
    if view is not None:
        kwargs["view"] = view
    elif len(reply.pages) > 1:
        pager = Pager(reply, owner_id=interaction.user.id, timeout=PAGER_TIMEOUT)
        kwargs["view"] = pager
    message: discord.Message | discord.WebhookMessage | None
    if interaction.response.is_done():
        message = await interaction.followup.send(wait=True, **kwargs)
    else:
        callback = await interaction.response.send_message(**kwargs)
        message = callback.resource if isinstance(callback.resource, discord.Message) else None
    if pager is not None:
        pager.message = message


async def edit_reply(
    interaction: discord.Interaction[Any],
    reply: Reply,
    section: int,
    page: int,
    *,
    owner: int,
) -> None:
    """Show ``page`` of ``section`` of ``reply`` in the message whose component was used."""
    shown = reply.view(section, page, owner=owner)
    await interaction.response.edit_message(
        embeds=to_embeds(shown), view=view_of(shown["components"]), allowed_mentions=NO_PINGS
    )
