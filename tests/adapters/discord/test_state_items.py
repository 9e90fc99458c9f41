"""``bot.adapters.discord.state_items``: an answer's components go out as the core describes
them, discord.py keeps nothing of them, and a press still finds its item by custom id."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.adapters.console.answer import Console
from bot.adapters.discord.client import FactBot
from bot.adapters.discord.state_items import view_of
from bot.app import App
from tests.fakediscord import FakeDiscord


@pytest.fixture
async def running(app: App) -> AsyncIterator[tuple[FakeDiscord, FactBot]]:
    async with FakeDiscord.running() as fake:
        fake.add_guild(name="SCO fans", channels=["general"])
        bot = FactBot(app)
        async with fake.client(bot):
            yield fake, bot


def _view_timeouts() -> list[asyncio.Task[Any]]:
    """The tasks discord.py starts to time a stored view out."""
    return [t for t in asyncio.all_tasks() if "timeout_task" in repr(t.get_coro())]


async def test_the_components_sent_are_the_cores_and_leave_nothing_behind(
    running: tuple[FakeDiscord, FactBot], app: App
) -> None:
    fake, bot = running
    answer = await fake.invoke("summit", {"year": 2024})
    reply, ok = await Console(app.facts).answer("/summit 2024")
    assert ok
    described = reply.view(0, 0, owner=answer.user_id)["components"]
    assert answer.data["components"] == described
    assert _view_timeouts() == []
    assert bot._connection._view_store.persistent_views == []  # type: ignore[attr-defined]
    # A press still finds its item, rebuilt from the custom id.
    menu = next(c for c in answer.custom_ids if c.startswith("sco:s:"))
    turned = await fake.press(answer, menu, values=["f"])  # the Facts section
    assert turned.type == 7 and turned.data["embeds"] != answer.data["embeds"]
    excerpts = await fake.press(answer, next(c for c in answer.custom_ids if "sco:x:" in c))
    assert excerpts.ephemeral and "Excerpts" in str(excerpts.data["embeds"])


def test_a_component_no_item_answers_is_left_out() -> None:
    known = {"type": 2, "style": 2, "label": "Next", "custom_id": "sco:n:o:1:0:search:railway"}
    stray = {"type": 2, "style": 2, "label": "Stray", "custom_id": "elsewhere:1"}

    async def views() -> tuple[Any, ...]:
        return (
            view_of([{"type": 1, "components": [known, stray]}]),
            view_of([{"type": 1, "components": [stray]}]),
            view_of([]),
        )

    kept, none_kept, empty = asyncio.run(views())
    assert kept.to_components() == [{"type": 1, "components": [known]}]
    assert none_kept is None and empty is None
