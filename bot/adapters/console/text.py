"""Replies as terminal text: Discord's markdown read as a person would see it, no markup shown.

Bold, italics, strike-through, spoilers and code lose their markers; ``> `` quotes get a bar;
links read "text (url)"; a character the renderer escaped (``\\*``) is shown as itself.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from typing import Any

from bot.core.render import Reply

__all__ = ["format_page", "format_text", "page_count", "plain"]

QUOTE_BAR = "│ "
BULLET = "• "

# One inline token at a time, leftmost first: escapes and code spans before anything else, so
# that what they hold is never read as markup.
_INLINE = re.compile(
    r"\\(?P<escaped>[^\w\s])"
    r"|(?P<ticks>`+)(?P<code>.+?)(?P=ticks)"
    r"|\[(?P<label>(?:\\.|[^\]\\])*)\]\(<?(?P<url>[^()<>\s]+)>?\)"
    r"|<(?P<bare>https?://[^<>\s]+)>"
    r"|(?P<mark>\*\*|__|~~|\|\||\*|(?<![\w\\])_|_(?!\w))"
)
_BLOCK_QUOTE = re.compile(r"^(?:>>>|>) ?")
_HEADING = re.compile(r"^(?:#{1,3}|-#) ")
_BULLET = re.compile(r"^(\s*)[-*] ")


def _inline(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        if match["escaped"] is not None:
            return match["escaped"]
        if match["code"] is not None:
            return match["code"]
        if match["url"] is not None:
            label = _inline(match["label"])
            return match["url"] if label in {"", match["url"]} else f"{label} ({match['url']})"
        if match["bare"] is not None:
            return match["bare"]
        return ""  # an emphasis marker

    return _INLINE.sub(one, text)


def plain(markdown: str) -> str:
    """Discord markdown as plain text (mentions' zero-width breaks removed too)."""
    lines = []
    quoting = False  # ">>> " quotes everything after it
    for line in markdown.replace("\u200b", "").split("\n"):
        bar = quoting
        if _BLOCK_QUOTE.match(line):
            quoting = quoting or line.startswith(">>>")
            line, bar = _BLOCK_QUOTE.sub("", line, count=1), True
        line = _HEADING.sub("", line, count=1)
        line = _BULLET.sub(rf"\1{BULLET}", line, count=1)
        lines.append((QUOTE_BAR if bar else "") + _inline(line))
    return "\n".join(lines)


def _wrap(text: str, width: int | None, indent: str = "") -> list[str]:
    """``text`` as lines of at most ``width`` columns, each starting with ``indent``; a quote's
    continuation lines keep its bar."""
    out: list[str] = []
    for line in text.split("\n"):
        if width is None or len(indent) + len(line) <= width:
            out.append(indent + line)
            continue
        lead = indent + (QUOTE_BAR if line.startswith(QUOTE_BAR) else "")
        body = line.removeprefix(QUOTE_BAR) if lead != indent else line
        hang = "  " if body.startswith(BULLET) else ""  # a bullet's text stays right of it
        out += textwrap.wrap(
            body,
            width=max(width, len(lead) + 20),
            initial_indent=lead,
            subsequent_indent=lead + hang,
            break_on_hyphens=False,
        ) or [lead]
    return out


def _embed_lines(embed: dict[str, Any], width: int | None) -> Iterator[str]:
    if (author := embed.get("author")) and author.get("name"):
        yield from _wrap(plain(author["name"]), width)
    if title := plain(embed.get("title") or ""):
        yield from _wrap(f"== {title} ==", width)
    if embed.get("description"):
        yield from _wrap(plain(embed["description"]), width)
    for field in embed.get("fields", []):
        yield ""
        yield from _wrap(plain(field["name"]), width)
        yield from _wrap(plain(field["value"]), width, "  ")
    if embed.get("footer") and embed["footer"].get("text"):
        yield ""
        yield from _wrap(plain(embed["footer"]["text"]), width)


def format_page(page: dict[str, Any], width: int | None = None) -> str:
    """One page of a reply as text: content, then each embed's ``== title ==``, description,
    fields (name, then the value indented) and footer. ``width`` wraps lines for a terminal."""
    parts: list[str] = []
    if page.get("content"):
        parts.append("\n".join(_wrap(plain(page["content"]), width)))
    for embed in page.get("embeds", []):
        parts.append("\n".join(_embed_lines(embed, width)))
    return "\n\n".join(parts)


def page_count(reply: Reply) -> int:
    return len(reply.pages)


def format_text(reply: Reply, width: int | None = None) -> str:
    """Every page of a reply as text, pages apart by a blank line."""
    return "\n\n".join(format_page(page, width) for page in reply.pages)
