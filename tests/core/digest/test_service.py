"""``DigestService`` with a fake clock and a fake channel: exactly one post a day, whatever
happens (restarts, crashes between claim and send, failures, several processes)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.digest.plan import LEASE, PostRecord
from bot.core.digest.render import render_digest, render_digest_status
from bot.core.digest.service import MAX_ATTEMPTS, DigestChannel, DigestService
from bot.core.errors import Invalid, NotFound
from bot.core.models import Kind
from bot.core.permissions import MANAGE_GUILD, Member, Permissions
from bot.core.ports import Store
from bot.core.ports_digest import DeliveryFailed, DigestStore
from bot.core.render.state import parse_custom_id
from bot.store import digest_store, moderation_store, open_store
from bot.store.sqlite import SqliteStore
from tests.fakeclock import FakeClock
from tests.limits import assert_page_within_limits

GUILD = 1001
MOD = Member.of(1, "Mod", GUILD, MANAGE_GUILD)  # /digest is for moderators
CHANNEL = 2002
# 2025-06-10 06:00 UTC = 07:00 in London (BST): the 09:00 post is due at 08:00 UTC.
START = datetime(2025, 6, 10, 6, 0, tzinfo=UTC)
DUE = datetime(2025, 6, 10, 8, 0, tzinfo=UTC)


def _fact_of(message: dict[str, Any]) -> str:
    """The fact a posted digest shows: its Excerpts button re-asks for it by id."""
    buttons = [c for row in message["components"] for c in row["components"]]
    (button,) = [b for b in buttons if b["label"] == "Excerpts"]  # beside Report an error
    state = parse_custom_id(button["custom_id"])
    assert state is not None and state.ask.command == "fact"
    return state.ask.argument


class FakeChannelPoster:
    """A channel that keeps what is posted; ``fail_with`` makes the next sends fail."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, dict[str, Any]]] = []
        self.fail_with: DeliveryFailed | None = None
        self.find_fails: DeliveryFailed | None = None
        self.finds = 0
        self.before_send: Any = None

    async def send(self, channel_id: int, message: dict[str, Any]) -> int:
        if self.before_send is not None:
            await self.before_send()
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append((channel_id, message))
        return 900 + len(self.sent)

    async def find(self, channel_id: int, marker: str) -> int | None:
        self.finds += 1
        if self.find_fails is not None:
            raise self.find_fails
        for number, (channel, message) in enumerate(self.sent, start=1):
            footer = message["embeds"][0]["footer"]["text"]
            if channel == channel_id and marker in footer:
                return 900 + number
        return None

    def days(self) -> list[str]:
        return [m["embeds"][0]["footer"]["text"].split(" · ")[0] for _, m in self.sent]


@pytest.fixture
async def store(sqlite_template: Path) -> AsyncIterator[Store]:
    """An in-memory store holding the curated data: a copy of the session's template
    (``tests/conftest.py``), as ``load_curated`` would load it without parsing the YAML again."""
    opened = await open_store("sqlite://:memory:")
    assert isinstance(opened, SqliteStore)
    await opened.copy_from(sqlite_template)
    yield opened
    await opened.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def digests(store: Store) -> DigestStore:
    return digest_store(store)


@pytest.fixture
def service(store: Store, digests: DigestStore, clock: FakeClock) -> DigestService:
    return DigestService(digests, store, clock, permissions=Permissions(moderation_store(store)))


@pytest.fixture
def poster() -> FakeChannelPoster:
    return FakeChannelPoster()


async def subscribe(service: DigestService) -> None:
    await service.set(MOD, DigestChannel(CHANNEL), "09:00", "Europe/London")


async def test_set_validates_and_show_tells_the_schedule(service: DigestService) -> None:
    with pytest.raises(Invalid):
        await service.set(MOD, DigestChannel(CHANNEL), "9am", "Europe/London")
    with pytest.raises(NotFound) as caught:
        await service.set(MOD, DigestChannel(CHANNEL), "09:00", "Europe/Londn")
    assert "Europe/London" in caught.value.suggestions
    with pytest.raises(NotFound):
        await service.status(MOD)
    status = await service.set(MOD, DigestChannel(CHANNEL), "09:00", "europe/london")
    assert status.subscription.schedule.timezone == "Europe/London"
    assert status.next is not None and status.next.due == DUE
    text = str(render_digest_status(status).pages[0])
    assert f"<#{CHANNEL}>" in text and f"<t:{int(DUE.timestamp())}:F>" in text
    assert "09:00 BST" in text and "None yet" in text


async def test_posts_once_at_the_due_time(
    service: DigestService, poster: FakeChannelPoster, clock: FakeClock
) -> None:
    await subscribe(service)
    await service.run(GUILD, poster)
    assert poster.sent == []  # not due yet
    assert await service.next_due(GUILD) == DUE
    await clock.set(DUE)
    await service.run(GUILD, poster)
    await service.run(GUILD, poster)  # a second wake-up the same day does nothing
    assert poster.days() == ["Daily digest 10 Jun 2025"]
    channel, message = poster.sent[0]
    assert channel == CHANNEL
    embed = message["embeds"][0]
    assert embed["title"] == "Fact of the day · Tuesday 10 June 2025"
    assert "— " in embed["description"]  # the excerpt's source, as /fact shows it
    assert_page_within_limits(message)
    assert await service.next_due(GUILD) == DUE + timedelta(days=1)
    status = await service.status(MOD)
    assert status.last_sent is not None and status.last_sent.message_id == 901


async def test_catch_up_the_same_day_but_never_a_backlog(
    service: DigestService, poster: FakeChannelPoster, clock: FakeClock
) -> None:
    await subscribe(service)
    await clock.set(DUE + timedelta(hours=9))  # down all day until 18:00 BST
    await service.run(GUILD, poster)
    assert poster.days() == ["Daily digest 10 Jun 2025"]
    await clock.set(DUE + timedelta(days=3, hours=-1))  # three days later, before 09:00
    await service.run(GUILD, poster)
    assert len(poster.sent) == 1  # the missed days are not posted
    await clock.advance(timedelta(hours=1))
    await service.run(GUILD, poster)
    assert poster.days()[-1] == "Daily digest 13 Jun 2025"


async def test_a_month_of_digests_repeats_no_fact(
    service: DigestService, poster: FakeChannelPoster, clock: FakeClock
) -> None:
    await subscribe(service)
    for day in range(30):
        await clock.set(DUE + timedelta(days=day))
        await service.run(GUILD, poster)
    facts = [_fact_of(m) for _, m in poster.sent]
    assert len(facts) == 30 and len(set(facts)) == 30


async def test_a_full_cycle_then_a_reshuffle(
    store: Store,
    digests: DigestStore,
    poster: FakeChannelPoster,
    clock: FakeClock,
) -> None:
    keys = await store.scope_keys(Kind.FACT, 0)
    await store.sync_curated(
        [d for d in await _all(store) if d.kind != Kind.FACT or d.key in keys[:5]]
    )
    service = DigestService(digests, store, clock, permissions=Permissions(moderation_store(store)))
    await subscribe(service)
    for day in range(12):
        await clock.set(DUE + timedelta(days=day))
        await service.run(GUILD, poster)
    facts = [_fact_of(m) for _, m in poster.sent]
    assert sorted(facts[:5]) == sorted(keys[:5])
    assert sorted(facts[5:10]) == sorted(facts[:5]) and facts[5:10] != facts[:5]
    assert (await service.status(MOD)).subscription.cycle == 2


async def _all(store: Store) -> list[Any]:
    docs = []
    for kind in Kind:
        docs += await store.list(kind, limit=100_000)
    return docs


async def test_lost_access_pauses_once_and_set_resumes(
    service: DigestService, poster: FakeChannelPoster, clock: FakeClock
) -> None:
    await subscribe(service)
    poster.fail_with = DeliveryFailed("I can no longer see <#2002>.", pause=True)
    await clock.set(DUE)
    await service.run(GUILD, poster)
    status = await service.status(MOD)
    assert status.subscription.paused == "I can no longer see <#2002>."
    assert status.next is None and await service.next_due(GUILD) is None
    assert "paused" in str(render_digest_status(status).pages[0]).lower()
    poster.fail_with = None
    await clock.advance(timedelta(hours=1))
    await service.run(GUILD, poster)
    assert poster.sent == []  # paused: no retry
    await clock.advance(timedelta(hours=1))
    await service.set(MOD, DigestChannel(CHANNEL), "12:00", "Europe/London")  # fixed: set again
    await clock.set(DUE + timedelta(hours=3))
    await service.run(GUILD, poster)
    assert poster.days() == ["Daily digest 10 Jun 2025"]  # today's post, after all


async def test_a_failure_that_may_pass_is_retried_after_the_lease(
    service: DigestService, poster: FakeChannelPoster, clock: FakeClock
) -> None:
    await subscribe(service)
    poster.fail_with = DeliveryFailed("Discord is unavailable", retry=True)
    await clock.set(DUE)
    await service.run(GUILD, poster)
    assert await service.next_due(GUILD) == DUE + LEASE
    await clock.advance(LEASE - timedelta(seconds=1))
    await service.run(GUILD, poster)
    assert poster.finds == 0  # still within the lease
    poster.fail_with = None
    await clock.advance(timedelta(seconds=1))
    await service.run(GUILD, poster)
    assert poster.finds == 2 and poster.days() == ["Daily digest 10 Jun 2025"]


async def test_a_failure_that_keeps_happening_gives_up_the_day(
    service: DigestService, poster: FakeChannelPoster, clock: FakeClock
) -> None:
    await subscribe(service)
    poster.fail_with = DeliveryFailed("Discord is unavailable", retry=True)
    await clock.set(DUE)
    for _ in range(MAX_ATTEMPTS + 2):
        await service.run(GUILD, poster)
        await clock.advance(LEASE)
    status = await service.status(MOD)
    assert status.latest is not None and status.latest.outcome == "failed"
    assert status.subscription.paused is None  # tomorrow is another day
    assert status.next is not None and status.next.day == date(2025, 6, 11)


async def test_after_a_crash_before_the_outcome_the_post_is_found_not_repeated(
    service: DigestService, digests: DigestStore, poster: FakeChannelPoster, clock: FakeClock
) -> None:
    await subscribe(service)
    await clock.set(DUE)
    real_finish = digests.finish

    async def crash(*_: object, **__: object) -> bool:
        raise ConnectionError("the process died before recording the outcome")

    digests.finish = crash  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        await service.run(GUILD, poster)
    digests.finish = real_finish  # type: ignore[method-assign]
    assert len(poster.sent) == 1
    restarted = DigestService(
        digests, service._store, clock, permissions=service._permissions
    )  # a new process
    await restarted.run(GUILD, poster)
    assert len(poster.sent) == 1 and poster.finds == 0  # the lease still runs
    await clock.advance(LEASE)
    await restarted.run(GUILD, poster)
    assert len(poster.sent) == 1 and poster.finds == 1
    post = await digests.post(GUILD, date(2025, 6, 10))
    assert post is not None and post.outcome == "sent" and post.message_id == 901


async def test_after_a_crash_before_the_send_the_post_is_sent(
    service: DigestService, digests: DigestStore, poster: FakeChannelPoster, clock: FakeClock
) -> None:
    await subscribe(service)
    await clock.set(DUE)
    await digests.claim(
        PostRecord(GUILD, date(2025, 6, 10), CHANNEL, 0, "history-shanghai-five-origin", "x", DUE)
    )
    await clock.advance(LEASE)
    await service.run(GUILD, poster)
    # looked for under today's footer and under the one older versions wrote, then sent
    assert poster.finds == 2 and poster.days() == ["Daily digest 10 Jun 2025"]
    await service.run(GUILD, poster)
    assert len(poster.sent) == 1


async def test_a_post_made_before_the_upgrade_is_found_by_its_old_footer(
    service: DigestService, digests: DigestStore, poster: FakeChannelPoster, clock: FakeClock
) -> None:
    await subscribe(service)
    await clock.set(DUE)
    await digests.claim(
        PostRecord(GUILD, date(2025, 6, 10), CHANNEL, 0, "history-shanghai-five-origin", "x", DUE)
    )
    old_post = {"embeds": [{"footer": {"text": "Daily digest 2025-06-10 · SCO Fact Bot"}}]}
    poster.sent.append((CHANNEL, old_post))  # the old version posted, then the process died
    await clock.advance(LEASE)
    await service.run(GUILD, poster)
    assert len(poster.sent) == 1
    post = await digests.post(GUILD, date(2025, 6, 10))
    assert post is not None and post.outcome == "sent" and post.message_id == 901


async def test_an_open_claim_from_a_previous_day_is_not_posted_late(
    service: DigestService,
    store: Store,
    digests: DigestStore,
    poster: FakeChannelPoster,
    clock: FakeClock,
) -> None:
    await subscribe(service)
    keys = await store.scope_keys(Kind.FACT, 0)
    await digests.claim(PostRecord(GUILD, date(2025, 6, 9), CHANNEL, 0, keys[0], "x", START))
    await clock.set(DUE)
    await service.run(GUILD, poster)  # settles the 9th: not found, the day is over
    assert poster.sent == []
    stale = await digests.post(GUILD, date(2025, 6, 9))
    assert stale is not None and stale.outcome == "failed"
    await service.run(GUILD, poster)
    assert poster.days() == ["Daily digest 10 Jun 2025"]


async def test_an_unreadable_channel_when_settling_pauses(
    service: DigestService, digests: DigestStore, poster: FakeChannelPoster, clock: FakeClock
) -> None:
    await subscribe(service)
    await digests.claim(PostRecord(GUILD, date(2025, 6, 10), CHANNEL, 0, "k", "x", START))
    poster.find_fails = DeliveryFailed("The channel was deleted.", pause=True)
    await clock.set(DUE)
    await service.run(GUILD, poster)
    assert poster.sent == []
    assert (await service.status(MOD)).subscription.paused == "The channel was deleted."


async def test_two_processes_at_the_same_moment_post_once(
    tmp_path: Path, sqlite_template: Path, clock: FakeClock, poster: FakeChannelPoster
) -> None:
    shutil.copyfile(sqlite_template, tmp_path / "shared.db")  # the curated data, loaded
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first, second = await open_store(url), await open_store(url)
    try:
        services = [
            DigestService(digest_store(s), s, clock, permissions=Permissions(moderation_store(s)))
            for s in (first, second)
        ]
        await subscribe(services[0])

        async def slow() -> None:
            await asyncio.sleep(0.01)  # a slow send: the other process must not post meanwhile

        poster.before_send = slow
        await clock.set(DUE)
        await asyncio.gather(*(s.run(GUILD, poster) for s in services * 3))
        await clock.advance(LEASE * 2)
        await asyncio.gather(*(s.run(GUILD, poster) for s in services * 3))
        assert poster.days() == ["Daily digest 10 Jun 2025"]
    finally:
        await first.close()
        await second.close()


async def test_off_forget_and_preview(
    service: DigestService, digests: DigestStore, poster: FakeChannelPoster, clock: FakeClock
) -> None:
    preview = await service.preview(MOD)  # works before anything is set
    reply = render_digest(preview)
    assert reply.ephemeral and "Preview" in reply.pages[0]["embeds"][0]["footer"]["text"]
    await subscribe(service)
    before = await service.preview(MOD)
    await clock.set(DUE)
    await service.run(GUILD, poster)
    after = await service.preview(MOD)
    assert before.fact == after.fact  # the preview showed what was then posted
    assert _fact_of(poster.sent[0][1]) == after.fact.id
    stopped = await service.off(MOD)
    assert stopped.stopped and await service.next_due(GUILD) is None
    with pytest.raises(NotFound):
        await service.off(MOD)
    await subscribe(service)
    assert (await service.status(MOD)).last_sent is not None  # history kept
    await service.forget(GUILD)
    assert await digests.subscription(GUILD) is None
    assert await digests.latest_post(GUILD) is None


async def test_a_related_quote_shares_a_person_country_or_topic(
    service: DigestService, store: Store
) -> None:
    found = 0
    for guild in range(40):
        answer = await service.preview(Member.of(1, "Mod", guild, MANAGE_GUILD))
        if answer.quote is not None:
            found += 1
            fact, quote = answer.fact, answer.quote
            shared = (
                {quote.person} & set(fact.people)
                or set(quote.countries) & set(fact.countries)
                or set(quote.topics) & set(fact.topics)
            )
            assert shared, (fact.id, quote.id)
            assert_page_within_limits(render_digest(answer).pages[0])
    assert found > 10
