"""Find sources: a message's words (no links, code, mentions) looked up in the store, answered
privately with the best sourced matches or a plain "nothing", and a Post button that shares
the answer; on every backend for the finder, through the fake Discord and the console."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest

from bot.adapters.console import Console
from bot.adapters.discord.client import FactBot
from bot.adapters.discord.reading.findsources_cog import POST, POSTED
from bot.app import App
from bot.core.errors import Invalid
from bot.core.models import Fact
from bot.core.ports import Store
from bot.core.reading.findsources import SourceFinder, claim_terms, message_words
from bot.core.reading.service import FactService
from tests.fakediscord import FakeDiscord, InvocationError

CLAIM = "Apparently SCO trade hit 890 billion dollars last year"
NOISY = (
    f"<@123> {CLAIM}! see https://example.com/890-billion?x=1 and <#456> "
    "```python\nprint('Belarus joined in 1999')\n``` `inline Astana` <:sco:789> @everyone"
)
NOTHING = "I had pizza for lunch with my cat, it was lovely"


def test_only_the_messages_words_are_kept() -> None:
    words = message_words(NOISY)
    assert CLAIM in words
    for gone in ("https", "example", "123", "456", "print", "Belarus", "Astana", "789", "everyone"):
        assert gone not in words
    assert claim_terms(words)[:4] == ["apparently", "trade", "hit", "890"]
    assert "sco" not in claim_terms(words) and "last" in claim_terms(words)
    long = "word " * 3000 + CLAIM
    assert len(message_words(long)) <= 4000


async def test_the_finder_matches_claims_on_every_backend(curated_store: Store) -> None:
    finder = SourceFinder(curated_store, FactService(curated_store))
    found = await finder.find(NOISY)
    assert found.hits and isinstance(found.hits[0].entry, Fact)
    assert "890" in found.hits[0].entry.text
    assert all(c.source in found.sources for h in found.hits for c in h.entry.citations)
    assert (await finder.find(NOTHING)).hits == []
    joined = await finder.find("When did Belarus join? I think it was in 2024 in Astana.")
    assert {h.key for h in joined.hits} >= {"belarus", "2024"}
    # A long message: its claim is found past filler that matches nothing.
    assert (await finder.find("blah " * 700 + CLAIM)).hits[0].key == found.hits[0].key
    with pytest.raises(Invalid):
        await finder.find("<@1> https://example.com ```code``` the SCO")


@pytest.fixture
async def fake(app: App) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord.running() as running:
        running.add_guild(name="SCO fans", channels=["general"])
        async with running.client(FactBot(app)):
            yield running


async def test_find_sources_answers_privately_and_post_shares_it(fake: FakeDiscord) -> None:
    menu = next(c for c in fake.commands[None] if c["type"] == 3)
    assert menu["name"] == "Find sources"
    assert menu["integration_types"] == [0, 1] and menu["contexts"] == [0, 1, 2]
    general = next(iter(fake.guilds.values())).channel("general")
    said = fake.post_user_message(general, NOISY)

    reply = await fake.message_command("Find sources", said["id"])
    assert reply.type == 4 and reply.ephemeral
    embed = reply.embeds[0]
    assert embed["title"] == "Find sources"
    assert "890 billion" in embed["description"] and embed["fields"][-1]["name"] == "Sources"
    assert reply.custom_ids[0] == POST and reply.custom_ids[1].startswith("report:page:")
    assert reply.callback["data"]["allowed_mentions"] == {"parse": []}
    before = len(fake.channel_messages[general.id])

    posted = await fake.press(reply, POST, followups=1)
    assert posted.type == 7 and reply.message is not None
    assert [c["custom_id"] for c in reply.message["components"][0]["components"]] == [POSTED]
    public = posted.followups[0]
    assert not public["flags"] & 64 and public["embeds"][0]["description"] == embed["description"]
    assert len(fake.channel_messages[general.id]) == before + 1  # everyone sees it now
    sent = fake.requests_to("POST", r"/webhooks/\d+/[^/]+$")[-1].json
    assert sent["allowed_mentions"] == {"parse": []}
    with pytest.raises(InvocationError):
        await fake.press(reply, POSTED)  # once


async def test_find_sources_says_plainly_when_the_store_has_nothing(fake: FakeDiscord) -> None:
    general = next(iter(fake.guilds.values())).channel("general")
    reply = await fake.message_command("Find sources", fake.post_user_message(general, NOTHING))
    assert reply.ephemeral and "The store has nothing on this message" in str(reply.embeds)
    assert reply.custom_ids == []  # nothing to post
    empty = await fake.message_command(
        "Find sources", fake.post_user_message(general, "https://example.com <@1>")
    )
    assert empty.ephemeral and "no words to look up" in str(empty.embeds)


async def test_find_sources_in_a_server_without_the_bot(fake: FakeDiscord) -> None:
    foreign = fake.add_guild(name="Elsewhere", bot_installed=False)
    said = fake.post_user_message(foreign.channel("general"), CLAIM)
    with pytest.raises(InvocationError):
        await fake.message_command("Find sources", said["id"])
    fake.install_for_user()
    reply = await fake.message_command("Find sources", said["id"])
    assert reply.ephemeral and "890 billion" in str(reply.embeds)
    posted = await fake.press(reply, POST, followups=1)
    assert posted.interaction["authorizing_integration_owners"] == {"1": str(fake.default_user.id)}
    assert not posted.followups[0]["flags"] & 64


async def test_console_findsources(app: App) -> None:
    out = io.StringIO()
    console = Console(app.facts, out=out, finder=app.finder)
    assert await console.run_lines([f"/findsources {CLAIM}"]) == 0
    assert "== Find sources ==" in out.getvalue() and "890 billion" in out.getvalue()
    assert await console.run_lines([f"/findsources {NOTHING}"]) == 0
    assert "The store has nothing on this message" in out.getvalue()
    assert await console.run_lines(["/findsources"]) == 1  # the text is required
