"""The reader's language: gettext catalogues (``bot/locale``), plural forms, dates and names.

Every fixed string of an answer is written in English inside ``_()`` (or ``ngettext`` for a
count), and translated through the catalogue of the language the answer is for: Russian
(``ru``) or Simplified Chinese (``zh_CN``), English otherwise. The catalogues are the ``.po``
files themselves, compiled once per language when first used (``babel.messages.pofile`` ->
``babel.support.Translations``), so no ``.mo`` is kept beside them.

Why a context variable, not a ``locale`` argument on every renderer: the answer's strings are
spread over some forty functions (renderers, errors raised deep in the services, the pager,
footnotes, dates), and threading a parameter through each would change every signature for
one piece of state that never varies within an interaction. The adapter sets it once where an
interaction is parsed (``bot.adapters.discord.locale``), and since each interaction runs in its
own asyncio task, which copies the context it was started in, two readers answered at the
same time never see each other's language. Nothing is set at import time: outside
``reading_in`` (and in every fresh context) the language is English. Caches of rendered
answers key on ``current()`` (``bot.core.render.memo``, ``bot.core.answer_cache``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, lru_cache
from gettext import NullTranslations
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

__all__ = [
    "CATALOGUE_DIR",
    "ENGLISH",
    "LANGUAGES",
    "N_",
    "Language",
    "_",
    "current",
    "is_known",
    "language_of",
    "ngettext",
    "reading_in",
    "translations",
]

CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "locale"
ENGLISH = "en"
# The catalogues there are: gettext's names (zh_CN), not Discord's (zh-CN).
LANGUAGES = ("ru", "zh_CN")
_FOLDED = {code.casefold(): code for code in LANGUAGES}


@dataclass(frozen=True)
class Language:
    """One reader's language: its code (``en``, ``ru``, ``zh_CN``) and what translates it."""

    code: str
    strings: NullTranslations
    locale: Locale

    @property
    def short(self) -> str:
        """``en``, ``ru``, ``zh``: the key of ``Country.names``."""
        return self.code.split("_")[0]


@lru_cache(maxsize=256)
def language_of(tag: str | None) -> str:
    """A Discord locale (``ru``, ``zh-CN``, ``en-US``...) or a setting (``zh_CN``) as the code
    of a catalogue, English when there is none for it (Traditional Chinese included).

    Remembered per tag: it runs for every interaction, and discord.py asks the command
    translator about every string in each of Discord's ~30 locales at every start."""
    if not tag:
        return ENGLISH
    cleaned = str(tag).strip().replace("-", "_")
    folded = _FOLDED
    if cleaned.casefold() in folded:
        return folded[cleaned.casefold()]
    if cleaned.casefold().split("_")[0] == "ru":
        return "ru"
    if cleaned.casefold() in ("zh", "zh_hans", "zh_hans_cn", "zh_sg"):
        return "zh_CN"
    return ENGLISH


def is_known(tag: str) -> bool:
    """Whether ``tag`` names English, Russian or Simplified Chinese (a setting's check)."""
    cleaned = tag.strip().replace("_", "-").casefold()
    return language_of(tag) != ENGLISH or cleaned in ("en", "en-us", "en-gb")


@cache
def translations(code: str) -> NullTranslations:
    """The compiled catalogue of ``code`` (``ru``, ``zh_CN``), read once; English is none."""
    if code not in LANGUAGES:
        return NullTranslations()
    path = CATALOGUE_DIR / code / "LC_MESSAGES" / "messages.po"
    if not path.exists():  # before the first ``python -m bot catalogues``: English
        return NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=code)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled, domain="messages")


@cache
def _language(code: str) -> Language:
    return Language(code, translations(code), Locale.parse(code if code != ENGLISH else "en_GB"))


_ACTIVE: ContextVar[str] = ContextVar("language", default=ENGLISH)


def current() -> Language:
    """The language of the answer being built (English outside ``reading_in``)."""
    return _language(_ACTIVE.get())


@contextmanager
def reading_in(tag: str | None) -> Iterator[Language]:
    """Build what runs inside in the language of ``tag`` (a Discord locale or a code)."""
    token = _ACTIVE.set(language_of(tag))
    try:
        yield current()
    finally:
        _ACTIVE.reset(token)


def _(message: str) -> str:
    """``message`` in the current language (itself in English or where none is recorded;
    an empty one stays empty, not the catalogue's header)."""
    return current().strings.gettext(message) if message else message


def N_(message: str) -> str:
    """Marks ``message`` for the catalogues where it is defined; ``_()`` translates it later."""
    return message


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form agreeing with ``count`` (Russian has three), with ``%(num)s`` filled in."""
    return current().strings.ngettext(singular, plural, count) % {"num": count}


def localised_day(value: date | datetime) -> str | None:
    """A date in the current language (``10 июн. 2025 г.``, ``2025年6月10日``); ``None`` in
    English, whose house style (``10 Jun 2025``) ``bot.core.dates`` keeps."""
    language = current()
    if language.code == ENGLISH:
        return None
    pattern = "d MMM y" if language.short == "ru" else "medium"  # no "г." after every date
    return format_date(value, format=pattern, locale=language.locale)


def localised_long_day(value: date) -> str | None:
    """A day with its weekday in the current language (``понедельник, 31 марта 2025 г.``)."""
    language = current()
    if language.code == ENGLISH:
        return None
    return format_date(value, format="full", locale=language.locale)


def localised_range(start: date, end: date) -> str | None:
    """Two days in the current language (``31 авг. — 1 сент. 2025 г.``); ``None`` in English."""
    language = current()
    if language.code == ENGLISH:
        return None
    from babel.dates import format_interval

    return format_interval(start, end, "yMMMd", locale=language.locale)


def localised_month(year: int, month: int) -> str | None:
    """A month of a year in the current language (``июль 2025 г.``, ``2025年7月``)."""
    language = current()
    if language.code == ENGLISH:
        return None
    from babel.dates import format_skeleton

    return format_skeleton("yMMM", date(year, month, 1), locale=language.locale)


def name_in(english: str, names: dict[str, str] | None = None, aliases: Sequence[str] = ()) -> str:
    """A country's or person's name in the reader's language where the store records one:
    ``names`` by language (``ru``, ``zh``), else an alias written in that language's script
    (Cyrillic for Russian, Han for Chinese); else the English name. Never made up."""
    short = current().short
    if short == "en":
        return english
    if names and names.get(short):
        return names[short]
    for alias in aliases:
        if _in_script(alias, short):
            return alias
    return english


def _in_script(text: str, short: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    if short == "ru":
        return all("\u0400" <= c <= "\u04ff" for c in letters)
    if short == "zh":
        return all("\u4e00" <= c <= "\u9fff" for c in letters)
    return False
