"""The reader's language on Discord: command localisations and each interaction's language.

``CatalogueTranslator`` gives discord.py the Russian and Chinese names, descriptions and
choices of the commands from the same gettext catalogues as the answers (``bot/locale``);
discord.py sends them as ``name_localizations`` / ``description_localizations`` when it syncs.
``bind_interaction_language`` sets the language of everything an interaction's tasks build
(``bot.core.i18n.reading_in``) from the interaction's ``locale``: the user's Discord language.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot.core.i18n import ENGLISH, language_of, reading_in, translations

__all__ = [
    "NAME_RULE",
    "CatalogueTranslator",
    "bind_interaction_language",
    "command_strings",
]

log = logging.getLogger(__name__)

# Discord's rule for command, option and group names, in any language: lowercase letters
# (any script), digits, "-" and "_", at most 32 (Devanagari and Thai marks also pass).
NAME_RULE = re.compile(r"^[-_\w\u0900-\u097f\u0e00-\u0e7f]{1,32}$")
_NAMES = (Where.command_name, Where.group_name, Where.parameter_name)
_LIMITS = {  # Discord's lengths of a description and a choice's name
    Where.command_description: 100,
    Where.group_description: 100,
    Where.parameter_description: 100,
    Where.choice_name: 100,
}


class CatalogueTranslator(app_commands.Translator):
    """Command names, descriptions and choices in Russian (``ru``) and Simplified Chinese
    (``zh-CN``) from ``bot/locale``; ``None`` (Discord shows the English) for any other
    language, a string the catalogue lacks, or a name Discord would refuse."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        menu = isinstance(context.data, app_commands.ContextMenu)  # "Find sources": any case
        return _translated(string.message, locale, context.location, menu)


@lru_cache(maxsize=4096)
def _translated(message: str, locale: discord.Locale, where: Where, menu: bool) -> str | None:
    """``CatalogueTranslator.translate``, remembered: discord.py asks it about every string in
    each of Discord's ~30 locales, for the schema's hash and again for a sync, at every start
    (the catalogues are read once per process, so the answer cannot change)."""
    code = language_of(locale.value)
    if code == ENGLISH or locale is discord.Locale.taiwan_chinese:
        return None
    translated = translations(code).gettext(message)
    if translated == message:
        return None
    if menu and len(translated) > 32:
        return None
    if (
        where in _NAMES
        and not menu
        and not (NAME_RULE.match(translated) and translated == translated.lower())
    ):
        log.warning("not a valid command name in %s: %r", code, translated)
        return None
    limit = _LIMITS.get(where)
    if limit is not None and len(translated) > limit:
        log.warning("longer than Discord allows in %s: %r", code, translated)
        return None
    return translated


class _Collector(app_commands.Translator):
    """Notes every string discord.py asks to translate (and translates none)."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        self.seen.setdefault(string.message, context.location.name)
        return None


async def command_strings(tree: app_commands.CommandTree[Any]) -> dict[str, str]:
    """Every name, description and choice of ``tree``'s commands that Discord can show
    translated, with where it stands (``command_name``...): what the catalogues must hold."""
    collector = _Collector()
    for command in tree.get_commands():
        await command.get_translated_payload(tree, collector)
    return collector.seen


def bind_interaction_language(client: discord.Client) -> None:
    """Run discord.py's parsing of each interaction in the interaction's language, so the
    tasks it starts for it (command, autocomplete, button, menu, form) build their answers in
    it: each task copies the context it was started in (``bot.core.i18n``)."""
    parsers: dict[str, Any] = client._connection.parsers
    original = parsers["INTERACTION_CREATE"]

    def parse(data: Any) -> None:
        tag = data.get("locale") if isinstance(data, dict) else None
        with reading_in(tag if isinstance(tag, str) else None):
            original(data)

    parsers["INTERACTION_CREATE"] = parse
