"""Corrections ("Report an error") -> message payloads: the thank-you, the review card, the
outcome for the moderator and for the reporter, the answer outside a server, and the
maintainers' plain-text list (``python -m bot store reports``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core.moderation.answers import Decided, ReviewCard, Suggested
from bot.core.records import Suggestion
from bot.core.render.answers import QUOTE_GOLD
from bot.core.render.embeds import (
    ALLOWED_MENTIONS_NONE,
    LIMITS,
    Item,
    Reply,
    inert,
    paginate,
    truncate,
)

__all__ = [
    "REPORT_ELSEWHERE",
    "render_correction_card",
    "render_correction_decided",
    "render_correction_notice",
    "render_reported",
    "render_reports",
]

GREEN = 0x2E8B57
REPORT_ELSEWHERE = (
    "Reports of errors go to a server's moderators, so they are taken only in a server where "
    "the bot is installed (added by the server, not only to your account). Here there is no "
    "one to send it to: use the button in such a server, or tell the server's moderators."
)


def _private(pages: list[dict[str, Any]]) -> Reply:
    return Reply(pages, ephemeral=True)


def entry_name(s: Suggestion) -> str:
    """ "curated fact `sco-founding`" or "this server's quote `s3`"."""
    whose = "curated" if s.curated else "this server's"
    return f"{whose} {s.kind.value} `{inert(s.corrects or '?')}`"


def render_reported(result: Suggested) -> Reply:
    s = result.suggestion
    desc = (
        f"Thank you: your report #{s.number} on {entry_name(s)} is waiting for this server's "
        f"moderators ({result.pending} in their review queue). I'll send you a direct message "
        "with the outcome if your DMs are open."
    )
    return _private(paginate("Report received", desc, [], color=GREEN))


def _correction_items(s: Suggestion) -> list[Item]:
    items = [
        Item("The entry, as reported", inert(truncate(str(s.data.get("text", "")), 600))),
        Item("What is wrong", inert(truncate(str(s.data.get("problem", "")), 900))),
    ]
    evidence = str(s.data.get("evidence", ""))
    if evidence:
        items.append(Item("Source or excerpt given", inert(truncate(evidence, 500))))
    return items


def render_correction_card(card: ReviewCard) -> Reply:
    """A correction in the review queue, with what Approve will do."""
    s = card.suggestion
    desc = (
        f"Correction #{s.number} ({card.index + 1} of {card.total} waiting): "
        f"{inert(s.author.name)} reports an error in {entry_name(s)}, "
        f"{s.at:%Y-%m-%d %H:%M} UTC.\n"
    )
    if s.curated:
        desc += (
            "**Approve** hides this curated entry in this server (`/entry restore` shows it "
            "again) and keeps the report for the bot's maintainers."
        )
    else:
        desc += "**Approve** opens the entry's edit form; saving it approves the report."
    items = _correction_items(s)
    return _private(paginate("Review", desc, items, color=QUOTE_GOLD, footer="/entry review"))


def render_correction_decided(decided: Decided, *, notified: bool | None = None) -> Reply:
    s = decided.suggestion
    key = f"`{inert(s.corrects or '?')}`"
    if s.status != "approved":
        desc = f"Correction #{s.number} rejected. Reason: {inert(s.reason)}"
    elif decided.saved is not None:
        desc = (
            f"Correction #{s.number} approved: {key} is at version {decided.saved.version.version}."
        )
    else:
        desc = (
            f"Correction #{s.number} approved: curated {s.kind.value} {key} is hidden in this "
            f"server now (`/entry restore {s.corrects}` shows it again); the report is kept for "
            "the bot's maintainers."
        )
    if notified is True:
        desc += f"\n{inert(s.author.name)} was told by direct message."
    elif notified is False:
        desc += f"\n{inert(s.author.name)} could not be told (their DMs are closed)."
    return _private(paginate("Decided", desc, [], color=GREEN))


def render_correction_notice(decided: Decided, server: str) -> Reply:
    """The direct message telling a reporter the outcome."""
    s = decided.suggestion
    if s.status != "approved":
        text = (
            f"Your report #{s.number} in {inert(server)} on {entry_name(s)} was not accepted. "
            f"The moderator's reason: {inert(s.reason)}"
        )
    elif decided.saved is not None:
        text = (
            f"Your report #{s.number} in {inert(server)} was accepted: the moderators corrected "
            f"{s.kind.value} `{inert(s.corrects or '?')}`. Thank you!"
        )
    else:
        text = (
            f"Your report #{s.number} in {inert(server)} was accepted: {s.kind.value} "
            f"`{inert(s.corrects or '?')}` is no longer shown there, and the bot's maintainers "
            "have your report. Thank you!"
        )
    page = {"content": truncate(text, LIMITS.content), "embeds": []}
    return Reply([{**page, "allowed_mentions": ALLOWED_MENTIONS_NONE}])


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def render_reports(reports: Sequence[Suggestion]) -> str:
    """The maintainers' list: each correction of a curated entry, newest first, as plain text
    (entry, what is wrong, evidence, the reporter's server, date, status)."""
    if not reports:
        return "No corrections of curated entries have been reported.\n"
    lines = [f"{len(reports)} correction(s) of curated entries, newest first:", ""]
    for s in reports:
        decided = f"{s.status.value}"
        if s.reviewer is not None and s.decided_at is not None:
            decided += f" by {s.reviewer.name} {s.decided_at:%Y-%m-%d}"
        lines.append(
            f"{s.at:%Y-%m-%d %H:%M} UTC  {s.kind.value} {s.corrects}  "
            f"server {s.guild_id} (#{s.number}, {decided})"
        )
        lines.append(f"  entry:   {_one_line(str(s.data.get('text', '')), 200)}")
        lines.append(f"  wrong:   {_one_line(str(s.data.get('problem', '')), 1000)}")
        evidence = str(s.data.get("evidence", ""))
        if evidence:
            lines.append(f"  source:  {_one_line(evidence, 500)}")
        lines.append("")
    return "\n".join(lines)
