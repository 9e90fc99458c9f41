"""Answers' sections, pages and excerpts, end to end through the fake Discord: the menu and
buttons keep their state in their custom ids, so they work after a restart, and only the
person who asked turns the pages."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.adapters.discord.client import FactBot
from bot.app import App
from bot.core.render.state import parse_custom_id
from tests.fakediscord import FakeDiscord
from tests.fakediscord.reply import Reply


@pytest.fixture
async def fake(app: App) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord.running() as running:
        running.add_guild(name="SCO fans", channels=["general"])
        yield running


def _button(reply: Reply, label: str) -> str:
    message = reply.message
    assert message is not None
    for row in message["components"]:
        for component in row["components"]:
            if component.get("label") == label:
                return str(component["custom_id"])
    raise AssertionError(f"no {label!r} button on the message")


def _menu(reply: Reply) -> dict[str, object]:
    message = reply.message
    assert message is not None
    menus = [c for row in message["components"] for c in row["components"] if c["type"] == 3]
    assert len(menus) == 1
    return menus[0]


def _footer(reply: Reply) -> str:
    message = reply.message
    assert message is not None
    return str(message["embeds"][0].get("footer", {}).get("text", ""))


async def test_sections_pages_and_excerpts_survive_a_restart(app: App, fake: FakeDiscord) -> None:
    async with fake.client(FactBot(app)):
        reply = await fake.invoke("summit", {"year": 2025})
        menu = _menu(reply)
        labels = [o["label"] for o in menu["options"]]  # type: ignore[union-attr]
        assert labels[0] == "Overview" and labels[-1] == "Sources"
        assert any(label.startswith("Facts (") for label in labels)

    # The first process is gone, and with it its gateway session (the fake would otherwise
    # hold events for it to resume); a new client process has nothing of its memory.
    for session in fake.gateway.sessions.values():
        session.invalid = True
    async with fake.client(FactBot(app)):
        facts = await fake.press(reply, str(menu["custom_id"]), values=["f"])
        assert facts.type == 7
        footer = _footer(reply)
        assert footer.startswith("Page 1/") and footer.endswith(" facts")
        pages = int(footer.split("/")[1].split(" ")[0])
        assert pages > 3  # First and Last are offered
        first_page = reply.message["embeds"][0]["description"]  # type: ignore[index]

        turned = await fake.press(reply, _button(reply, "Next"))
        assert turned.type == 7 and _footer(reply).startswith("Page 2/")
        assert reply.message["embeds"][0]["description"] != first_page  # type: ignore[index]
        await fake.press(reply, _button(reply, "Last"))
        assert _footer(reply).startswith(f"Page {pages}/{pages}")
        await fake.press(reply, _button(reply, "First"))
        assert _footer(reply).startswith("Page 1/")

        excerpts = await fake.press(reply, _button(reply, "Excerpts"))
        assert excerpts.type == 4 and excerpts.ephemeral
        fields = excerpts.embeds[0]["fields"]
        assert fields and all(f["value"].startswith("> ") for f in fields)
        # Each excerpt is verbatim one of the excerpts behind the items of that page.
        answer = await app.facts.summit(2025)
        verbatim = {c.excerpt for e in [*answer.facts, *answer.quotes] for c in e.citations}
        verbatim |= {c.excerpt for c in answer.summit.citations}
        shown = {
            block.removeprefix("> ").replace("\\", "")
            for f in fields
            for block in f["value"].split("\n\n")
        }
        assert shown <= {" ".join(v.split()) for v in verbatim}


async def test_only_the_asker_turns_the_pages(app: App, fake: FakeDiscord) -> None:
    async with fake.client(FactBot(app)):
        reply = await fake.invoke("quote", {"person": "xi-jinping"})
        menu = _menu(reply)
        state = parse_custom_id(str(menu["custom_id"]))
        assert state is not None and state.owner == fake.default_user.id
        before = reply.message["embeds"][0]  # type: ignore[index]

        intruder = fake.add_user("intruder")
        refused = await fake.press(reply, str(menu["custom_id"]), values=["q"], user=intruder)
        assert refused.type == 4 and refused.ephemeral
        assert "Only the person who asked" in str(refused.callback)
        assert reply.message["embeds"][0] == before  # type: ignore[index]

        # Excerpts are anyone's to read, privately.
        seen = await fake.press(reply, _button(reply, "Excerpts"), user=intruder)
        assert seen.type == 4 and seen.ephemeral

        mine = await fake.press(reply, str(menu["custom_id"]), values=["q"])
        assert mine.type == 7 and _footer(reply).startswith("Page 1/")
        assert _footer(reply).endswith(" quotes")


async def test_the_add_an_entry_hint_goes_to_moderators_only(app: App, fake: FakeDiscord) -> None:
    async with fake.client(FactBot(app)):
        member = await fake.invoke("member", {"country": "atlantis"})
        owner = await fake.invoke("member", {"country": "atlantis"}, user=fake.owner)
    for reply in (member, owner):
        assert reply.ephemeral and "Members: Belarus, China" in reply.embeds[0]["description"]
    assert "/entry add" not in member.embeds[0]["description"]
    assert "/entry add" in owner.embeds[0]["description"]


async def test_two_readers_of_one_answer_each_turn_only_their_own_message(
    app: App, fake: FakeDiscord
) -> None:
    """The second reader's menu is built from the same cached answer and shares its options
    (``state_items._select_options``): each message still carries its own reader, and each
    choice edits only the message it was made on."""
    async with fake.client(FactBot(app)):
        other = fake.add_user("other")
        first = await fake.invoke("summit", {"year": 2025})
        second = await fake.invoke("summit", {"year": 2025}, user=other)
        first_menu, second_menu = _menu(first), _menu(second)
        assert first_menu["options"] == second_menu["options"]
        owners = [parse_custom_id(str(m["custom_id"])) for m in (first_menu, second_menu)]
        assert [s.owner if s else None for s in owners] == [fake.default_user.id, other.id]

        turned = await fake.press(second, str(second_menu["custom_id"]), values=["f"], user=other)
        assert turned.type == 7 and _footer(second).endswith(" facts")
        assert not _footer(first).endswith(" facts")  # the first reader's message is untouched
        chosen = _menu(second)["options"]
        assert [o["default"] for o in chosen if o["value"] == "f"] == [True]  # type: ignore[union-attr]
        assert [o["default"] for o in _menu(first)["options"] if o["value"] == "f"] == [False]  # type: ignore[union-attr]

        refused = await fake.press(first, str(first_menu["custom_id"]), values=["f"], user=other)
        assert refused.type == 4 and "Only the person who asked" in str(refused.callback)
        mine = await fake.press(first, str(first_menu["custom_id"]), values=["q"])
        assert mine.type == 7 and _footer(first).endswith(" quotes")
        assert _footer(second).endswith(" facts")
