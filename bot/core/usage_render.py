"""``/stats`` as a message: this server's last 7 and 30 days (counts only)."""

from __future__ import annotations

from bot.core.render.embeds import ALLOWED_MENTIONS_NONE, LIMITS, Reply, inert, truncate
from bot.core.usage import GAP_KINDS, KEEP_DAYS, Gap, ServerStats

__all__ = ["gap_label", "render_stats"]

STATS_BLUE = 0x1F6FB2


def gap_label(gap: Gap) -> str:
    """``unknown countries: narnia``: what kind of question, and the question."""
    return f"{GAP_KINDS.get(gap.kind, gap.kind)}: {gap.text}"


def _lines(rows: list[str], empty: str) -> str:
    return truncate("\n".join(rows) if rows else empty, LIMITS.field_value)


def render_stats(stats: ServerStats) -> Reply:
    week, month = stats.week, stats.month
    weekly = {(k, key): n for k, key, n in week.viewed}
    viewed = [
        f"`{kind}` {inert(key)}: {n} (7 days: {weekly.get((kind, key), 0)})"
        for kind, key, n in month.viewed
    ]
    words_7 = dict(week.words)
    words = [f"{inert(w)}: {n} (7 days: {words_7.get(w, 0)})" for w, n in month.words]
    gaps_7 = {(g.kind, g.text): g.count for g in week.gaps}
    gaps = [
        f"{inert(gap_label(g))}: {g.count} (7 days: {gaps_7.get((g.kind, g.text), 0)})"
        for g in month.gaps
    ]
    busiest = ", ".join(f"/{inert(c)} {n}" for c, n in month.per_command[:6])
    days = " · ".join(f"{d:%m-%d} {n}" for d, n in stats.per_day if n) or "none"
    embed = {
        "title": "This server's use of the bot",
        "description": truncate(
            f"Commands: **{week.commands}** in the last 7 days, **{month.commands}** in the "
            f"last 30 (to {stats.today:%Y-%m-%d} UTC). Most used: {busiest or 'none yet'}.\n"
            "Counts only; kept "
            f"{KEEP_DAYS} days, deleted when the bot leaves the server, included in "
            "`/entry export`.",
            LIMITS.description,
        ),
        "color": STATS_BLUE,
        "fields": [
            {"name": "Commands per day (30 days)", "value": truncate(days, 1024), "inline": False},
            {
                "name": "Most viewed entries (30 days)",
                "value": _lines(viewed, "none yet"),
                "inline": False,
            },
            {
                "name": "Most searched words (30 days)",
                "value": _lines(words, "none yet"),
                "inline": False,
            },
            {
                "name": "Questions that found nothing (30 days), most frequent first",
                "value": _lines(gaps, "none: everything asked was found"),
                "inline": False,
            },
        ],
        "footer": {
            "text": "Pick a question below to suggest an entry answering it." if gaps else "/stats"
        },
    }
    return Reply(
        [{"content": None, "embeds": [embed], "allowed_mentions": ALLOWED_MENTIONS_NONE}],
        ephemeral=True,
    )
