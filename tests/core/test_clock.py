"""One clock: the composition root hands the clock it is given to every service, so what
moderation records (versions, audit lines, review decisions) carries the injected time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.app import App, build_app
from bot.core.models import Kind
from bot.core.moderation.drafts import Draft
from bot.core.permissions import MANAGE_GUILD, Member
from bot.settings import Settings
from tests.fakeclock import FakeClock

GUILD = 4242
ALICE = Member.of(1, "Alice", GUILD, MANAGE_GUILD)
BOB = Member.of(2, "Bob", GUILD, 0)
FACT = Draft(
    Kind.FACT,
    text="The zebra council of the SCO first met in Astana in 2024.",
    source="https://example.org/zebra-council",
    excerpt="The zebra council met for the first time in Astana.",
)
WHEN = datetime(2031, 7, 4, 9, 30, tzinfo=UTC)  # nowhere near the real time


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(WHEN)


@pytest.fixture
async def app(settings: Settings, clock: FakeClock) -> AsyncIterator[App]:
    async with build_app(settings, clock=clock) as built:
        yield built


async def test_the_app_hands_one_clock_to_every_service(app: App, clock: FakeClock) -> None:
    assert app.clock is clock
    assert app.digests.clock is clock
    services = (app.moderation.entries, app.moderation.review, app.moderation.ledger)
    assert all(service.clock is clock for service in services)


async def test_moderation_records_the_injected_time(app: App) -> None:
    saved = await app.moderation.entries.add(ALICE, FACT)
    assert saved.version.at == WHEN
    log = await app.moderation.ledger.log(ALICE)
    assert [record.at for record in log.records] == [WHEN]


async def test_review_decisions_carry_the_injected_time(app: App, clock: FakeClock) -> None:
    suggested = await app.moderation.review.suggest(BOB, FACT)
    await clock.set(WHEN.replace(hour=11))
    decided = await app.moderation.review.approve(ALICE, suggested.suggestion.number)
    assert decided.suggestion.decided_at == WHEN.replace(hour=11)
    assert decided.suggestion.at == WHEN
