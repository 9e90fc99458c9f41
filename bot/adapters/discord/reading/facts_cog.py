"""The read commands: /member /summit /quote /search /fact /source /about.

Each handler reads its options, calls one service method, renders and responds. Failures are
raised, not caught: ``FactTree.on_error`` answers them.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord.installs import everywhere, scope
from bot.adapters.discord.respond import send_reply
from bot.core.reading.service import MAX_QUERY_LENGTH, Completion, FactService
from bot.core.render.memo import RenderedReplies

__all__ = ["FactsCog"]

log = logging.getLogger(__name__)
Choices = list[app_commands.Choice[str]]


def _choices(pairs: list[tuple[str, str]]) -> Choices:
    return [app_commands.Choice(name=name[:100], value=value[:100]) for value, name in pairs[:25]]


class FactsCog(commands.Cog):
    def __init__(self, facts: FactService) -> None:
        self.facts = facts
        self.render = RenderedReplies()

    async def _answer(self, interaction: discord.Interaction[Any], answer: object) -> None:
        await send_reply(interaction, self.render(answer))

    async def _complete(
        self, interaction: discord.Interaction[Any], option: Completion, current: str
    ) -> Choices:
        # discord.py only logs autocomplete exceptions; answer an empty list instead of nothing.
        try:
            found = await self.facts.complete(option, current, scope(interaction))
        except Exception:
            log.exception("autocomplete for %s failed", option)
            return []
        return _choices([(c.key, c.name) for c in found])

    @everywhere
    @app_commands.command(name="member", description="A member state, or the whole membership")
    @app_commands.describe(country="Name, official name or alias, in any language (e.g. Belarus)")
    async def member(
        self, interaction: discord.Interaction[Any], country: str | None = None
    ) -> None:
        await self._answer(interaction, await self.facts.member(country, scope(interaction)))

    @member.autocomplete("country")
    async def _country(self, interaction: discord.Interaction[Any], current: str) -> Choices:
        return await self._complete(interaction, Completion.COUNTRY, current)

    @everywhere
    @app_commands.command(name="summit", description="A summit by year, or every recorded summit")
    @app_commands.describe(year="The summit's year, e.g. 2024")
    async def summit(
        self,
        interaction: discord.Interaction[Any],
        year: app_commands.Range[int, 1990, 2100] | None = None,
    ) -> None:
        await self._answer(interaction, await self.facts.summit(year, scope(interaction)))

    @summit.autocomplete("year")
    async def _year(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[int]]:
        try:
            years = await self.facts.summit_years(scope(interaction))
        except Exception:
            log.exception("year autocomplete failed")
            return []
        typed = str(current).strip()
        return [
            app_commands.Choice(name=str(y), value=y) for y in years if str(y).startswith(typed)
        ][:25]

    @everywhere
    @app_commands.command(name="quote", description="Quotes of a person, or a random quote")
    @app_commands.describe(person="Name or slug, e.g. fan-xianrong")
    async def quote(self, interaction: discord.Interaction[Any], person: str | None = None) -> None:
        await self._answer(interaction, await self.facts.quote(person, scope(interaction)))

    @quote.autocomplete("person")
    async def _person(self, interaction: discord.Interaction[Any], current: str) -> Choices:
        return await self._complete(interaction, Completion.PERSON, current)

    @everywhere
    @app_commands.command(name="search", description="Search every fact, quote and entry")
    @app_commands.describe(query="Words to find, e.g. 890 billion")
    async def search(
        self,
        interaction: discord.Interaction[Any],
        query: app_commands.Range[str, 1, MAX_QUERY_LENGTH],
    ) -> None:
        await self._answer(interaction, await self.facts.search(query, scope(interaction)))

    @everywhere
    @app_commands.command(name="fact", description="A random sourced fact, optionally on a topic")
    @app_commands.describe(topic="A topic such as trade, security or culture")
    async def fact(self, interaction: discord.Interaction[Any], topic: str | None = None) -> None:
        await self._answer(interaction, await self.facts.fact(topic, scope(interaction)))

    @fact.autocomplete("topic")
    async def _topic(self, interaction: discord.Interaction[Any], current: str) -> Choices:
        return await self._complete(interaction, Completion.TOPIC, current)

    @everywhere
    @app_commands.command(name="source", description="A source document, or the list of sources")
    @app_commands.describe(id="The source's id or title")
    async def source(self, interaction: discord.Interaction[Any], id: str | None = None) -> None:
        await self._answer(interaction, await self.facts.source(id, scope(interaction)))

    @source.autocomplete("id")
    async def _source(self, interaction: discord.Interaction[Any], current: str) -> Choices:
        return await self._complete(interaction, Completion.SOURCE, current)

    @everywhere
    @app_commands.command(name="about", description="What this bot is and how to use it")
    async def about(self, interaction: discord.Interaction[Any]) -> None:
        await self._answer(interaction, await self.facts.about(scope(interaction)))
