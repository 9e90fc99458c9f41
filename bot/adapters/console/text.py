"""Replies as readable terminal text."""

from __future__ import annotations

import re

from bot.core.render import Reply

__all__ = ["format_text"]

_UNESCAPE = re.compile(r"\\([\\*_~`|>#\[\]()])")


def _plain(text: str) -> str:
    return _UNESCAPE.sub(r"\1", text).replace("\u200b", "")


def format_text(reply: Reply) -> str:
    """A reply as readable text: every page, every embed, fields as headed paragraphs."""
    out: list[str] = []
    for page in reply.pages:
        if page.get("content"):
            out.append(_plain(page["content"]))
        for embed in page.get("embeds", []):
            out.append(f"== {_plain(embed.get('title', ''))} ==")
            if embed.get("description"):
                out.append(_plain(embed["description"]))
            for field in embed.get("fields", []):
                out.append(f"-- {_plain(field['name'])}\n{_plain(field['value'])}")
            if embed.get("footer"):
                out.append(f"({_plain(embed['footer']['text'])})")
    return "\n".join(out)
