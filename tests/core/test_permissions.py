"""Authorisation is one core policy (``bot.core.permissions``) that every moderator use case
applies itself: called directly, with no adapter in front, each refuses a plain member of the
server, and lets in a member holding the server's moderator role."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot.app import App
from bot.core.digest.service import DigestChannel
from bot.core.errors import BotError, Forbidden
from bot.core.models import Kind
from bot.core.moderation.drafts import Draft
from bot.core.permissions import MANAGE_GUILD, Member

GUILD = 4242
ROLE = 77
ALICE = Member.of(1, "Alice", GUILD, MANAGE_GUILD)  # manages the server
BOB = Member.of(2, "Bob", GUILD, 0)  # a plain member
CAROL = Member.of(3, "Carol", GUILD, 0, [ROLE])  # holds the moderator role
FACT = Draft(
    Kind.FACT,
    text="The zebra council of the SCO first met in Astana in 2024.",
    source="https://example.org/zebra-council",
    excerpt="The zebra council met for the first time in Astana.",
)
OTHER_FACT = Draft(
    Kind.FACT,
    text="The okapi forum of the SCO first met in Bishkek in 2019.",
    source="https://example.org/okapi-forum",
    excerpt="The okapi forum met for the first time in Bishkek.",
)

UseCase = Callable[[App, Member], Awaitable[Any]]

# Every use case only a moderator may run, as the adapters call it (entry "s1" and suggestion 1
# exist: a refusal is never a "not found").
MODERATOR_USE_CASES: dict[str, UseCase] = {
    "/entry add": lambda app, who: app.moderation.entries.add(who, OTHER_FACT),
    "/entry edit (form)": lambda app, who: app.moderation.entries.edit_form(who, "s1"),
    "/entry edit (save)": lambda app, who: app.moderation.entries.edit(who, "s1", 1, OTHER_FACT),
    "/entry retire": lambda app, who: app.moderation.entries.retire(who, "s1", "gone"),
    "/entry restore": lambda app, who: app.moderation.entries.restore(who, "s1"),
    "/entry history": lambda app, who: app.moderation.ledger.history(who, "s1"),
    "/entry log": lambda app, who: app.moderation.ledger.log(who),
    "/entry export": lambda app, who: app.moderation.ledger.export(who),
    "/entry review": lambda app, who: app.moderation.review.card(who),
    "review button: approve": lambda app, who: app.moderation.review.approve(who, 1),
    "review form: reject": lambda app, who: app.moderation.review.reject(who, 1, "no"),
    "review button: approve (correction)": lambda app, who: app.moderation.corrections.approve(
        who, 1
    ),
    "correction form: save": lambda app, who: app.moderation.corrections.apply(
        who, 1, 1, OTHER_FACT
    ),
    "/stats": lambda app, who: app.usage.stats(who),
    "/digest set": lambda app, who: app.digests.set(
        who, DigestChannel(5), "09:00", "Europe/London"
    ),
    "/digest show": lambda app, who: app.digests.status(who),
    "/digest preview": lambda app, who: app.digests.preview(who),
    "/digest off": lambda app, who: app.digests.off(who),
}
# Only Manage Server may name the moderator role: the role cannot grant itself.
MANAGER_USE_CASES: dict[str, UseCase] = {
    "/config moderator-role (show)": lambda app, who: app.moderation.ledger.moderator_role(who),
    "/config moderator-role (set)": lambda app, who: app.moderation.ledger.set_moderator_role(
        who, 99
    ),
}


@pytest.fixture
async def served(app: App) -> App:
    """A server with one entry of its own (s1), one pending suggestion (1), a moderator role
    and a digest."""
    await app.moderation.entries.add(ALICE, FACT)
    await app.moderation.review.suggest(BOB, OTHER_FACT)
    await app.moderation.ledger.set_moderator_role(ALICE, ROLE)
    await app.digests.set(ALICE, DigestChannel(5), "09:00", "Europe/London")
    return app


@pytest.mark.parametrize("use_case", [*MODERATOR_USE_CASES, *MANAGER_USE_CASES])
async def test_a_plain_member_is_refused_by_the_service_itself(served: App, use_case: str) -> None:
    run = {**MODERATOR_USE_CASES, **MANAGER_USE_CASES}[use_case]
    with pytest.raises(Forbidden) as refused:
        await run(served, BOB)
    assert "Only" in refused.value.message and "Manage Server" in refused.value.message


@pytest.mark.parametrize("use_case", list(MODERATOR_USE_CASES))
async def test_the_moderator_role_is_let_in_by_the_same_policy(served: App, use_case: str) -> None:
    """Let in: whatever else it says (restoring an entry in force is ``Invalid``), it is not
    a refusal."""
    try:
        await MODERATOR_USE_CASES[use_case](served, CAROL)
    except Forbidden as refused:
        pytest.fail(f"{use_case} refused the moderator role: {refused.message}")
    except BotError:
        pass


@pytest.mark.parametrize("use_case", [*MODERATOR_USE_CASES, *MANAGER_USE_CASES])
async def test_outside_a_server_nobody_moderates(served: App, use_case: str) -> None:
    run = {**MODERATOR_USE_CASES, **MANAGER_USE_CASES}[use_case]
    with pytest.raises(Forbidden):
        await run(served, Member.of(1, "Alice", None, MANAGE_GUILD))  # a direct message


async def test_entry_id_choices_are_for_moderators_only(served: App) -> None:
    assert await served.moderation.ledger.entry_choices(BOB, "s") == []
    assert [c.key for c in await served.moderation.ledger.entry_choices(CAROL, "s")] == ["s1"]
