"""Drawing the timeline (matplotlib's Agg canvas, no pyplot: no global state, safe in a worker
thread). Sized for Discord, which previews an embed image about 400 px wide: few words, large
type, nothing drawn that the store does not record.
"""

from __future__ import annotations

import functools
import io
from datetime import date

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from bot.core.i18n import _, current, name_in, reading_in
from bot.core.reading.answers import TimelineAnswer

__all__ = ["HEIGHT_IN", "WIDTH_IN", "draw_timeline"]

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 6.6, 100  # 800 x 640 px; Discord halves it in the preview
BLUE, GOLD, GREEN, GREY = "#1f5aa6", "#c9a227", "#2e8b57", "#6b6b6b"


# Fonts with Han characters, in order of preference; matplotlib's own DejaVu Sans has Latin and
# Cyrillic but no Chinese, and falls back glyph by glyph to the next family in the list.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
)

NEAR, FAR = 12, 44  # label offsets from a summit's marker, in points
MIN_GAP = 0.075  # labels closer than this share of the axis go on another slot


def _label_slots(years: list[int], span: float) -> list[int]:
    """A vertical offset for each summit's label: above, below, then further above and below,
    whichever is free, so that neighbouring years never write over each other."""
    order = (NEAR, -NEAR, FAR, -FAR)
    last_at: dict[int, float] = {}
    slots = []
    for year in years:
        free = [o for o in order if year - last_at.get(o, -1e9) >= MIN_GAP * span * 2]
        slot = free[0] if free else min(order, key=lambda o: last_at.get(o, -1e9))
        last_at[slot] = year
        slots.append(slot)
    return slots


def _clusters(points: list[tuple[float, int]]) -> list[tuple[float, int, int]]:
    """Points within a year of each other, as (first x, lowest, highest): one label each."""
    groups: list[list[tuple[float, int]]] = []
    for x, n in sorted(points):
        if groups and x - groups[-1][0][0] < 1:
            groups[-1].append((x, n))
        else:
            groups.append([(x, n)])
    return [(g[0][0], min(n for _, n in g), max(n for _, n in g)) for g in groups]


def _year_fraction(day: date) -> float:
    return day.year + (day.timetuple().tm_yday - 1) / 365.25


@functools.cache
def _cjk_family() -> str | None:
    """The first installed font of ``CJK_FAMILIES``, if any."""
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in installed), None)


def draw_timeline(answer: TimelineAnswer) -> bytes:
    """The PNG bytes of ``answer``'s timeline, its words in the reader's language
    (``bot.core.i18n``; ``asyncio.to_thread`` carries the language into the worker). Chinese
    needs a font with Han characters: without one installed, the picture is drawn in English
    rather than with empty boxes."""
    cjk = _cjk_family()
    if current().short == "zh" and cjk is None:
        with reading_in("en"):
            return _draw(answer, ())
    return _draw(answer, (cjk,) if cjk else ())


def _draw(answer: TimelineAnswer, fallback: tuple[str, ...]) -> bytes:
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[1.15, 1.6])
    years = [s.year for s in answer.summits]
    dated = [_year_fraction(s.as_of) for s in answer.sizes]
    first = min([2001, *years, *(int(x) for x in dated)])
    last = max([first + 1, *years, *(int(x) for x in dated)])
    fig.suptitle(_("SCO timeline, as the sources record it"), fontsize=19, weight="bold")

    # Summits: one marker a year, its place beside it (hollow: the sources name no place).
    top.set_title(_("Summits"), loc="left", fontsize=16)
    top.axhline(0, color=GREY, linewidth=1.5, zorder=1)
    slots = _label_slots([s.year for s in answer.summits], last - first + 3)
    for summit, offset in zip(answer.summits, slots, strict=True):
        placed = bool(summit.city)
        top.plot(
            summit.year,
            0,
            "o",
            markersize=13,
            color=BLUE,
            markerfacecolor=BLUE if placed else "white",
            markeredgewidth=2.5,
            zorder=2,
        )
        label = f"{summit.year}\n{summit.city}" if placed else str(summit.year)
        top.annotate(
            label,
            (summit.year, 0),
            xytext=(0, offset),
            textcoords="offset points",
            ha="center",
            va="bottom" if offset > 0 else "top",
            fontsize=14,
            linespacing=1.0,
            arrowprops={"arrowstyle": "-", "color": GREY, "linewidth": 0.8}
            if abs(offset) > NEAR
            else None,
        )
    top.set_ylim(-1, 1)
    top.set_yticks([])
    for side in ("left", "right", "top"):
        top.spines[side].set_visible(False)
    if any(not s.city for s in answer.summits):
        unplaced = "○ " + _("place not given")
        top.text(1, 1.02, unplaced, transform=top.transAxes, ha="right", fontsize=12)
    if not answer.summits:
        top.text(0.5, 0.5, _("no summits recorded"), transform=top.transAxes, ha="center")

    # Membership: founding members, accessions with their years, size claims with their dates.
    bottom.set_title(_("Countries, as each source counts them"), loc="left", fontsize=16)
    members = [(x, s.member_states) for x, s in zip(dated, answer.sizes, strict=True)]
    family = [(x, s.total) for x, s in zip(dated, answer.sizes, strict=True)]
    series = (
        ([(x, n) for x, n in members if n is not None], "o", 12, BLUE, _("member states")),
        (
            [(x, n) for x, n in family if n is not None],
            "D",
            10,
            GOLD,
            _("with observers, partners"),
        ),
    )
    for points, marker, size, color, name in series:
        if not points:
            continue
        xs, ns = zip(*points, strict=True)
        bottom.plot(xs, ns, marker, markersize=size, color=color, label=name, linestyle="none")
        for x, low, high in _clusters(points):
            text = str(low) if low == high else f"{low}–{high}"
            bottom.annotate(
                text,
                (x, (low + high) / 2),
                xytext=(-12, 0),
                textcoords="offset points",
                ha="right",
                va="center",
                fontsize=14,
                color=color,
                weight="bold",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
            )
    if answer.founding:
        x0 = next((x for x, n in series[0][0] if n == len(answer.founding)), 2001.0)
        bottom.annotate(
            _("founding members"),
            (x0, len(answer.founding)),
            xytext=(14, 0),
            textcoords="offset points",
            va="center",
            fontsize=14,
        )
    for country in answer.accessions:
        assert country.joined_year is not None
        bottom.axvline(country.joined_year, color=GREEN, linestyle="--", linewidth=1.5)
        bottom.annotate(
            _("{country}\njoins").format(
                country=name_in(country.name, country.names, country.aliases)
            ),
            (country.joined_year, 1),
            xytext=(-6, 0),
            textcoords="offset points",
            ha="right",
            va="bottom",
            fontsize=14,
            color=GREEN,
        )
    peak = max([n for points, *_ in series for _, n in points] + [10])
    bottom.set_ylim(0, peak + 6)
    bottom.grid(axis="y", color="#dddddd")
    bottom.tick_params(labelsize=14)
    bottom.set_xlim(first - 1.5, last + 1.5)
    if any(points for points, *_ in series):
        bottom.legend(loc="upper left", fontsize=13, frameon=False)
    if answer.undated:
        names = ", ".join(name_in(c.name, c.names, c.aliases) for c in answer.undated)
        bottom.text(
            0.02,
            0.52,
            _("Also members, year\nnot given: {countries}").format(countries=names),
            transform=bottom.transAxes,
            fontsize=13,
            color=GREY,
            va="center",
        )
    out = io.BytesIO()
    if fallback:  # every text of the picture, glyph by glyph: DejaVu Sans, then the CJK font
        for artist in fig.findobj(Text):
            artist.set_fontfamily(["DejaVu Sans", *fallback])
    fig.savefig(out, format="png", dpi=DPI, facecolor="white")
    return out.getvalue()
