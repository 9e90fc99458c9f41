"""The digest outcomes the metrics count (issue 13): posted, caught up, paused, failed and
skipped by claim, through ``DigestService`` with a fake clock and a fake channel."""

from __future__ import annotations

import asyncio
import shutil
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.digest.service import DigestService
from bot.core.observe import DigestEvent, NullMetrics
from bot.core.permissions import Permissions
from bot.core.ports import Store
from bot.core.ports_digest import DeliveryFailed
from bot.store import digest_store, moderation_store, open_store
from tests.core.digest.test_service import DUE, GUILD, START, FakeChannelPoster, subscribe
from tests.fakeclock import FakeClock


class DigestCounts(NullMetrics):
    def __init__(self) -> None:
        self.events: Counter[DigestEvent] = Counter()

    def digest(self, event: DigestEvent) -> None:
        self.events[event] += 1


@pytest.fixture
async def shared(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[tuple[Store, Store]]:
    shutil.copyfile(sqlite_template, tmp_path / "shared.db")  # the curated data, loaded
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first, second = await open_store(url), await open_store(url)
    yield first, second
    await first.close()
    await second.close()


async def test_each_outcome_is_counted(shared: tuple[Store, Store]) -> None:
    store, other = shared
    clock = FakeClock(START)
    counts = DigestCounts()
    service = DigestService(
        digest_store(store),
        store,
        clock,
        permissions=Permissions(moderation_store(store)),
        metrics=counts,
    )
    poster = FakeChannelPoster()
    await subscribe(service)
    await clock.set(DUE)
    await service.run(GUILD, poster)
    assert counts.events == {DigestEvent.POSTED: 1}

    await clock.set(DUE + timedelta(days=1, hours=5))  # down until the afternoon: caught up
    await service.run(GUILD, poster)
    assert counts.events[DigestEvent.CAUGHT_UP] == 1

    second = DigestService(
        digest_store(other),
        other,
        clock,
        permissions=Permissions(moderation_store(other)),
        metrics=counts,
    )
    await clock.set(DUE + timedelta(days=2))

    async def meanwhile() -> None:  # the other process wakes while this one is sending
        await second.run(GUILD, poster)

    poster.before_send = meanwhile
    await service.run(GUILD, poster)
    poster.before_send = None
    assert counts.events[DigestEvent.SKIPPED_BY_CLAIM] == 1
    await clock.set(DUE + timedelta(days=2, hours=1))
    await asyncio.gather(service.run(GUILD, poster), second.run(GUILD, poster))
    assert counts.events[DigestEvent.SKIPPED_BY_CLAIM] == 1  # posted: nothing is due
    assert counts.events[DigestEvent.POSTED] == 2

    poster.fail_with = DeliveryFailed("Discord refused the digest.")
    await clock.set(DUE + timedelta(days=3))
    await service.run(GUILD, poster)
    assert counts.events[DigestEvent.FAILED] == 1
    poster.fail_with = DeliveryFailed("The channel is gone.", pause=True)
    await clock.set(DUE + timedelta(days=4))
    await service.run(GUILD, poster)
    assert counts.events[DigestEvent.PAUSED] == 1
    assert sum(counts.events.values()) == 6
