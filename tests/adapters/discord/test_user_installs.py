"""User installs: the read-only commands follow a user who added the app to their account into
DMs, group DMs and servers the bot is not in; moderation, digests and settings stay with
servers that installed the bot. Where the bot is not installed, answers read the curated store
only and say nothing of that server's entries."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.adapters.discord.client import FactBot
from bot.app import App
from bot.core.models import Kind
from bot.core.moderation.drafts import Draft
from bot.core.permissions import MANAGE_GUILD, Member
from tests.fakediscord import FakeDiscord, FakeGuild, InvocationError

READ = {"member", "summit", "quote", "search", "fact", "source", "about"}
SERVER_ONLY = {"entry", "suggest", "config", "digest"}
ZEBRA = "A zebra crossing fact recorded only by one server in 2024."


@pytest.fixture
async def fake(app: App) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord.running() as running:
        running.add_guild(name="Home", channels=["general"])
        async with running.client(FactBot(app)):
            yield running


async def _server_entry(app: App, guild_id: int) -> None:
    mod = Member.of(1, "Alice", guild_id, MANAGE_GUILD)
    draft = Draft(Kind.FACT, ZEBRA, "https://example.org/zebra", "An excerpt of the page.")
    await app.moderation.entries.add(mod, draft)


def _shown(reply_embeds: list[dict[str, object]]) -> str:
    return str(reply_embeds)


async def test_read_commands_install_anywhere_moderation_stays_in_servers(
    fake: FakeDiscord,
) -> None:
    by_name = {c["name"]: c for c in fake.commands[None]}
    for name in READ:
        assert by_name[name]["integration_types"] == [0, 1], name
        assert by_name[name]["contexts"] == [0, 1, 2], name
    for name in SERVER_ONLY:
        assert by_name[name]["integration_types"] == [0], name
        assert by_name[name]["contexts"] == [0], name


async def test_a_user_install_answers_in_a_foreign_server_from_the_curated_store_only(
    app: App, fake: FakeDiscord
) -> None:
    # A server that once had the bot (its entries are still stored) and removed it.
    foreign: FakeGuild = fake.add_guild(name="Elsewhere", bot_installed=False)
    await _server_entry(app, foreign.id)
    home = next(g for g in fake.guilds.values() if g.bot_installed)
    await _server_entry(app, home.id)

    at_home = await fake.invoke("search", {"query": "zebra crossing"}, guild=home)
    assert "zebra crossing" in _shown(at_home.embeds)  # the server's own entry, where installed

    with pytest.raises(InvocationError, match="not installed"):
        await fake.invoke("search", {"query": "zebra crossing"}, guild=foreign)
    fake.install_for_user()
    reply = await fake.invoke("search", {"query": "zebra crossing"}, guild=foreign)
    assert reply.interaction["authorizing_integration_owners"] == {"1": str(fake.default_user.id)}
    assert reply.type == 4 and not reply.ephemeral
    assert ZEBRA not in _shown(reply.embeds) and not reply.embeds[0].get("fields")
    assert "Added by this server" not in _shown(reply.embeds)
    assert "/entry" not in _shown(reply.embeds)  # nothing of server entries where none apply
    assert reply.callback["data"]["allowed_mentions"] == {"parse": []}

    about = await fake.invoke("about", guild=foreign)
    entries = next(f for f in about.embeds[0]["fields"] if f["name"] == "Entries")["value"]
    assert f"{await app.store.count(Kind.FACT)} facts" in entries  # curated count, no +1
    found = await fake.autocomplete("member", "country", "bela", guild=foreign)
    assert found.choices[0]["value"] == "belarus"
    assert not fake.requests_to("POST", r"/channels/\d+/messages")  # never posts in their channels

    # Installed both ways: in a server that installed the bot, the server's entries show.
    both = await fake.invoke("search", {"query": "zebra crossing"}, guild=home)
    owners = both.interaction["authorizing_integration_owners"]
    assert owners == {"0": str(home.id), "1": str(fake.default_user.id)}
    assert "zebra crossing" in _shown(both.embeds)


async def test_a_user_install_answers_in_group_dms_and_the_bots_dm(fake: FakeDiscord) -> None:
    with pytest.raises(InvocationError, match="not installed"):
        await fake.invoke("fact", private=True)
    fake.install_for_user()
    group = await fake.invoke("fact", private=True)
    assert group.type == 4 and group.embeds[0]["title"].startswith("Did you know?")
    assert group.interaction["context"] == 2
    dm = await fake.invoke("summit", {"year": 2024}, dm=True)
    assert dm.embeds[0]["title"].startswith("2024")


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("entry history", {"id": "s1"}),
        ("digest show", {}),
        ("config moderator-role", {}),
        ("suggest", {}),
    ],
)
async def test_server_commands_are_not_offered_outside_installed_servers(
    fake: FakeDiscord, command: str, options: dict[str, object]
) -> None:
    fake.install_for_user()
    foreign = fake.add_guild(name="Elsewhere", bot_installed=False)
    for where in ({"guild": foreign}, {"dm": True}, {"private": True}):
        with pytest.raises(InvocationError):
            await fake.invoke(command, options, permissions=MANAGE_GUILD, **where)
