"""``/stats`` as a message: this server's last 7 and 30 days (counts only)."""

from __future__ import annotations

from bot.core.i18n import _
from bot.core.render.embeds import ALLOWED_MENTIONS_NONE, LIMITS, Reply, inert, truncate
from bot.core.usage.service import GAP_KINDS, KEEP_DAYS, Gap, ServerStats

__all__ = ["gap_label", "render_stats"]

STATS_BLUE = 0x1F6FB2


def gap_label(gap: Gap) -> str:
    """``unknown countries: narnia``: what kind of question, and the question."""
    return f"{_(GAP_KINDS.get(gap.kind, gap.kind))}: {gap.text}"


def _lines(rows: list[str], empty: str) -> str:
    return truncate("\n".join(rows) if rows else empty, LIMITS.field_value)


def render_stats(stats: ServerStats) -> Reply:
    week, month = stats.week, stats.month
    weekly = {(k, key): n for k, key, n in week.viewed}
    week_of = _("7 days: {count}")
    viewed = [
        f"`{kind}` {inert(key)}: {n} ({week_of.format(count=weekly.get((kind, key), 0))})"
        for kind, key, n in month.viewed
    ]
    words_7 = dict(week.words)
    words = [f"{inert(w)}: {n} ({week_of.format(count=words_7.get(w, 0))})" for w, n in month.words]
    gaps_7 = {(g.kind, g.text): g.count for g in week.gaps}
    gaps = [
        f"{inert(gap_label(g))}: {g.count} "
        f"({week_of.format(count=gaps_7.get((g.kind, g.text), 0))})"
        for g in month.gaps
    ]
    none_yet = _("none yet")
    busiest = ", ".join(f"/{inert(c)} {n}" for c, n in month.per_command[:6])
    days = " · ".join(f"{d:%m-%d} {n}" for d, n in stats.per_day if n) or _("none")
    embed = {
        "title": _("This server's use of the bot"),
        "description": truncate(
            _(
                "Commands: **{week}** in the last 7 days, **{month}** in the last 30 "
                "(to {today} UTC). Most used: {busiest}."
            ).format(
                week=week.commands,
                month=month.commands,
                today=f"{stats.today:%Y-%m-%d}",
                busiest=busiest or none_yet,
            )
            + "\n"
            + _(
                "Counts only; kept {days} days, deleted when the bot leaves the server, "
                "included in `/entry export`."
            ).format(days=KEEP_DAYS),
            LIMITS.description,
        ),
        "color": STATS_BLUE,
        "fields": [
            {
                "name": _("Commands per day (30 days)"),
                "value": truncate(days, 1024),
                "inline": False,
            },
            {
                "name": _("Most viewed entries (30 days)"),
                "value": _lines(viewed, none_yet),
                "inline": False,
            },
            {
                "name": _("Most searched words (30 days)"),
                "value": _lines(words, none_yet),
                "inline": False,
            },
            {
                "name": _("Questions that found nothing (30 days), most frequent first"),
                "value": _lines(gaps, _("none: everything asked was found")),
                "inline": False,
            },
        ],
        "footer": {
            "text": _("Pick a question below to suggest an entry answering it.")
            if gaps
            else "/stats"
        },
    }
    return Reply(
        [{"content": None, "embeds": [embed], "allowed_mentions": ALLOWED_MENTIONS_NONE}],
        ephemeral=True,
    )
