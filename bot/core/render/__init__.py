"""Answers -> message payloads (plain dicts in Discord's shape). Adapters send what this returns."""

from __future__ import annotations

from typing import Any

from bot.core.errors import BotError, NotFound
from bot.core.i18n import N_, _
from bot.core.render import findsources as _findsources  # noqa: F401  (registers its renderer)
from bot.core.render import listing  # noqa: F401  (registers the renderers it defines)
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
    "page_refs",
    "render",
    "render_apology",
    "render_error",
    "render_page_excerpts",
]


ADD_HINT = N_("Moderators can add a sourced entry with `/entry add`.")


def render_error(error: BotError, *, moderator: bool = False) -> Reply:
    """A typed error as a short ephemeral message with suggestions where they help; a "not
    found" tells a ``moderator`` (only) that they can add an entry."""
    lines = [inert(_(error.message))]
    fields = []
    if isinstance(error, NotFound) and error.suggestions:
        fields.append(
            {
                "name": _("Did you mean"),
                "value": truncate(
                    ", ".join(inert(s) for s in error.suggestions[:25]), LIMITS.field_value
                ),
                "inline": False,
            }
        )
    if error.hint:
        lines.append(_(error.hint))
    if moderator and isinstance(error, NotFound):
        lines.append(_(ADD_HINT))
    embed: dict[str, Any] = {
        "title": _(error.title),
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
    text = _(
        "Sorry, something went wrong on my side. It has been logged as `{error_id}`; "
        "please mention that id if you report it."
    ).format(error_id=error_id)
    return Reply(
        [{"content": text, "embeds": [], "allowed_mentions": ALLOWED_MENTIONS_NONE}], ephemeral=True
    )


def render_page_excerpts(answer: object, section: str, page: int) -> Reply:
    """The verbatim excerpts behind the items of ``page`` of ``section`` of ``answer``'s reply,
    each under its source's label: what the Excerpts button answers, privately."""
    from bot.core.render.pages import render_excerpts

    reply = render(answer)
    index = reply.section_index(section)
    current = reply.sections[index] if reply.sections else None
    if current is None or not current.excerpts:
        return render_error(NotFound(_("This answer states nothing with an excerpt behind it.")))
    page = max(0, min(page, len(current.excerpts) - 1))
    title = current.pages[page]["embeds"][0].get("title", "")
    sources = getattr(answer, "sources", {})
    color = current.pages[page]["embeds"][0].get("color", 0)
    return render_excerpts(title, current.excerpts[page], sources, color)


def page_refs(answer: object, section: str, page: int) -> list[tuple[str, str, str]]:
    """The facts and quotes ``page`` of ``section`` of ``answer``'s reply shows, each once, as
    (kind, key, text): the entries "Report an error" offers."""
    reply = render(answer)
    if not reply.sections:
        return []
    current = reply.sections[reply.section_index(section)]
    if not current.refs:
        return []
    return current.refs[max(0, min(page, len(current.refs) - 1))]
