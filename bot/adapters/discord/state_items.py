"""The base of every button and menu whose custom id is an answer's ``ViewState``
(``bot.core.render.state``): the page buttons, the section menu and Report an error.

discord.py builds a ``DynamicItem`` from its custom id with ``from_custom_id``; here that is
written once, so each item says only what it matches (its ``template``) and what it does."""

from __future__ import annotations

import re
from typing import Any, Generic, Self, TypeVar

import discord

from bot.core.render.state import ViewState, parse_custom_id

__all__ = ["StateItem"]

ItemT = TypeVar("ItemT", bound=discord.ui.Item[Any])


# The base's own template matches nothing; only its subclasses are registered, with theirs.
class StateItem(discord.ui.DynamicItem[ItemT], Generic[ItemT], template=re.compile(r"(?!)")):
    """A ``DynamicItem`` carrying the ``ViewState`` its custom id encodes."""

    def __init__(self, item: ItemT, state: ViewState) -> None:
        super().__init__(item)
        self.state = state

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        state = parse_custom_id(match.group(0))
        assert state is not None  # the subclass's template matched: a state's custom id
        return cls(item, state)  # type: ignore[arg-type]  # discord.py built it from the id
