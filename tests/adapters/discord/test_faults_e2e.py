"""Survival under faults, end to end: the real bot against the loopback fake Discord (issue 13).

Each test makes one fault of the review happen (concurrent forms, forged or replayed
payloads, a rate-limited or failing Discord, a dropped gateway) and checks what users see:
a clear answer, no traceback (``fake.assert_clean`` fails on any error discord.py logs)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import timedelta

import discord
import pytest

from bot.adapters.discord import deadline
from bot.adapters.discord.client import FactBot
from bot.adapters.discord.expiry import ExpiryGuard
from bot.adapters.discord.forms import FORM_REOPEN
from bot.adapters.discord.moderation.review_views import REVIEW_APPROVE
from bot.app import App
from bot.core.moderation._review import SUGGESTION_LIMIT
from tests.adapters.discord.moderation.test_moderation_e2e import FACT, MANAGE_GUILD
from tests.fakediscord import CONNECTION_RESET, FakeDiscord, FakeGuild
from tests.fakediscord.interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
)
from tests.fakediscord.options import modal_submit_components
from tests.fakediscord.reply import Reply
from tests.store.test_faults_store import distinct_text


@pytest.fixture
async def fake(app: App) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord.running() as running:
        running.add_guild(name="Zebra fans", channels=["general"])
        running.add_guild(name="Elsewhere", channels=["lobby"])
        async with running.client(FactBot(app)):
            yield running


def slow_machine(fake: FakeDiscord) -> None:
    """Give 20 forms at once time on a busy 2-core machine: Discord's 3 s and the bot's own
    answer budget (``deadline.ANSWER_BUDGET``) are lifted for the rest of the test."""
    fake.callback_deadline = 60.0
    deadline.ANSWER_BUDGET = 50.0


@pytest.fixture(autouse=True)
def _restore_budget() -> Iterator[None]:
    saved = deadline.ANSWER_BUDGET
    yield
    deadline.ANSWER_BUDGET = saved


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
    bot = fake.bot
    assert isinstance(bot, FactBot)
    bot.fact_tree.cooldowns = None  # 20 /suggest by one member is a script: not what is tested
    opened = [await fake.invoke("suggest", {"kind": "fact"}) for _ in range(20)]
    assert all(o.type == 9 for o in opened)  # none submitted yet: every form opens
    slow_machine(fake)  # this is about the limit, not about speed on a busy machine
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


# -- 7: control characters are refused at the edge ------------------------------------------


async def test_a_nul_in_a_form_is_refused_and_the_form_kept_without_it(fake: FakeDiscord) -> None:
    opened = await fake.invoke("entry add", {"kind": "fact"}, user=fake.owner)
    refused = await fake.submit_modal(opened, {**FACT, "text": "Zebra\x00 council met in 2024."})
    text = text_of(refused)
    assert refused.ephemeral and "control character U+0000" in text
    assert "\x00" not in text and "Zebra\ufffd council" in text  # shown back, visibly
    assert any(c.startswith(FORM_REOPEN + ":") for c in refused.custom_ids)
    history = await fake.invoke("entry log", user=fake.owner)
    assert "s1" not in text_of(history)  # nothing was saved


async def test_a_nul_in_an_entry_id_or_a_search_is_refused(fake: FakeDiscord) -> None:
    by_id = await fake.invoke("entry history", {"id": "s1\x00"}, user=fake.owner)
    assert by_id.ephemeral and "control character" in text_of(by_id)
    searched = await fake.invoke("search", {"query": "zebra\x00"})
    assert searched.ephemeral and "control character" in text_of(searched)


# -- 10: payloads Discord shouldn't send ------------------------------------------------------


async def test_an_option_of_the_wrong_type_is_answered_clearly(fake: FakeDiscord) -> None:
    data = fake.command_payload("summit", {"year": 2024})
    data["options"][0]["value"] = "two thousand"
    reply = await fake.forge(APPLICATION_COMMAND, data)
    assert reply.type == 4 and reply.ephemeral
    assert "“year” should be integer, not str" in text_of(reply)


async def test_a_kind_outside_its_choices_is_answered_clearly(fake: FakeDiscord) -> None:
    data = fake.command_payload("entry add", {"kind": "fact"})
    data["options"][0]["options"][0]["value"] = "person"
    reply = await fake.forge(APPLICATION_COMMAND, data, user=fake.owner)
    assert reply.type == 4 and "“kind” must be one of: fact, quote" in text_of(reply)


async def test_an_unknown_or_missing_option_is_answered_clearly(fake: FakeDiscord) -> None:
    data = fake.command_payload("search", {"query": "zebra"})
    data["options"][0]["name"] = "words"
    reply = await fake.forge(APPLICATION_COMMAND, data)
    assert "“words” is not an option of /search" in text_of(reply)
    assert "“query” is required" in text_of(reply)


async def test_a_lone_surrogate_is_answered_clearly(fake: FakeDiscord) -> None:
    data = fake.command_payload("search", {"query": "zebra"})
    data["options"][0]["value"] = "zebra \ud800"
    reply = await fake.forge(APPLICATION_COMMAND, data)
    assert reply.type == 4 and "lone surrogate U+D800" in text_of(reply)


async def test_an_autocomplete_with_no_focused_option_gets_no_choices(fake: FakeDiscord) -> None:
    data = fake.command_payload("member", {"country": "bel"})
    reply = await fake.forge(AUTOCOMPLETE, data)  # no option marked focused
    assert reply.type == 8 and reply.choices == []
    data["options"][0]["focused"] = True
    data["options"][0]["value"] = "bel\x00"
    reply = await fake.forge(AUTOCOMPLETE, data)
    assert reply.type == 8 and reply.choices == []


# -- 8: forms and review buttons are bound to their server ----------------------------------


def modal_data(opened: Reply, values: dict[str, str]) -> dict[str, object]:
    assert opened.modal is not None
    components = modal_submit_components(opened.modal["components"], dict(values))
    return {"custom_id": opened.modal["custom_id"], "components": components}


async def test_a_form_replayed_in_another_server_is_refused(fake: FakeDiscord) -> None:
    here, elsewhere = guilds(fake)
    opened = await fake.invoke("entry add", {"kind": "fact"}, user=fake.owner, guild=here)
    assert str(here.id) in opened.modal["custom_id"]  # type: ignore[index]
    replayed = await fake.forge(
        MODAL_SUBMIT, modal_data(opened, FACT), user=fake.owner, guild=elsewhere
    )
    assert replayed.ephemeral and "belongs to another server" in text_of(replayed)
    log = await fake.invoke("entry log", user=fake.owner, guild=elsewhere)
    assert "s1" not in text_of(log)
    saved = await fake.submit_modal(opened, FACT)  # the form still works where it was opened
    assert "s1" in text_of(saved)


async def test_an_approve_button_replayed_in_another_server_is_refused(
    fake: FakeDiscord,
) -> None:
    here, elsewhere = guilds(fake)
    for guild in (here, elsewhere):
        opened = await fake.invoke("suggest", {"kind": "fact"}, guild=guild)
        await fake.submit_modal(opened, FACT)
    card = await fake.invoke("entry review", user=fake.owner, guild=here)
    approve = next(c for c in card.custom_ids if c.startswith(REVIEW_APPROVE + ":"))
    assert approve == f"{REVIEW_APPROVE}:{here.id}:1:0"
    replayed = await fake.forge(
        MESSAGE_COMPONENT,
        {"custom_id": approve, "component_type": 2},
        user=fake.owner,
        guild=elsewhere,
        message=card,
    )
    assert replayed.ephemeral and "belongs to another server" in text_of(replayed)
    theirs = await fake.invoke("entry review", user=fake.owner, guild=elsewhere)
    assert "Suggestion #1 (1 of 1 waiting)" in text_of(theirs)  # still pending there
    approved = await fake.press(card, approve, user=fake.owner)
    assert approved.type == 7 and "approved: it is entry `s1`" in str(card.message)
    await fake.wait_for(
        lambda: any("was approved" in str(m.get("content")) for m in fake.messages.values()),
        "the approval DM",
    )


# -- 9: @everyone and managed roles can't be the moderator role -----------------------------


async def test_everyone_and_managed_roles_are_refused_as_the_moderator_role(
    fake: FakeDiscord,
) -> None:
    here, _ = guilds(fake)
    everyone = await fake.invoke("config moderator-role", {"role": here.id}, user=fake.owner)
    assert everyone.ephemeral and "everyone can't be the moderator role" in text_of(everyone)
    bot_role = next(r for r in here.roles.values() if r.managed)
    managed = await fake.invoke("config moderator-role", {"role": bot_role.id}, user=fake.owner)
    assert "managed by a bot or an integration" in text_of(managed)
    shown = await fake.invoke("config moderator-role", user=fake.owner)
    assert "No moderator role is set" in text_of(shown)
    keepers = fake.add_role(here, "Fact keepers")
    await fake.wait_for(lambda: True, "role events")
    done = await fake.invoke("config moderator-role", {"role": keepers.id}, user=fake.owner)
    assert "Moderator role set" in text_of(done)


# -- 4: simultaneous adds ---------------------------------------------------------------------


async def test_twenty_moderators_adding_at_once_are_all_saved(fake: FakeDiscord) -> None:
    here, _ = guilds(fake)
    editors = fake.add_role(here, "Editors", permissions=MANAGE_GUILD)
    moderators = [fake.add_user(f"mod{n}") for n in range(20)]
    for user in moderators:
        fake.add_member(here, user, roles=[editors])
    await fake.wait_for(lambda: True, "member events")
    opened = [await fake.invoke("entry add", {"kind": "fact"}, user=m) for m in moderators]
    slow_machine(fake)  # this is about the numbering, not speed on a busy machine
    saved = await asyncio.gather(
        *(
            fake.submit_modal(o, {**FACT, "text": distinct_text(n)}, timeout=30)
            for n, o in enumerate(opened)
        )
    )
    texts = [text_of(r) for r in saved]
    assert not [t for t in texts if "pkey" in t or "is at version" in t]
    keys = {f"s{n}" for n in range(1, 21)}
    assert {k for k in keys for t in texts if f"`{k}`" in t or f" {k} " in t} == keys
    log = await fake.invoke("entry log", user=fake.owner)
    assert "s20" in text_of(log)


# -- 11: interactions past Discord's window after a gateway outage ----------------------------


async def test_interactions_expired_during_a_gateway_outage_are_skipped(
    fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    assert (await fake.invoke("about")).type == 4  # a fresh one is answered
    session = await fake.disconnect()  # the gateway drops; Discord queues what happens
    late = [
        await fake.forge(APPLICATION_COMMAND, fake.command_payload("about"), age=20, wait=False)
        for _ in range(5)
    ]
    with caplog.at_level("WARNING", logger="bot.adapters.discord.expiry"):
        await fake.wait_resumed(session)  # replayed on RESUME, 20 s after Discord made them
        bot = fake.bot
        assert isinstance(bot, FactBot)
        await fake.wait_for(lambda: bot.expiry.skipped == 5, "the late interactions skipped")
    assert all(r.status is None for r in late)  # none answered: Discord would refuse it
    lines = [r.getMessage() for r in caplog.records if "skipped interaction" in r.getMessage()]
    assert len(lines) == 5 and lines[-1].endswith("(5 skipped so far)")
    assert (await fake.invoke("about")).type == 4  # and the bot answers as before


def test_a_host_clock_that_is_off_skips_nothing_on_time() -> None:
    guard = ExpiryGuard()
    made = discord.utils.time_snowflake(discord.utils.utcnow())
    at = discord.utils.snowflake_time(made).timestamp()
    ahead = 30.0  # the host clock runs 30 s ahead of Discord's
    assert not any(guard.expired({"id": str(made + n)}, now=at + ahead) for n in range(10))
    late = discord.utils.time_snowflake(discord.utils.snowflake_time(made) - timedelta(seconds=9))
    assert guard.expired({"id": str(late), "type": 2}, now=at + ahead)
    assert guard.skipped == 1


def test_the_baseline_is_the_youngest_of_the_last_samples(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The guard's sliding minimum skips exactly what the minimum over the last
    ``_SAMPLES`` ages within ``BASELINE`` seconds says is late (ages drawn at random)."""
    from bot.adapters.discord import expiry

    guard = ExpiryGuard()
    rng = random.Random(11)
    made = discord.utils.time_snowflake(discord.utils.utcnow())
    at = discord.utils.snowflake_time(made).timestamp()
    tick = [0.0]
    monkeypatch.setattr(expiry.time, "monotonic", lambda: tick[0])
    seen: list[tuple[float, float]] = []
    for _ in range(3000):
        tick[0] += rng.choice([0.01, 0.5, 5.0])
        age = rng.choice([0.0, 0.2, 1.0, 2.5, 4.0, 8.0]) + rng.random()
        window = [a for t, a in seen[-expiry._SAMPLES :] if t >= tick[0] - expiry.BASELINE]
        late = age - min([age, *window]) > expiry.WINDOW
        assert guard.expired({"id": str(made), "type": 2}, now=at + age) is late
        seen.append((tick[0], age))


# -- 12: a DM where a server is needed; a reset connection on the first callback -------------


async def test_digest_show_in_a_direct_message_says_only_in_a_server(fake: FakeDiscord) -> None:
    data = fake.command_payload("digest show")
    shown = await fake.forge(APPLICATION_COMMAND, data, user=fake.owner, dm=True)
    assert shown.type == 4 and "only in a server" in text_of(shown)
    assert "Only moderators" not in text_of(shown)


async def test_a_connection_reset_on_the_first_callback_still_delivers_the_answer(
    fake: FakeDiscord,
) -> None:
    fake.fail("POST", r"/interactions/\d+/[^/]+/callback", CONNECTION_RESET, times=1)
    answered = await fake.invoke("about")
    attempts = fake.requests_to("POST", rf"/interactions/{answered.id}/[^/]+/callback")
    assert [r.status for r in attempts] == [0, 200]  # reset, then sent again
    assert answered.type == 4 and "apolog" not in text_of(answered).casefold()
    assert answered.embeds and answered.latency is not None and answered.latency < 3
