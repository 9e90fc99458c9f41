"""One style for dates and counts in every answer: "1 Sep 2025", "31 Aug – 1 Sep 2025",
"Jul 2025", "1 direct quote", "3 countries"."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime

from bot.core.i18n import localised_day, localised_month, localised_range, ngettext

__all__ = ["day", "day_range", "month", "plural", "plural_of", "sourced_dates"]

_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_MONTH_WORD = {m.casefold(): i for i, m in enumerate(_MONTHS, start=1)}
_MONTH_WORD |= {
    name.casefold(): i
    for i, name in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        start=1,
    )
}
_MONTH_WORD["sept"] = 9
_IRREGULAR = {"person": "people", "is": "are"}


def plural_of(word: str) -> str:
    """``country`` -> ``countries``, ``match`` -> ``matches``, ``person`` -> ``people``."""
    head, _, last = word.rpartition(" ")
    form = _IRREGULAR.get(last) or (
        last[:-1] + "ies"
        if last.endswith("y") and last[-2:-1] not in "aeiou"
        else last + ("es" if last.endswith(("s", "x", "ch", "sh")) else "s")
    )
    return f"{head} {form}".strip()


# The counted nouns of the answers, each written out for the catalogues (Russian has three
# plural forms, Chinese one): ``plural`` finds a noun here before making up an English plural.
_COUNTED: dict[str, Callable[[int], str]] = {
    "fact": lambda n: ngettext("%(num)s fact", "%(num)s facts", n),
    "quote": lambda n: ngettext("%(num)s quote", "%(num)s quotes", n),
    "summit": lambda n: ngettext("%(num)s summit", "%(num)s summits", n),
    "country": lambda n: ngettext("%(num)s country", "%(num)s countries", n),
    "person": lambda n: ngettext("%(num)s person", "%(num)s people", n),
    "claim": lambda n: ngettext("%(num)s claim", "%(num)s claims", n),
    "source": lambda n: ngettext("%(num)s source", "%(num)s sources", n),
    "member state": lambda n: ngettext("%(num)s member state", "%(num)s member states", n),
    "observer": lambda n: ngettext("%(num)s observer", "%(num)s observers", n),
    "dialogue partner": lambda n: ngettext(
        "%(num)s dialogue partner", "%(num)s dialogue partners", n
    ),
    "partner": lambda n: ngettext("%(num)s partner", "%(num)s partners", n),
    "direct quote": lambda n: ngettext("%(num)s direct quote", "%(num)s direct quotes", n),
    "reported statement": lambda n: ngettext(
        "%(num)s reported statement", "%(num)s reported statements", n
    ),
    "more source": lambda n: ngettext("%(num)s more source", "%(num)s more sources", n),
    "more excerpt": lambda n: ngettext("%(num)s more excerpt", "%(num)s more excerpts", n),
    "match": lambda n: ngettext("%(num)s match", "%(num)s matches", n),
    "entry": lambda n: ngettext("%(num)s entry", "%(num)s entries", n),
}


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 fact``, ``3 facts``, ``2 countries``: the count and the word agreeing with it, in
    the reader's language for the nouns of ``_COUNTED``."""
    counted = _COUNTED.get(word)
    if counted is not None:
        return counted(count)
    if count == 1:
        return f"{count} {word}"
    return f"{count} {many or plural_of(word)}"


def day(value: date | datetime) -> str:
    """``1 Sep 2025`` (in Russian and Chinese, as Babel writes them: ``bot.core.i18n``)."""
    localised = localised_day(value)
    if localised is not None:
        return localised
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def month(year: int, month_number: int) -> str:
    """A date known only to the month: ``Jul 2025``."""
    localised = localised_month(year, month_number)
    if localised is not None:
        return localised
    return f"{_MONTHS[month_number - 1]} {year}"


def day_range(start: date, end: date) -> str:
    """``31 Aug – 1 Sep 2025``; ``8–9 Jun 2018``; across years, both years."""
    if start == end:
        return day(start)
    localised = localised_range(start, end)
    if localised is not None:
        return localised
    if start.year != end.year:
        return f"{day(start)} – {day(end)}"
    if start.month != end.month:
        return f"{start.day} {_MONTHS[start.month - 1]} – {day(end)}"
    return f"{start.day}–{day(end)}"


_PART = re.compile(r"\b([A-Za-z]+)\.?\s+(\d{1,2})\b|\b(\d{1,2})\s+([A-Za-z]+)\b")
_YEAR = re.compile(r"\b(1[89]\d\d|2[01]\d\d)\b")


def _month_of(word: str) -> int | None:
    return _MONTH_WORD.get(word.casefold().rstrip("."))


def sourced_dates(text: str | None) -> str | None:
    """Dates as a source gives them ("Aug. 31 to Sept. 1, 2025", "June 2018") in the house
    style ("31 Aug – 1 Sep 2025", "Jun 2018"); text that is not a plain date stays as it is."""
    if not text:
        return None
    years = _YEAR.findall(text)
    if len(set(years)) != 1:
        return text
    year = int(years[0])
    days: list[date] = []
    for match in _PART.finditer(text):
        word, number = (match[1], match[2]) if match[1] else (match[4], match[3])
        month_number = _month_of(word)
        if month_number is None:
            continue
        try:
            days.append(date(year, month_number, int(number)))
        except ValueError:
            return text
    if len(days) == 1:
        return day(days[0])
    if len(days) == 2:
        return day_range(days[0], days[1])
    words = re.findall(r"[A-Za-z]+", text)
    months = [m for m in (_month_of(w) for w in words) if m]
    if not days and len(months) == 1 and len(words) == 1:
        return month(year, months[0])
    return text
