"""The translation catalogues (``bot/locale``): what they must hold, and keeping them current.

Two kinds of strings are translated. The answers' fixed strings are marked in the code with
``_()``, ``N_()`` and ``ngettext()`` and found by Babel's Python extractor (as ``pybabel
extract`` would find them). The commands' names, descriptions and choices are plain strings
in discord.py's decorators, which discord.py hands to the tree's translator as it builds the
payload it syncs: they are read off the command tree the bot builds when it starts
(``bot.adapters.discord.locale.command_strings``).

``python -m bot catalogues`` writes ``bot/locale/messages.pot`` from both and merges it into
each language's ``messages.po`` (new strings untranslated, gone ones dropped), as ``pybabel
update`` does; then translate what is new. ``tests/test_i18n.py`` fails while a string has
no translation in either catalogue.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.core.i18n import CATALOGUE_DIR, LANGUAGES

__all__ = ["answer_strings", "command_strings", "template", "update_catalogues"]

PACKAGE = Path(__file__).resolve().parent
PROJECT = "sco-fact-bot"


def answer_strings() -> Iterable[tuple[str | tuple[str, ...], str, int, list[str]]]:
    """(message, file, line, comments for the translator) of every string marked for
    translation in ``bot/``; a plural is the (singular, plural) pair."""
    for filename, line, message, comments, _context in extract_from_dir(
        PACKAGE,
        method_map=[("**.py", "python")],
        keywords=DEFAULT_KEYWORDS,
        comment_tags=("TRANSLATORS:",),
    ):
        yield message, f"bot/{filename}", line, comments


async def command_strings() -> dict[str, str]:
    """The commands' names, descriptions and choices (with where each stands), read off the
    command tree of a bot built as it starts, on a throwaway store, without logging in."""
    from bot.adapters.discord.client import FactBot
    from bot.adapters.discord.locale import command_strings as collect
    from bot.app import build_app
    from bot.settings import Settings

    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            database_url=f"sqlite:///{folder}/catalogues.db",
            command_hash_file=Path(folder) / "hash",
            metrics_port=None,
        )
        async with build_app(settings) as app, FactBot(app, sync_on_start=False) as bot:
            await bot.setup_hook()
            await asyncio.sleep(0)
            return await collect(bot.tree)


def template(commands: dict[str, str]) -> Catalog:
    """The ``.pot``: every answer string and every command string."""
    catalog = Catalog(project=PROJECT, charset="utf-8")
    for message, filename, line, comments in answer_strings():
        catalog.add(message, locations=[(filename, line)], auto_comments=comments)
    for message, where in commands.items():
        # A name must stay one lowercase word (Discord's rule): the comment says so.
        comment = f"Discord {where.replace('_', ' ')}"
        if where.endswith("_name") and where != "choice_name":
            comment += ": lowercase, no spaces, at most 32 characters"
        catalog.add(message, auto_comments=[comment])
    return catalog


def update_catalogues(pot: Catalog, folder: Path = CATALOGUE_DIR) -> list[Path]:
    """Write ``messages.pot`` and merge it into each language's ``messages.po``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "messages.pot"]
    with written[0].open("wb") as out:
        write_po(out, pot, width=100, omit_header=False, sort_output=False)
    for code in LANGUAGES:
        path = folder / code / "LC_MESSAGES" / "messages.po"
        if path.exists():
            with path.open("rb") as existing:
                catalog = read_po(existing, locale=code)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=code, project=PROJECT, charset="utf-8")
        catalog.update(pot, no_fuzzy_matching=True)
        with path.open("wb") as out:
            write_po(out, catalog, width=100, ignore_obsolete=True, include_previous=False)
        written.append(path)
    return written


def main() -> int:
    commands = asyncio.run(command_strings())
    for path in update_catalogues(template(commands)):
        print(path)
    return 0
