"""Corrections ("Report an error") -> message payloads: the thank-you, the review card, the
outcome for the moderator and for the reporter, the answer outside a server, and the
maintainers' plain-text list (``python -m bot store reports``).

Everything a Discord user reads is translated (``bot.core.i18n``) at render time; the
maintainers' list stays English, like the rest of ``python -m bot store ...`` (a command-line
tool for the bot's maintainers, not an answer)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core.i18n import N_, _
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
REPORT_ELSEWHERE = N_(
    "Reports of errors go to a server's moderators, so they are taken only in a server where "
    "the bot is installed (added by the server, not only to your account). Here there is no "
    "one to send it to: use the button in such a server, or tell the server's moderators."
)
_ENTRY_NAMES = {
    # TRANSLATORS: the entry a report is about, put into sentences as {entry}; {key} is its id.
    (True, "fact"): N_("curated fact {key}"),
    (True, "quote"): N_("curated quote {key}"),
    (False, "fact"): N_("this server's fact {key}"),
    (False, "quote"): N_("this server's quote {key}"),
}
_KIND_NAMES = {"fact": N_("fact {key}"), "quote": N_("quote {key}")}


def _private(pages: list[dict[str, Any]]) -> Reply:
    return Reply(pages, ephemeral=True)


def _key(s: Suggestion) -> str:
    return f"`{inert(s.corrects or '?')}`"


def entry_name(s: Suggestion) -> str:
    """ "curated fact `sco-founding`" or "this server's quote `s3`", in the reader's language."""
    name = _ENTRY_NAMES.get((s.curated, s.kind.value))
    return _(name).format(key=_key(s)) if name else kind_name(s)


def kind_name(s: Suggestion) -> str:
    """ "fact `s3`": the entry without whose it is (the reporter's message names the server)."""
    name = _KIND_NAMES.get(s.kind.value)
    return _(name).format(key=_key(s)) if name else f"{s.kind.value} {_key(s)}"


def render_reported(result: Suggested) -> Reply:
    s = result.suggestion
    desc = _(
        "Thank you: your report #{number} on {entry} is waiting for this server's moderators "
        "({pending} in their review queue). I'll send you a direct message with the outcome if "
        "your DMs are open."
    ).format(number=s.number, entry=entry_name(s), pending=result.pending)
    return _private(paginate(_("Report received"), desc, [], color=GREEN))


def _correction_items(s: Suggestion) -> list[Item]:
    items = [
        Item(_("The entry, as reported"), inert(truncate(str(s.data.get("text", "")), 600))),
        Item(_("What is wrong"), inert(truncate(str(s.data.get("problem", "")), 900))),
    ]
    evidence = str(s.data.get("evidence", ""))
    if evidence:
        items.append(Item(_("Source or excerpt given"), inert(truncate(evidence, 500))))
    return items


def render_correction_card(card: ReviewCard) -> Reply:
    """A correction in the review queue, with what Approve will do."""
    s = card.suggestion
    desc = _(
        "Correction #{number} ({index} of {total} waiting): {who} reports an error in {entry}, "
        "{when} UTC."
    ).format(
        number=s.number,
        index=card.index + 1,
        total=card.total,
        who=inert(s.author.name),
        entry=entry_name(s),
        when=f"{s.at:%Y-%m-%d %H:%M}",
    )
    if s.curated:
        desc += "\n" + _(
            "**Approve** hides this curated entry in this server (`/entry restore` shows it "
            "again) and keeps the report for the bot's maintainers."
        )
    else:
        desc += "\n" + _("**Approve** opens the entry's edit form; saving it approves the report.")
    items = _correction_items(s)
    return _private(paginate(_("Review"), desc, items, color=QUOTE_GOLD, footer="/entry review"))


def render_correction_decided(decided: Decided, *, notified: bool | None = None) -> Reply:
    s = decided.suggestion
    if s.status != "approved":
        desc = _("Correction #{number} rejected. Reason: {reason}").format(
            number=s.number, reason=inert(s.reason)
        )
    elif decided.saved is not None:
        desc = _("Correction #{number} approved: {key} is at version {version}.").format(
            number=s.number, key=_key(s), version=decided.saved.version.version
        )
    else:
        desc = _(
            "Correction #{number} approved: {entry} is hidden in this server now "
            "(`/entry restore {id}` shows it again); the report is kept for the bot's maintainers."
        ).format(number=s.number, entry=entry_name(s), id=s.corrects)
    if notified is True:
        desc += "\n" + _("{who} was told by direct message.").format(who=inert(s.author.name))
    elif notified is False:
        desc += "\n" + _("{who} could not be told (their DMs are closed).").format(
            who=inert(s.author.name)
        )
    return _private(paginate(_("Decided"), desc, [], color=GREEN))


def render_correction_notice(decided: Decided, server: str) -> Reply:
    """The direct message telling a reporter the outcome (in the language of the moderator
    who decided, as ``render_notice`` does for a suggestion: the reporter's is not known)."""
    s = decided.suggestion
    if s.status != "approved":
        text = _(
            "Your report #{number} in {server} on {entry} was not accepted. "
            "The moderator's reason: {reason}"
        ).format(number=s.number, server=inert(server), entry=entry_name(s), reason=inert(s.reason))
    elif decided.saved is not None:
        text = _(
            "Your report #{number} in {server} was accepted: the moderators corrected {entry}. "
            "Thank you!"
        ).format(number=s.number, server=inert(server), entry=kind_name(s))
    else:
        text = _(
            "Your report #{number} in {server} was accepted: {entry} is no longer shown there, "
            "and the bot's maintainers have your report. Thank you!"
        ).format(number=s.number, server=inert(server), entry=kind_name(s))
    page = {"content": truncate(text, LIMITS.content), "embeds": []}
    return Reply([{**page, "allowed_mentions": ALLOWED_MENTIONS_NONE}])


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def render_reports(reports: Sequence[Suggestion]) -> str:
    """The maintainers' list: each correction of a curated entry, newest first, as plain text
    (entry, what is wrong, evidence, the reporter's server, date, status). English, not
    translated: a command-line tool for the maintainers, like the rest of ``store``."""
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
