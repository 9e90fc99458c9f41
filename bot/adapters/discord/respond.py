"""Sending a core ``Reply`` through discord.py: embeds from dicts, no pings, pages as a view."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

from bot.core.render import Reply

__all__ = ["NO_PINGS", "send_reply", "to_embeds"]

NO_PINGS = discord.AllowedMentions.none()
PAGER_TIMEOUT = 300.0


def to_embeds(page: dict[str, Any]) -> list[discord.Embed]:
    return [discord.Embed.from_dict(e) for e in page.get("embeds", [])]


async def send_reply(
    interaction: discord.Interaction[Any],
    reply: Reply,
    *,
    view: discord.ui.View | None = None,
    files: Sequence[discord.File] = (),
) -> None:
    """Answer ``interaction`` with ``reply``'s first page (a followup once it was answered).

    A reply of several pages gets Previous/Next buttons only the invoking user can press,
    unless ``view`` gives it other components (then only its first page is shown). ``files``
    are attached to it (an embed shows one as its image by ``attachment://NAME``)."""
    from bot.adapters.discord.views import Pager  # views import this module's helpers

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
