"""Moderation end to end: the real bot against the loopback fake Discord.

Forms are real modals (callback type 9, then a MODAL_SUBMIT interaction); buttons are pressed;
permissions come from the member as Discord resolves them. ``/entry`` and ``/config`` carry
``default_member_permissions`` (Manage Server), so the fake, like Discord's client, refuses to
let others invoke them; ``allow_everyone`` plays the server owner's override in Server Settings
→ Integrations, after which the bot itself must refuse whoever is not a moderator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import discord
import pytest

from bot.adapters.discord.client import FactBot
from bot.adapters.discord.forms import FORM_CONFIRM, FORM_REOPEN
from bot.adapters.discord.moderation.review_views import REVIEW_APPROVE, REVIEW_REJECT
from bot.app import App
from tests.fakediscord import ApiError, FakeDiscord, FakeGuild, InvocationError
from tests.fakediscord.reply import Reply

MANAGE_GUILD = discord.Permissions(manage_guild=True).value

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


def _guilds(fake: FakeDiscord) -> tuple[FakeGuild, FakeGuild]:
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


def _id(reply: Reply, prefix: str) -> str:
    """The custom id on ``reply``'s message that starts with ``prefix`` (ids carry their
    server and entry after it)."""
    found = [c for c in reply.custom_ids if c.startswith(prefix + ":")]
    assert len(found) == 1, f"{prefix} among {reply.custom_ids}"
    return found[0]


def _has(reply: Reply, prefix: str) -> bool:
    return any(c.startswith(prefix + ":") for c in reply.custom_ids)


def _text(reply: Reply) -> str:
    embed = reply.embeds[0]
    fields = " ".join(f"{f['name']}: {f['value']}" for f in embed.get("fields", []))
    return f"{embed.get('title', '')} {embed.get('description', '')} {fields}"


async def _add(fake: FakeDiscord, values: dict[str, str] = FACT, **kw: object) -> Reply:
    opened = await fake.invoke("entry add", {"kind": "fact"}, user=fake.owner, **kw)  # type: ignore[arg-type]
    assert opened.type == 9 and opened.modal is not None
    return await fake.submit_modal(opened, values)


async def test_commands_are_registered_with_moderator_permissions(fake: FakeDiscord) -> None:
    registered = {c["name"]: c for c in fake.commands[None]}
    assert registered["entry"]["default_member_permissions"] in (MANAGE_GUILD, str(MANAGE_GUILD))
    assert registered["config"]["default_member_permissions"] in (MANAGE_GUILD, str(MANAGE_GUILD))
    assert registered["suggest"].get("default_member_permissions") is None
    subcommands = {o["name"] for o in registered["entry"]["options"]}
    assert subcommands == {"add", "edit", "retire", "restore", "history", "log", "review", "export"}


async def test_the_form_round_trip_saves_an_entry_seen_in_its_server_only(
    fake: FakeDiscord,
) -> None:
    here, elsewhere = _guilds(fake)
    opened = await fake.invoke("entry add", {"kind": "fact"}, user=fake.owner)
    assert opened.type == 9
    inputs = [c["components"][0]["custom_id"] for c in opened.modal["components"]]  # type: ignore[index]
    assert inputs == ["text", "source", "excerpt", "links"]
    saved = await fake.submit_modal(opened, FACT)
    assert saved.type == 4 and saved.ephemeral and "s1" in _text(saved)

    found = await fake.invoke("search", {"query": "zebra council"}, guild=here)
    assert not found.ephemeral and "zebra council" in _text(found)
    assert "Added by this server's moderators: owner" in _text(found)
    assert "<https://example.org/zebra-council>" in _text(found)
    missing = await fake.invoke("search", {"query": "zebra council"}, guild=elsewhere)
    assert "Nothing in the store matches" in _text(missing)


async def test_a_refused_form_shows_what_was_typed_and_reopens_it(fake: FakeDiscord) -> None:
    typed = {**FACT, "source": "ftp://example.org/x", "links": "countries: narnia"}
    refused = await _add(fake, typed)
    text = _text(refused)
    assert refused.ephemeral and "http:// or https://" in text and "narnia" in text
    assert "You typed: Text" in text and FACT["text"] in text
    assert _has(refused, FORM_REOPEN) and not _has(refused, FORM_CONFIRM)
    reopened = await fake.press(refused, _id(refused, FORM_REOPEN), user=fake.owner)
    assert reopened.type == 9
    values = {
        c["components"][0]["custom_id"]: c["components"][0].get("value")
        for c in reopened.modal["components"]
    }  # type: ignore[index]
    assert values["source"] == "ftp://example.org/x" and values["text"] == FACT["text"]
    fixed = await fake.submit_modal(reopened, {"source": FACT["source"], "links": FACT["links"]})
    assert "s1" in _text(fixed)


async def test_a_near_duplicate_is_flagged_and_can_be_saved_anyway(fake: FakeDiscord) -> None:
    await _add(fake)
    again = await _add(fake, {**FACT, "text": FACT["text"].replace("first ", "")})
    assert "Possible duplicate" in _text(again) and "fact s1, " in _text(again)
    confirmed = await fake.press(again, _id(again, FORM_CONFIRM), user=fake.owner)
    assert confirmed.type == 4 and "s2" in _text(confirmed)


async def test_a_member_without_standing_is_refused_even_when_discord_shows_the_command(
    fake: FakeDiscord,
) -> None:
    with pytest.raises(InvocationError, match="needs permissions 32"):
        await fake.invoke("entry add", {"kind": "fact"})  # Discord hides it from them
    with allow_everyone(fake, "entry"):  # the owner's override, or a stale client
        refused = await fake.invoke("entry add", {"kind": "fact"})
        assert refused.type == 4 and refused.ephemeral
        assert "Only moderators can add entries" in _text(refused)
        forged = await fake.invoke("entry retire", {"id": "s1", "reason": "x"})
        assert "Only moderators" in _text(forged)


async def test_a_moderator_role_is_set_and_honoured(fake: FakeDiscord) -> None:
    here, _ = _guilds(fake)
    role = fake.add_role(here, "Fact keepers")
    keeper = fake.add_user("keeper")
    fake.add_member(here, keeper, roles=[role])
    await fake.wait_for(lambda: True, "role events")
    shown = await fake.invoke("config moderator-role", user=fake.owner)
    assert "No moderator role is set" in _text(shown)
    with allow_everyone(fake, "config"):
        refused = await fake.invoke("config moderator-role", {"role": role.id}, user=keeper)
        assert "Only members with Manage Server" in _text(refused)
    done = await fake.invoke("config moderator-role", {"role": role.id}, user=fake.owner)
    assert "Moderator role set" in _text(done) and str(role.id) in _text(done)
    with allow_everyone(fake, "entry"):
        opened = await fake.invoke("entry add", {"kind": "fact"}, user=keeper)
        assert opened.type == 9
        saved = await fake.submit_modal(opened, FACT)
        assert "s1" in _text(saved)
        outsider = await fake.invoke("entry add", {"kind": "fact"})
        assert "Only moderators" in _text(outsider)
    with allow_everyone(fake, "digest"):  # /digest asks the same shared check
        shown_digest = await fake.invoke("digest show", user=keeper)
        assert "Not allowed" not in _text(shown_digest)
        assert "Not allowed" in _text(await fake.invoke("digest show"))
    cleared = await fake.invoke("config moderator-role", {"clear": True}, user=fake.owner)
    assert "No moderator role is set" in _text(cleared)
    with allow_everyone(fake, "entry"):
        assert "Only moderators" in _text(await fake.invoke("entry log", user=keeper))


async def test_two_concurrent_edits_the_second_gets_a_conflict(fake: FakeDiscord) -> None:
    here, _ = _guilds(fake)
    editor_role = fake.add_role(here, "Editors", permissions=MANAGE_GUILD)
    bob = fake.add_user("bob")
    fake.add_member(here, bob, roles=[editor_role])
    await _add(fake)
    first = await fake.invoke("entry edit", {"id": "s1", "reason": "typo"}, user=fake.owner)
    second = await fake.invoke("entry edit", {"id": "s1"}, user=bob)
    assert first.type == 9 and second.type == 9
    done = await fake.submit_modal(first, {"text": "The zebra council first met in 2024."})
    assert "version 2" in _text(done)
    clash = await fake.submit_modal(second, {"text": "Bob's zebra council text, 2024."})
    text = _text(clash)
    assert clash.ephemeral and "Changed meanwhile" in text
    assert "owner saved version 2" in text and "The zebra council first met in 2024." in text
    assert "Bob's zebra council text" in text  # what Bob typed, shown back
    history = await fake.invoke("entry history", {"id": "s1"}, user=fake.owner)
    assert "v2 · edit · owner" in _text(history) and "typo" in _text(history)


async def test_retire_restore_hide_log_and_export(fake: FakeDiscord) -> None:
    here, elsewhere = _guilds(fake)
    await _add(fake)
    retired = await fake.invoke("entry retire", {"id": "s1", "reason": "wrong"}, user=fake.owner)
    assert "retired" in _text(retired)
    gone = await fake.invoke("search", {"query": "zebra council"}, guild=here)
    assert "Nothing in the store matches" in _text(gone)
    restored = await fake.invoke("entry restore", {"id": "s1"}, user=fake.owner)
    assert "restored" in _text(restored)
    hidden = await fake.invoke(
        "entry retire", {"id": "membership-six-founding-members", "reason": "ours"}, user=fake.owner
    )
    assert "hidden in this server" in _text(hidden)
    query = {"query": "SCO began in 2001 with six member states"}
    shown = "began in 2001 with six member states: China"
    assert shown not in _text(await fake.invoke("search", query, guild=here))
    assert shown in _text(await fake.invoke("search", query, guild=elsewhere, user=fake.owner))
    log = await fake.invoke("entry log", user=fake.owner)
    assert log.ephemeral and "hide" in _text(log) and "restore" in _text(log)
    choices = await fake.autocomplete("entry restore", "id", "s", user=fake.owner)
    assert "s1" in [c["value"] for c in choices.choices]
    exported = await fake.invoke("entry export", user=fake.owner)
    assert exported.ephemeral
    request = fake.requests_to("POST", r"/interactions/\d+/.+/callback")[-1]
    assert request.files and request.files[0]["filename"].endswith(".json")


async def test_suggestions_are_reviewed_and_the_suggester_told(fake: FakeDiscord) -> None:
    suggester = fake.default_user
    opened = await fake.invoke("suggest", {"kind": "fact"})
    assert opened.type == 9
    queued = await fake.submit_modal(opened, FACT)
    assert "Suggestion received" in _text(queued)
    second = await fake.invoke("suggest", {"kind": "fact"})
    await fake.submit_modal(second, {**FACT, "text": "Another zebra claim, from 2024."})

    card = await fake.invoke("entry review", user=fake.owner)
    assert card.ephemeral and "Suggestion #1" in _text(card)
    assert _has(card, REVIEW_APPROVE) and _has(card, REVIEW_REJECT)
    approved = await fake.press(card, _id(card, REVIEW_APPROVE), user=fake.owner)
    assert approved.type == 7
    assert "approved: it is entry `s1`" in str(card.message)
    await fake.wait_for(
        lambda: any("was approved" in str(m.get("content")) for m in fake.messages.values()),
        "the approval DM",
    )
    dm = fake.dm_channel(suggester)
    assert any("s1" in str(m.get("content")) for m in fake.channel_messages[dm.id])

    fake.fail("POST", r"/channels/\d+/messages", ApiError(403, 50007, "Cannot send messages"))
    opened_reason = await fake.press(card, _id(card, REVIEW_REJECT), user=fake.owner)
    assert opened_reason.type == 9
    rejected = await fake.submit_modal(opened_reason, {"reason": "No source says so."}, followups=1)
    assert "rejected" in str(card.message)
    assert "could not be told" in str(rejected.followups[0])
    found = await fake.invoke("search", {"query": "zebra council"})
    assert "Suggested by" in _text(found) or "suggested by" in _text(found)


async def test_suggestions_are_rate_limited(fake: FakeDiscord) -> None:
    for n in range(5):
        opened = await fake.invoke("suggest", {"kind": "fact"})
        await fake.submit_modal(
            opened, {**FACT, "text": f"Zebra claim {n} {'stripes ' * n}from 2024."}
        )
    limited = await fake.invoke("suggest", {"kind": "fact"})
    assert limited.type == 4 and "Try again in 60 minutes" in _text(limited)


def test_every_moderation_command_is_in_the_readme() -> None:
    from bot.adapters.discord.moderation.config_cog import ConfigCog
    from bot.adapters.discord.moderation.entry_cog import EntryCog

    readme = (Path(__file__).resolve().parents[4] / "README.md").read_text(encoding="utf-8")
    for cog in (EntryCog, ConfigCog):
        for command in cog.__cog_app_commands__:
            children = getattr(command, "commands", None)
            names = (
                [f"/{command.name} {c.name}" for c in children]
                if children
                else [f"/{command.name}"]
            )
            for name in names:
                assert f"`{name}" in readme, f"{name} is not documented"
    assert "python -m bot store export --guild ID" in readme and "store import FILE" in readme


async def test_a_quote_form_has_five_inputs_and_adds_its_speaker(fake: FakeDiscord) -> None:
    opened = await fake.invoke("entry add", {"kind": "quote"}, user=fake.owner)
    inputs = [c["components"][0]["custom_id"] for c in opened.modal["components"]]  # type: ignore[index]
    assert inputs == ["text", "source", "excerpt", "speaker", "quote_kind"]
    values = {
        "text": "Stripes unite us all.",
        "source": "https://example.org/stripes",
        "excerpt": "Stripes, she said, unite us all.",
        "speaker": "Zed Zebra",
        "quote_kind": "direct",
    }
    saved = await fake.submit_modal(opened, values)
    assert "New speaker added: Zed Zebra" in _text(saved)
    quoted = await fake.invoke("quote", {"person": "zed zebra"})
    assert "Stripes unite us all." in _text(quoted) and "Added by this server" in _text(quoted)


async def test_the_review_card_pages_through_the_queue(fake: FakeDiscord) -> None:
    for n in range(2):
        opened = await fake.invoke("suggest", {"kind": "fact"})
        await fake.submit_modal(opened, {**FACT, "text": f"Zebra claim number {n} of 2024."})
    card = await fake.invoke("entry review", user=fake.owner)
    assert "Suggestion #1 (1 of 2 waiting)" in _text(card)
    turned = await fake.press(card, _id(card, "review:next"), user=fake.owner)
    assert turned.type == 7 and "Suggestion #2 (2 of 2 waiting)" in str(card.message)
