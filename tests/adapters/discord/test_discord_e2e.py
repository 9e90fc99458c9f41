"""The real bot, end to end: an unmodified discord.py client against the loopback fake Discord.

Gateway event in, interaction callback out; every payload the bot sends is checked against
Discord's spec and limits by the fake (``assert_clean`` on exit).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from bot.adapters.discord.client import FactBot
from bot.app import App
from tests.conftest import curated_documents
from tests.fakediscord import FakeDiscord, InvocationError
from tests.fakediscord.reply import Reply
from tests.search_words import expected_hits

COMMANDS = {"member", "summit", "quote", "search", "fact", "source", "about", "digest"}
COMMANDS |= {
    "entry",
    "suggest",
    "config",
}  # moderation: tests/adapters/discord/moderation/test_moderation_e2e.py
COMMANDS |= {
    "Find sources"
}  # a message command: tests/adapters/discord/reading/test_findsources.py
COMMANDS |= {"timeline"}  # tests/adapters/discord/reading/test_timeline.py
COMMANDS |= {"stats"}  # usage: tests/adapters/discord/usage/test_stats.py


@pytest.fixture
async def fake(app: App) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord.running() as running:
        running.add_guild(name="SCO fans", channels=["general"])
        async with running.client(FactBot(app)):
            yield running


def _ephemeral_error(reply: Reply) -> str:
    assert reply.type == 4 and reply.ephemeral, reply.callback
    embed = reply.embeds[0]
    return embed["description"] + " ".join(f["value"] for f in embed.get("fields", []))


async def test_login_syncs_every_command_with_descriptions(fake: FakeDiscord) -> None:
    registered = fake.commands[None]
    assert {c["name"] for c in registered} == COMMANDS
    assert all(c["description"] for c in registered if c["type"] == 1)  # menus have none
    options = {o["name"]: o for c in registered for o in c.get("options", [])}
    assert options["year"]["type"] == 4  # integer
    assert options["query"]["max_length"] == 200
    assert all(o.get("description") for o in options.values())
    assert len(fake.requests_to("PUT", r"/applications/\d+/commands")) == 1


async def test_restart_with_unchanged_schema_does_not_sync_again(
    app: App, fake: FakeDiscord
) -> None:
    async with fake.client(FactBot(app)):
        pass
    assert len(fake.requests_to("PUT", r"/applications/\d+/commands")) == 1


@pytest.mark.parametrize(
    ("command", "options", "title"),
    [
        ("member", {"country": "belarus"}, "Belarus"),
        ("member", {"country": "Kyrgyz Republic"}, "Kyrgyzstan"),
        ("member", {}, "SCO membership"),
        ("summit", {"year": 2024}, "2024 Astana summit"),
        ("summit", {}, "SCO summits"),
        ("quote", {"person": "fan-xianrong"}, "Quotes: Fan Xianrong"),
        ("quote", {}, "A quote from"),
        ("search", {"query": "890 billion"}, "Search: 890 billion"),
        ("fact", {}, "Did you know?"),
        ("fact", {"topic": "trade"}, "Did you know? · trade"),
        ("source", {}, "Sources"),
        ("about", {}, "SCO Fact Bot"),
    ],
)
async def test_each_command_answers_publicly_with_a_cited_embed(
    fake: FakeDiscord, command: str, options: dict[str, object], title: str
) -> None:
    reply = await fake.invoke(command, options)
    assert reply.type == 4 and not reply.ephemeral
    embed = reply.embeds[0]
    assert embed["title"].startswith(title)
    if command not in {"about", "source", "summit"} or options:  # it states facts: footnoted
        sources = [f for f in embed.get("fields", []) if f["name"] == "Sources"]
        assert sources and sources[0]["value"].startswith("¹ ")
        assert "¹" in embed["description"]
    assert reply.callback["data"]["allowed_mentions"] == {"parse": []}


async def test_autocomplete_country_person_year_topic_source(fake: FakeDiscord) -> None:
    country = await fake.autocomplete("member", "country", "bela")
    assert country.choices[0]["value"] == "belarus"
    russian = await fake.autocomplete("member", "country", "Росс")
    assert russian.choices[0]["value"] == "russia"
    person = await fake.autocomplete("quote", "person", "fan xian")
    assert person.choices[0]["value"] == "fan-xianrong"
    years = await fake.autocomplete("summit", "year", "20")
    assert {c["value"] for c in years.choices} >= {2024, 2025}
    assert all(isinstance(c["value"], int) for c in years.choices)
    topic = await fake.autocomplete("fact", "topic", "secu")
    assert topic.choices[0]["value"] == "security"
    everyone = await fake.autocomplete("quote", "person", "")
    assert 0 < len(everyone.choices) <= 25
    source = await fake.autocomplete("source", "id", "xinhua")
    assert source.choices[0]["value"].startswith("xinhua")


@pytest.mark.parametrize(
    ("command", "options", "expected"),
    [
        ("member", {"country": "narnia"}, "No country called"),
        ("member", {"country": "belarrus"}, ""),  # a typo is forgiven: see below
        ("member", {"country": "<@123456789>"}, "mention"),
        ("member", {"country": "@everyone"}, "mention"),
        ("summit", {"year": 2017}, "Nothing is recorded about a summit in 2017"),
        ("quote", {"person": "nobody atall"}, "No person called"),
        ("search", {"query": '"" *** ()'}, "at least one word"),
        ("fact", {"topic": "zzqqxx"}, "No topic called"),
        ("source", {"id": "nope"}, "No source called"),
    ],
)
async def test_bad_input_gets_a_clear_private_answer(
    fake: FakeDiscord, command: str, options: dict[str, object], expected: str
) -> None:
    reply = await fake.invoke(command, options)
    if not expected:
        assert reply.type == 4 and not reply.ephemeral
        return
    assert expected in _ephemeral_error(reply)


async def test_unknown_summit_year_lists_the_recorded_ones(fake: FakeDiscord) -> None:
    text = _ephemeral_error(await fake.invoke("summit", {"year": 2017}))
    assert "2024" in text and "2025" in text


@pytest.mark.parametrize(
    "query",
    ["railway AND", "-railway", '"890 billion"', "NEAR(railway", "rail*", "'; DROP TABLE x; --"],
)
async def test_search_syntax_is_searched_as_words(fake: FakeDiscord, query: str) -> None:
    """Operators, quotes and SQL are words: the answer counts exactly the entries holding every
    word, or says nothing matches (which entries: tests/core/reading/test_service.py, on every
    backend)."""
    expected = expected_hits(curated_documents(), query)
    reply = await fake.invoke("search", {"query": query})
    assert reply.type == 4 and not reply.ephemeral
    lead = reply.embeds[0]["description"]
    if not expected:
        assert lead.startswith("Nothing in the store matches"), lead
        return
    counted = re.match(r"(\d+) match(es)?\b", lead)
    assert counted is not None and int(counted.group(1)) == len(expected), (lead, expected)


async def test_discord_itself_refuses_wrong_types_and_oversized_text(fake: FakeDiscord) -> None:
    with pytest.raises(InvocationError):
        await fake.invoke("summit", {"year": "twenty"})
    with pytest.raises(InvocationError):
        await fake.invoke("search", {"query": "x" * 201})
    with pytest.raises(InvocationError):
        await fake.invoke("summit", {"year": 1800})


async def test_unexpected_error_is_logged_and_apologised_for(
    app: App, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_: object, **__: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(app.facts, "about", broken)
    reply = await fake.invoke("about")
    assert reply.type == 4 and reply.ephemeral
    content = reply.callback["data"]["content"]
    assert "logged as" in content and "fire" not in content
    error_id = content.split("`")[1]
    assert any(error_id in r.getMessage() for r in caplog.records)


async def test_reconnect_and_resume_lose_no_interaction(fake: FakeDiscord) -> None:
    await fake.reconnect()
    assert (await fake.invoke("summit", {"year": 2024})).type == 4
    session = await fake.disconnect()
    reply = await fake.invoke("member", {"country": "belarus"})  # sent while the bot is away
    assert reply.type == 4 and reply.embeds[0]["title"] == "Belarus"
    assert "INTERACTION_CREATE" in session.replayed
