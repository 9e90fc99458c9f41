"""Daily digests -> message payloads: the digest itself and ``/digest show``'s status.

The digest is rendered by the answers' pager as a ``/fact`` answer is (the fact, its footnote
marks and one Sources list), titled with the date, with a related quote rendered as ``/quote``
renders one, and a footer naming the day (``digest_marker``): how a restarted bot recognises
its post.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.core.digest.answers import DigestAnswer, DigestStatus
from bot.core.digest.plan import digest_marker
from bot.core.i18n import ENGLISH, _, current, localised_long_day
from bot.core.reading.answers import Ask
from bot.core.render.answers import SCO_BLUE
from bot.core.render.embeds import ALLOWED_MENTIONS_NONE, LIMITS, Reply, inert, truncate
from bot.core.render.items import fact_entry, quote_entry
from bot.core.render.pages import Section, build_reply

__all__ = ["long_date", "render_digest", "render_digest_status", "timestamp"]


def long_date(day: date) -> str:
    """``Monday 31 March 2025`` (Babel's full date in Russian and Chinese)."""
    localised = localised_long_day(day)
    if localised is not None:
        return localised
    return f"{day:%A} {day.day} {day:%B %Y}"


def timestamp(moment: datetime, style: str = "F") -> str:
    """A Discord timestamp: each reader sees it in their own time zone."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def render_digest(answer: DigestAnswer) -> Reply:
    """The day's digest: one page, public (ephemeral when it is a preview), rendered as a
    ``/fact`` answer is (the fact with its footnotes), with the related quote under it."""
    entries = [fact_entry(answer.fact)]
    if answer.quote is not None:
        entries.append(quote_entry(answer.quote, answer.speaker, answer.sources))
    section = Section("o", _("Fact"), entries, one_page=True)  # the quote only if it fits
    title = _("Fact of the day · {date}").format(date=long_date(answer.day))
    ask = Ask("fact", answer.fact.id)
    reply = build_reply(title, [section], sources=answer.sources, color=SCO_BLUE, ask=ask)
    page = reply.view(0, 0)  # the Excerpts button: anyone may press it, any day later
    embed = dict(page["embeds"][0])
    footer = f"{digest_marker(answer.day)} · SCO Fact Bot"
    if answer.preview:
        footer = _("Preview") + f" · {footer}"
    embed["footer"] = {"text": truncate(footer, LIMITS.footer)}
    message = {
        "content": None,
        "embeds": [embed],
        "allowed_mentions": ALLOWED_MENTIONS_NONE,
        "components": [] if answer.preview else page["components"],
    }
    return Reply([message], ephemeral=answer.preview)


def _local(moment: datetime, status: DigestStatus) -> str:
    local = moment.astimezone(status.subscription.schedule.zone)
    if current().code != ENGLISH:
        return f"{long_date(local.date())}, {local:%H:%M} {local.tzname()}"
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def _post_line(status: DigestStatus) -> str:
    sub = status.subscription
    sent, latest = status.last_sent, status.latest
    lines = []
    if sent is not None and sent.message_id is not None:
        link = f"https://discord.com/channels/{sub.guild_id}/{sent.channel_id}/{sent.message_id}"
        lines.append(
            _("{date}: [the digest]({link}) (fact `{key}`)").format(
                date=long_date(sent.day), link=link, key=sent.key
            )
        )
    elif sent is not None:
        lines.append(_("{date} (fact `{key}`)").format(date=long_date(sent.day), key=sent.key))
    else:
        lines.append(_("None yet."))
    if latest is not None and latest.outcome == "failed" and latest != sent:
        detail = latest.detail or ""  # a fixed reason is translated; Discord's words are not
        lines.append(
            _("{date}: not posted. {detail}").format(
                date=long_date(latest.day), detail=inert(_(detail))
            )
        )
    elif latest is not None and latest.outcome is None:
        lines.append(
            _("{date}: being posted (claimed {when}).").format(
                date=long_date(latest.day), when=timestamp(latest.claimed_at, "R")
            )
        )
    return "\n".join(lines)


def render_digest_status(status: DigestStatus) -> Reply:
    """``/digest show`` (and the answers of ``set`` and ``off``): private to the caller."""
    sub = status.subscription
    at = sub.schedule.at
    if status.stopped:
        title, desc = _("Daily digest stopped"), _("No more daily facts will be posted here.")
    elif sub.paused is not None:
        title = _("Daily digest paused")
        when = timestamp(sub.paused_at, "R") if sub.paused_at is not None else _("recently")
        desc = (
            _("**Paused {when}:** {why}").format(when=when, why=inert(_(sub.paused)))
            + "\n"
            + _("Fix that, then run `/digest set` again to resume.")
        )
    else:
        title = _("Daily digest")
        desc = _("One sourced fact a day, in this server's rotation.")
    fields: list[dict[str, Any]] = [
        {"name": _("Channel"), "value": f"<#{sub.channel_id}>", "inline": True},
        {
            "name": _("Time"),
            "value": f"{at:%H:%M} {inert(sub.schedule.timezone)}",
            "inline": True,
        },
    ]
    if status.next is not None:
        due = max(status.next.due, status.now)
        fields.append(
            {
                "name": _("Next post"),
                "value": f"{_local(due, status)}\n{timestamp(due)} ({timestamp(due, 'R')})",
                "inline": False,
            }
        )
    last = truncate(_post_line(status), LIMITS.field_value)
    fields.append({"name": _("Last post"), "value": last, "inline": False})
    embed = {
        "title": title,
        "description": truncate(desc, LIMITS.description),
        "color": SCO_BLUE,
        "fields": fields,
        "footer": {"text": "/digest set · /digest show · /digest preview · /digest off"},
    }
    message = {"content": None, "embeds": [embed], "allowed_mentions": ALLOWED_MENTIONS_NONE}
    return Reply([message], ephemeral=True)
