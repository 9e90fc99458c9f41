"""Buttons, selects and forms through the running bot (issue 13): counted in ``/metrics`` by
family and outcome, read with a real HTTP client; and the ``/stats`` menu bound to its server.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.adapters.discord.client import FactBot
from bot.adapters.discord.usage.stats_cog import GAP_SELECT
from bot.app import App
from bot.settings import Settings
from tests.adapters.discord.test_faults_e2e import FACT, text_of
from tests.adapters.http.test_ops_http import _get, _sample
from tests.fakediscord import FakeDiscord
from tests.fakediscord.interactions import MESSAGE_COMPONENT
from tests.fakediscord.reply import Reply


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        discord_token="fake-token",
        database_url="sqlite:///:memory:",
        command_hash_file=tmp_path / "command-hash",
        metrics_port=0,
    )


@pytest.fixture
async def running(app: App) -> AsyncIterator[tuple[FakeDiscord, FactBot]]:
    async with FakeDiscord.running() as fake:
        fake.add_guild(name="SCO fans", channels=["general"])
        fake.add_guild(name="Elsewhere", channels=["lobby"])
        bot = FactBot(app)
        async with fake.client(bot):
            yield fake, bot


async def _counted(bot: FactBot, family: str, outcome: str, expected: float) -> str:
    """The exposition once ``family`` has been counted ``expected`` times with ``outcome`` (a
    component is counted when its handler's task ends, just after its answer)."""
    labels = {"command": family, "outcome": outcome}
    for _ in range(100):
        _, _, text = await _get(bot, "/metrics")
        if _sample(text, "scofactbot_interactions_total", **labels) >= expected:
            return text
        await asyncio.sleep(0.05)
    return text


def _custom_id(reply: Reply, prefix: str) -> str:
    return next(c for c in reply.custom_ids if c.startswith(prefix))


async def test_buttons_selects_and_forms_are_counted_by_family_and_outcome(
    running: tuple[FakeDiscord, FactBot],
) -> None:
    fake, bot = running
    answer = await fake.invoke("summit", {"year": 2024})
    excerpts = await fake.press(answer, _custom_id(answer, "sco:x:"))
    assert excerpts.ephemeral
    stranger = fake.add_user("stranger")
    menu = _custom_id(answer, "sco:s:")
    refused = await fake.press(answer, menu, values=["f"], user=stranger)
    assert "Only the person who asked" in text_of(refused)
    opened = await fake.invoke("entry add", {"kind": "fact"}, user=fake.owner)
    await fake.submit_modal(opened, FACT)
    opened = await fake.invoke("entry add", {"kind": "fact"}, user=fake.owner)
    await fake.submit_modal(opened, {**FACT, "text": "Zebra\x00 council"})  # refused: the NUL

    text = await _counted(bot, "form:entry", "user_error", 1)
    interactions = "scofactbot_interactions_total"
    assert _sample(text, interactions, command="button:excerpts", outcome="answered") == 1
    assert _sample(text, interactions, command="select:section", outcome="user_error") == 1
    assert _sample(text, interactions, command="form:entry", outcome="answered") == 1
    assert _sample(text, interactions, command="form:entry", outcome="user_error") == 1
    assert _sample(text, "scofactbot_answer_seconds_count", command="button:excerpts") == 1
    # No label carries a server, an owner or a page: only the families.
    labels = set(re.findall(r'command="([^"]*)"', text))
    assert not [label for label in labels if any(ch.isdigit() for ch in label)]


async def test_a_forged_custom_id_is_not_counted(running: tuple[FakeDiscord, FactBot]) -> None:
    fake, bot = running
    answer = await fake.invoke("summit", {"year": 2024})
    forged = {"custom_id": "made:up:12345", "component_type": 2}
    await fake.forge(MESSAGE_COMPONENT, forged, message=answer, wait=False)
    await fake.press(answer, _custom_id(answer, "sco:x:"))
    text = await _counted(bot, "button:excerpts", "answered", 1)
    assert "made" not in text and "12345" not in text


async def test_an_unexpected_error_in_a_button_counts_as_internal(
    running: tuple[FakeDiscord, FactBot], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, bot = running
    answer = await fake.invoke("summit", {"year": 2024})

    async def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(bot.app.facts, "answer", broken)
    apology = await fake.press(answer, _custom_id(answer, "sco:x:"))
    assert "apolog" in text_of(apology).casefold() or "went wrong" in text_of(apology)
    fake.log_errors.clear()  # the bot logged the error on purpose
    text = await _counted(bot, "button:excerpts", "internal_error", 1)
    internal = {"command": "button:excerpts", "outcome": "internal_error"}
    assert _sample(text, "scofactbot_interactions_total", **internal) == 1


# -- the /stats menu belongs to its server -----------------------------------------------------


async def test_a_stats_menu_press_from_another_server_is_refused(
    running: tuple[FakeDiscord, FactBot],
) -> None:
    fake, bot = running
    here, elsewhere = list(fake.guilds.values())
    await fake.invoke("member", {"country": "narnia"}, guild=here)  # a question with no answer
    await fake.wait_for(lambda: bot.fact_tree.in_flight == 0, "the command to be counted")
    await bot.app.usage.flush()
    stats = await fake.invoke("stats", user=fake.owner, guild=here)
    assert GAP_SELECT in stats.custom_ids
    pick = {"custom_id": GAP_SELECT, "component_type": 3, "values": ["0"]}
    replayed = await fake.forge(
        MESSAGE_COMPONENT, pick, user=fake.owner, guild=elsewhere, message=stats
    )
    assert replayed.type == 4 and replayed.ephemeral and replayed.modal is None
    assert "belongs to whoever opened /stats" in text_of(replayed)
    text = await _counted(bot, "select:stats:gap", "user_error", 1)
    refused = {"command": "select:stats:gap", "outcome": "user_error"}
    assert _sample(text, "scofactbot_interactions_total", **refused) == 1
    form = await fake.press(stats, GAP_SELECT, values=["0"], user=fake.owner)  # still works here
    assert form.type == 9 and form.modal is not None and "narnia" in str(form.modal).casefold()
