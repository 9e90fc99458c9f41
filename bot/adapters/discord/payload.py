"""The pieces of a Discord message every reply path shares: embeds from the core's page dicts,
and mentions that never ping. A leaf module: the reply path (``respond``), the pager
(``views``) and the other views import it, it imports none of them."""

from __future__ import annotations

from typing import Any

import discord

__all__ = ["NO_PINGS", "to_embeds"]

NO_PINGS = discord.AllowedMentions.none()


def to_embeds(page: dict[str, Any]) -> list[discord.Embed]:
    return [discord.Embed.from_dict(e) for e in page.get("embeds", [])]
