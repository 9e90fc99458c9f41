"""The base of every button and menu whose custom id is an answer's ``ViewState``
(``bot.core.render.state``): the page buttons, the section menu and Report an error; and
``view_of``, which builds an answer's components as those items.

discord.py builds a ``DynamicItem`` from its custom id with ``from_custom_id``; here that is
written once, so each item says only what it matches (its ``template``) and what it does.

Each subclass is known here once it is defined (``StateItem.__init_subclass__``), so
``view_of`` picks the class of each component by its custom id without importing the features
that define them (the page buttons in ``components``, Report an error in moderation): the
reply path (``respond``) builds answers' components and those items' callbacks answer through
it, and neither imports the other's module for it."""

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


_OPTIONS: dict[tuple[tuple[str, str, bool], ...], tuple[discord.SelectOption, ...]] = {}
_OPTIONS_KEPT = 4096  # distinct section menus remembered (an answer's sections, per language)


def _select_options(options: list[dict[str, Any]]) -> list[discord.SelectOption]:
    """The section menu's options, built once per distinct menu: every reader of an answer
    gets the same ones, and building them was most of ``view_of``'s cost. Sharing them is
    safe: discord.py only reads a ``SelectOption`` (``to_dict``) when it sends a menu, and a
    pressed menu is rebuilt from the message (``DynamicItem``), never from these; each menu
    gets its own list, so an ``append_option`` reaches no other."""
    key = tuple((o["label"], o["value"], bool(o.get("default", False))) for o in options)
    built = _OPTIONS.get(key)
    if built is None:
        if len(_OPTIONS) >= _OPTIONS_KEPT:
            _OPTIONS.clear()
        built = _OPTIONS[key] = tuple(
            discord.SelectOption(label=label, value=value, default=default)
            for label, value, default in key
        )
    return list(built)


def view_of(components: list[dict[str, Any]]) -> discord.ui.View | None:
    """A view of the components a core reply describes (rows of buttons and select menus),
    each one the ``StateItem`` subclass its custom id names.

    Only ``DynamicItem``s are sent, so discord.py's view store keeps nothing of the view
    (``ViewStore.add_view`` stores only items that are not dynamic): a press is routed by the
    classes the client registers (``add_dynamic_items``), by custom id, to an item rebuilt
    from the message, never to this view."""
    if not components:
        return None
    view = discord.ui.View(timeout=None)
    for row, action_row in enumerate(components):
        for spec in action_row["components"]:
            custom_id = spec["custom_id"]
            state = parse_custom_id(custom_id)
            kind = _kind(state, custom_id) if state is not None else None
            if state is None or kind is None:
                continue
            item: discord.ui.Item[Any]
            if spec["type"] == 3:
                item = discord.ui.Select(
                    custom_id=custom_id,
                    placeholder=spec.get("placeholder"),
                    options=_select_options(spec["options"]),
                    row=row,
                )
            else:
                item = discord.ui.Button(
                    custom_id=custom_id,
                    label=spec["label"],
                    style=discord.ButtonStyle(spec.get("style", 2)),
                    disabled=spec.get("disabled", False),
                    row=row,
                )
            view.add_item(kind(item, state))
    return view
