"""Answers -> message payloads (plain dicts in Discord's shape). Adapters send what this returns."""

from __future__ import annotations

from typing import Any

from bot.core.errors import BotError, NotFound
from bot.core.render import findsources as _findsources  # noqa: F401  (registers its renderer)
from bot.core.render import timeline as _timeline  # noqa: F401  (registers its renderer)
from bot.core.render.answers import ERROR_RED, render
from bot.core.render.embeds import (
    ALLOWED_MENTIONS_NONE,
    LIMITS,
    PAGER_NEXT,
    PAGER_PREVIOUS,
    Reply,
    embed_length,
    inert,
    truncate,
)

__all__ = [
    "LIMITS",
    "PAGER_NEXT",
    "PAGER_PREVIOUS",
    "Reply",
    "embed_length",
    "render",
    "render_apology",
    "render_error",
]


def render_error(error: BotError) -> Reply:
    """A typed error as a short ephemeral message with suggestions where they help."""
    lines = [inert(error.message)]
    fields = []
    if isinstance(error, NotFound) and error.suggestions:
        fields.append(
            {
                "name": "Did you mean",
                "value": truncate(
                    ", ".join(inert(s) for s in error.suggestions[:25]), LIMITS.field_value
                ),
                "inline": False,
            }
        )
    if error.hint:
        lines.append(error.hint)
    embed: dict[str, Any] = {
        "title": error.title,
        "description": truncate("\n".join(lines), LIMITS.description),
        "color": ERROR_RED,
    }
    if fields:
        embed["fields"] = fields
    return Reply(
        [{"content": None, "embeds": [embed], "allowed_mentions": ALLOWED_MENTIONS_NONE}],
        ephemeral=True,
    )


def render_apology(error_id: str) -> Reply:
    """What a user sees when something unexpected broke: short, with an id to report."""
    text = (
        f"Sorry, something went wrong on my side. It has been logged as `{error_id}`; "
        "please mention that id if you report it."
    )
    return Reply(
        [{"content": text, "embeds": [], "allowed_mentions": ALLOWED_MENTIONS_NONE}], ephemeral=True
    )
