"""Survival under faults, end to end: the real bot against the loopback fake Discord (issue 13).

Each test makes one fault of the review happen (concurrent forms, forged or replayed
payloads, a rate-limited or failing Discord, a dropped gateway) and checks what users see:
a clear answer, no traceback (``fake.assert_clean`` fails on any error discord.py logs)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import pytest

from bot.adapters.discord.client import FactBot
from bot.app import App
from bot.core.review import SUGGESTION_LIMIT
from tests.fakediscord import FakeDiscord, FakeGuild
from tests.fakediscord.reply import Reply
from tests.test_faults_store import distinct_text

FACT = {
    "text": "The zebra council of the SCO first met in Astana in 2024.",
    "source": "https://example.org/zebra-council",
    "excerpt": "The zebra council met for the first time in Astana.",
    "links": "countries: kazakhstan; summit: 2024",
}


@pytest.fixture
async def fake(app: App) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord.running() as running:
        running.add_guild(name="Zebra fans", channels=["general"])
        running.add_guild(name="Elsewhere", channels=["lobby"])
        async with running.client(FactBot(app)):
            yield running


def guilds(fake: FakeDiscord) -> tuple[FakeGuild, FakeGuild]:
    first, second = list(fake.guilds.values())
    return first, second


@contextmanager
def allow_everyone(fake: FakeDiscord, command: str) -> Iterator[None]:
    """The server owner lets everyone use ``command`` (Integrations override)."""
    registered = next(c for c in fake.commands[None] if c["name"] == command)
    saved = registered.pop("default_member_permissions")
    try:
        yield
    finally:
        registered["default_member_permissions"] = saved


def text_of(reply: Reply) -> str:
    parts = [str(reply.content or "")]
    for embed in reply.embeds:
        fields = " ".join(f"{f['name']}: {f['value']}" for f in embed.get("fields", []))
        parts.append(f"{embed.get('title', '')} {embed.get('description', '')} {fields}")
    return " ".join(parts)


# -- 2: the suggestion limit holds under concurrent forms -----------------------------------


async def test_twenty_suggestion_forms_at_once_accept_five(fake: FakeDiscord) -> None:
    opened = [await fake.invoke("suggest", {"kind": "fact"}) for _ in range(20)]
    assert all(o.type == 9 for o in opened)  # none submitted yet: every form opens
    submitted = await asyncio.gather(
        *(
            fake.submit_modal(o, {**FACT, "text": distinct_text(n)}, timeout=20)
            for n, o in enumerate(opened)
        )
    )
    texts = [text_of(r) for r in submitted]
    assert sum("Suggestion received" in t for t in texts) == SUGGESTION_LIMIT
    assert sum("Try again in" in t for t in texts) == 20 - SUGGESTION_LIMIT


# -- 3: moderator options autocomplete for moderators only ----------------------------------


async def test_entry_id_autocomplete_answers_moderators_only(fake: FakeDiscord) -> None:
    opened = await fake.invoke("entry add", {"kind": "fact"}, user=fake.owner)
    await fake.submit_modal(opened, FACT)
    await fake.invoke("entry retire", {"id": "s1", "reason": "secret reason"}, user=fake.owner)
    mine = await fake.autocomplete("entry edit", "id", "s", user=fake.owner)
    assert [c["value"] for c in mine.choices] == ["s1"]
    with allow_everyone(fake, "entry"):
        for command in ("entry edit", "entry retire", "entry restore", "entry history"):
            theirs = await fake.autocomplete(command, "id", "s")
            assert theirs.type == 8 and theirs.choices == []
