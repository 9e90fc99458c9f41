"""The base of every button and menu whose custom id is an answer's ``ViewState``
(``bot.core.render.state``): the page buttons, the section menu and Report an error; and
``view_of``, which sends an answer's components as the core describes them, for those items
to answer.

discord.py builds a ``DynamicItem`` from its custom id with ``from_custom_id``; here that is
written once, so each item says only what it matches (its ``template``) and what it does.

Each subclass is known here once it is defined (``StateItem.__init_subclass__``), so
``view_of`` checks that a class answers each component, by its custom id, without importing
the features that define them (the page buttons in ``components``, Report an error in
moderation): the reply path (``respond``) sends answers' components and those items'
callbacks answer through it, and neither imports the other's module for it."""

from __future__ import annotations

import re
from typing import Any, Generic, Self, TypeVar

import discord

from bot.core.render.state import ViewState, parse_custom_id

__all__ = ["StateItem", "view_of"]

ItemT = TypeVar("ItemT", bound=discord.ui.Item[Any])


# The base's own template matches nothing; only its subclasses are registered, with theirs.
class StateItem(discord.ui.DynamicItem[ItemT], Generic[ItemT], template=re.compile(r"(?!)")):
    """A ``DynamicItem`` carrying the ``ViewState`` its custom id encodes."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _KINDS.append(cls)
        _BY_ACTION.clear()

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


_KINDS: list[type[StateItem[Any]]] = []  # every subclass, as defined
_BY_ACTION: dict[str, type[StateItem[Any]] | None] = {}  # the subclass taking each action


def _kind(state: ViewState, custom_id: str) -> type[StateItem[Any]] | None:
    """The item class whose template matches ``custom_id``. The templates differ only in the
    action they take, so the answer is kept per action."""
    try:
        return _BY_ACTION[state.action]
    except KeyError:
        found = next(
            (k for k in _KINDS if k.__discord_ui_compiled_template__.fullmatch(custom_id)), None
        )
        _BY_ACTION[state.action] = found
        return found


class AnswerComponents(discord.ui.View):
    """An answer's components sent as the core describes them (Discord's own JSON rows of
    buttons and select menus), each one a ``StateItem``'s custom id.

    Nothing of it is dispatched: a press is routed by the ``StateItem`` classes the client
    registers (``add_dynamic_items``), by custom id, to an item rebuilt from the message. So
    the view is stopped before it is sent (discord.py keeps nothing of it, and starts no
    timeout for it), and its items are never built: building them, then their dicts from
    them, was about 0.1 ms of an answer's 0.7-1.0 ms of CPU under load
    (``bench.discord_bench``)."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        super().__init__(timeout=None)
        self._rows = rows
        self.stop()

    def to_components(self) -> list[dict[str, Any]]:
        return self._rows


def view_of(components: list[dict[str, Any]]) -> discord.ui.View | None:
    """The view of the components a core reply describes, keeping only those a
    ``StateItem`` subclass answers (by its custom id): a component no class would answer is
    left out rather than sent dead."""
    rows = []
    for action_row in components:
        kept = [
            spec
            for spec in action_row["components"]
            if (state := parse_custom_id(spec["custom_id"])) is not None
            and _kind(state, spec["custom_id"]) is not None
        ]
        if kept:
            rows.append({**action_row, "components": kept})
    return AnswerComponents(rows) if rows else None
