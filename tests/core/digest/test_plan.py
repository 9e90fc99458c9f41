"""The pure digest planner: due times across DST, catch-up, the due queue and the rotation."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.core.digest._rotation import RotationIndex, rotation_order
from bot.core.digest.plan import (
    LEASE,
    DueQueue,
    PostRecord,
    Schedule,
    Subscription,
    due_at,
    due_time,
    next_post,
    parse_time,
    resolve_timezone,
    timezone_choices,
)
from bot.core.errors import Invalid, NotFound

LONDON = "Europe/London"
NEW_YORK = "America/New_York"
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# -- input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("09:00", time(9)), ("9:05", time(9, 5)), (" 17.30 ", time(17, 30)), ("00:00", time(0))],
)
def test_parse_time_accepts_24_hour_times(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "9", "9am", "12:60", "", "09:00:00", "-1:00"])
def test_parse_time_refuses_anything_else_clearly(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_time(text)
    assert "HH:MM" in (caught.value.hint or "")


def test_timezones_resolve_in_any_case_and_unknown_ones_get_suggestions() -> None:
    assert resolve_timezone("europe/london") == LONDON
    assert resolve_timezone(" America/New York ") == NEW_YORK
    assert resolve_timezone("UTC") == "UTC"
    with pytest.raises(NotFound) as caught:
        resolve_timezone("Europe/Londn")
    assert LONDON in caught.value.suggestions
    for bad in ["Mars/Olympus", "../../etc/passwd", "localtime", ""]:
        with pytest.raises(NotFound):
            resolve_timezone(bad)


def test_timezone_choices_prefix_city_and_fuzzy_at_most_25() -> None:
    assert timezone_choices("Europe/Lon")[0] == LONDON
    assert LONDON in timezone_choices("london")
    assert NEW_YORK in timezone_choices("new york")
    assert LONDON in timezone_choices("Londn")
    assert len(timezone_choices("")) == 25
    assert len(timezone_choices("a")) == 25
    assert timezone_choices("zzzzzzzz") == []


# -- due times and DST ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "expected"),
    [
        (LONDON, date(2025, 3, 29), utc(2025, 3, 29, 9)),  # GMT, the day before spring forward
        (LONDON, date(2025, 3, 30), utc(2025, 3, 30, 8)),  # BST from 01:00 that morning
        (LONDON, date(2025, 10, 26), utc(2025, 10, 26, 9)),  # back to GMT at 02:00
        (NEW_YORK, date(2025, 3, 8), utc(2025, 3, 8, 14)),  # EST
        (NEW_YORK, date(2025, 3, 9), utc(2025, 3, 9, 13)),  # EDT
        (NEW_YORK, date(2025, 11, 2), utc(2025, 11, 2, 14)),  # EST again
    ],
)
def test_nine_oclock_is_nine_oclock_local_on_both_sides_of_a_change(
    zone: str, day: date, expected: datetime
) -> None:
    due = due_at(day, time(9), Schedule(time(9), zone).zone)
    assert due == expected
    assert due.astimezone(Schedule(time(9), zone).zone).strftime("%H:%M") == "09:00"


def test_a_time_inside_the_spring_gap_moves_forward_by_the_gap() -> None:
    london = Schedule(time(1, 30), LONDON)
    due = due_at(date(2025, 3, 30), london.at, london.zone)  # 01:00-02:00 does not exist
    assert due == utc(2025, 3, 30, 1, 30)
    assert due.astimezone(london.zone).strftime("%H:%M %Z") == "02:30 BST"
    new_york = Schedule(time(2, 30), NEW_YORK)
    due = due_at(date(2025, 3, 9), new_york.at, new_york.zone)  # 02:00-03:00 does not exist
    assert due.astimezone(new_york.zone).strftime("%H:%M %Z") == "03:30 EDT"


def test_a_time_inside_the_autumn_fold_means_its_first_occurrence() -> None:
    london = Schedule(time(1, 30), LONDON)
    due = due_at(date(2025, 10, 26), london.at, london.zone)  # 01:00-02:00 happens twice
    assert due == utc(2025, 10, 26, 0, 30)
    assert due.astimezone(london.zone).strftime("%H:%M %Z") == "01:30 BST"
    new_york = Schedule(time(1, 30), NEW_YORK)
    due = due_at(date(2025, 11, 2), new_york.at, new_york.zone)
    assert due.astimezone(new_york.zone).strftime("%H:%M %Z") == "01:30 EDT"


def _simulate(schedule: Schedule, start: datetime, end: datetime) -> list[datetime]:
    """Run a perfect scheduler every five minutes: post when due, remember the day."""
    posts: list[datetime] = []
    last: date | None = None
    now = start
    while now < end:
        planned = next_post(schedule, now, last_day=last, since=start)
        if planned.is_due(now):
            posts.append(now)
            last = planned.day
        now += timedelta(minutes=5)
    return posts


@pytest.mark.parametrize(
    ("zone", "at", "start"),
    [
        (LONDON, time(9), utc(2025, 3, 27)),
        (LONDON, time(1, 30), utc(2025, 3, 27)),  # through the gap
        (LONDON, time(1, 30), utc(2025, 10, 23)),  # through the fold
        (LONDON, time(0, 0), utc(2025, 10, 23)),
        (NEW_YORK, time(9), utc(2025, 3, 6)),
        (NEW_YORK, time(2, 30), utc(2025, 3, 6)),  # through the gap
        (NEW_YORK, time(1, 30), utc(2025, 10, 30)),  # through the fold
    ],
)
def test_exactly_one_post_per_local_day_across_a_change(
    zone: str, at: time, start: datetime
) -> None:
    schedule = Schedule(at, zone)
    posts = _simulate(schedule, start, start + timedelta(days=7))
    local_days = [p.astimezone(schedule.zone).date() for p in posts]
    assert len(local_days) == len(set(local_days)) >= 6
    assert all(p == due_at(d, at, schedule.zone) for p, d in zip(posts, local_days, strict=True))
    if at == time(9):
        assert {p.astimezone(schedule.zone).strftime("%H:%M") for p in posts} == {"09:00"}
        assert len({p.time() for p in posts}) == 2  # the UTC hour moved with the clocks


# -- catch-up ------------------------------------------------------------------------------------


def test_catch_up_on_the_same_day_posts_at_once() -> None:
    schedule = Schedule(time(9), LONDON)
    since = utc(2025, 6, 1)
    back = utc(2025, 6, 10, 15, 0)  # down at 09:00 BST (08:00 UTC), back at 16:00 BST
    planned = next_post(schedule, back, last_day=date(2025, 6, 9), since=since)
    assert planned.day == date(2025, 6, 10) and planned.is_due(back)


def test_previous_days_are_never_posted_late() -> None:
    schedule = Schedule(time(9), LONDON)
    back = utc(2025, 6, 13, 6, 0)  # down for three days, back before today's post
    planned = next_post(schedule, back, last_day=date(2025, 6, 9), since=utc(2025, 6, 1))
    assert planned.day == date(2025, 6, 13) and not planned.is_due(back)
    assert planned.due == utc(2025, 6, 13, 8)
    late = utc(2025, 6, 13, 22, 59)  # still the 13th in London (23:59 BST)
    assert next_post(schedule, late, last_day=date(2025, 6, 9), since=EPOCH).day == date(
        2025, 6, 13
    )


def test_local_midnight_decides_the_day_not_utc() -> None:
    schedule = Schedule(time(9), "Asia/Shanghai")  # UTC+8: 09:00 is 01:00 UTC
    now = utc(2025, 6, 10, 20, 0)  # already the 11th in Shanghai (04:00)
    planned = next_post(schedule, now, last_day=date(2025, 6, 10), since=EPOCH)
    assert planned.day == date(2025, 6, 11) and planned.due == utc(2025, 6, 11, 1)


def test_a_schedule_set_after_todays_time_starts_tomorrow() -> None:
    schedule = Schedule(time(9), LONDON)
    set_at = utc(2025, 6, 10, 9, 30)  # 10:30 BST
    planned = next_post(schedule, set_at, last_day=None, since=set_at)
    assert planned.day == date(2025, 6, 11)
    before = utc(2025, 6, 10, 7, 0)  # 08:00 BST: today still counts
    assert next_post(schedule, before, last_day=None, since=before).day == date(2025, 6, 10)


def test_a_day_already_posted_is_done_even_if_the_time_changes() -> None:
    later = Schedule(time(18), LONDON)
    now = utc(2025, 6, 10, 12, 0)
    assert next_post(later, now, last_day=date(2025, 6, 10), since=now).day == date(2025, 6, 11)


def _sub(**kw: object) -> Subscription:
    fields: dict[str, object] = {
        "guild_id": 1,
        "channel_id": 2,
        "schedule": Schedule(time(9), LONDON),
        "since": EPOCH,
    }
    fields.update(kw)
    return Subscription(**fields)  # type: ignore[arg-type]


def _claim(day: date, claimed_at: datetime, outcome: str | None = None) -> PostRecord:
    return PostRecord(1, day, 2, 0, "k", "t", claimed_at, outcome=outcome)  # type: ignore[arg-type]


def test_due_time_waits_out_an_open_claims_lease_and_ignores_paused() -> None:
    now = utc(2025, 6, 10, 8, 1)
    open_claim = _claim(date(2025, 6, 10), utc(2025, 6, 10, 8, 0))
    assert due_time(_sub(), open_claim, now) == utc(2025, 6, 10, 8, 0) + LEASE
    sent = _claim(date(2025, 6, 10), utc(2025, 6, 10, 8, 0), "sent")
    assert due_time(_sub(), sent, now) == utc(2025, 6, 11, 8)
    assert due_time(_sub(), None, now) == utc(2025, 6, 10, 8)  # due (catch-up): already past
    assert due_time(_sub(paused="channel deleted"), None, now) is None


def test_due_queue_earliest_updates_and_pops() -> None:
    queue = DueQueue()
    assert queue.earliest() is None
    for guild in range(1, 6):
        queue.set(guild, utc(2025, 1, 1, guild))
    queue.set(1, utc(2025, 1, 1, 10))  # moved later
    queue.set(2, None)  # stopped
    assert queue.earliest() == utc(2025, 1, 1, 3) and len(queue) == 4
    assert queue.pop_due(utc(2025, 1, 1, 4)) == [3, 4]
    assert queue.earliest() == utc(2025, 1, 1, 5)
    for _ in range(1000):  # stale heap entries are compacted
        queue.set(5, utc(2025, 1, 1, 5) + timedelta(seconds=random.randrange(1000)))
    assert len(queue._heap) < 200
    assert queue.pop_due(utc(2025, 1, 2)) == [5, 1]


# -- rotation ------------------------------------------------------------------------------------


def _walk(index: RotationIndex, guild: int, cycle: int, posted: set[str]) -> list[str]:
    order = []
    while (key := index.next_key(guild, cycle, posted)) is not None:
        assert key not in posted
        posted.add(key)
        order.append(key)
    return order


@pytest.mark.parametrize("n", [1, 7, 161, 3000])
def test_a_cycle_walks_every_key_once_in_the_guilds_own_order(n: int) -> None:
    keys = [f"fact-{i}" for i in range(n)]
    index = RotationIndex(keys)
    order = _walk(index, 42, 0, set())
    assert sorted(order) == sorted(keys)
    assert order == rotation_order(42, 0, keys)
    if n > 5:
        assert order != rotation_order(43, 0, keys)  # another server, another order
        assert order != sorted(keys)


def test_after_a_full_cycle_the_order_is_reshuffled() -> None:
    keys = [f"fact-{i}" for i in range(200)]
    index = RotationIndex(keys)
    first = _walk(index, 7, 0, set())
    second = _walk(index, 7, 1, set())
    assert sorted(first) == sorted(second) == sorted(keys)
    assert first != second
    assert index.next_key(7, 0, set(first)) is None  # cycle 0 is complete


def test_keys_added_mid_cycle_slot_in_without_disturbing_the_rest() -> None:
    keys = [f"fact-{i}" for i in range(300)]
    index = RotationIndex(keys)
    posted: set[str] = set()
    walked = [k for k in (_next(index, posted) for _ in range(100)) if k]
    added = [f"new-{i}" for i in range(40)]
    for key in added:
        index.add(key)
    rest = _walk(index, 5, 0, posted)
    assert len(walked) + len(rest) == 340 and not set(walked) & set(rest)
    assert set(added) <= set(rest)
    old_rest = [k for k in rest if not k.startswith("new-")]
    assert old_rest == [k for k in rotation_order(5, 0, keys) if k not in walked]


def test_keys_retired_mid_cycle_are_skipped_and_nothing_repeats() -> None:
    keys = [f"fact-{i}" for i in range(300)]
    index = RotationIndex(keys)
    posted: set[str] = set()
    walked = [_next(index, posted) for _ in range(100)]
    retired = [*walked[:10], *keys[::7]]
    for key in retired:
        index.discard(key)
    rest = _walk(index, 5, 0, posted)
    assert not set(rest) & set(walked) and not set(rest) & set(retired)
    assert set(walked) | set(rest) | set(retired) == set(keys)
    assert index.next_key(5, 0, posted) is None


def test_a_servers_own_keys_join_its_rotation() -> None:
    index = RotationIndex([f"fact-{i}" for i in range(50)])
    own = ["s1", "s2", "s3"]
    posted: set[str] = set()
    order = []
    while (key := index.next_key(9, 0, posted, own)) is not None:
        posted.add(key)
        order.append(key)
    assert len(order) == 53 and set(own) <= set(order)
    assert order == rotation_order(9, 0, [*index, *own])


def _next(index: RotationIndex, posted: set[str]) -> str:
    key = index.next_key(5, 0, posted)
    assert key is not None
    posted.add(key)
    return key


@pytest.mark.parametrize("seed", range(6))
def test_the_next_key_is_the_first_unposted_key_of_the_sorted_order(seed: int) -> None:
    """``next_key`` (buckets ranked once a cycle, a scan that stops at the first open one)
    against the straightforward computation: sort every key, take the first not posted."""
    rng = random.Random(seed)
    keys = [f"fact-{i}" for i in range(rng.choice([3, 40, 900, 2500]))]
    index = RotationIndex(keys)
    for key in rng.sample(keys, len(keys) // 5):
        index.discard(key)  # retired: absent from both
    own = [f"own-{i}" for i in range(rng.randint(0, 30))] + rng.sample(keys, 3)
    present = [*index, *own]
    for guild, cycle in [(rng.randrange(10**18), rng.randrange(5)) for _ in range(4)]:
        for share in (0.0, 0.3, 0.9, 0.999, 1.0):
            posted = set(rng.sample(present, int(len(present) * share)))
            posted |= set(rng.sample(keys, 3))  # some since retired
            expected = next(
                (k for k in rotation_order(guild, cycle, present) if k not in posted), None
            )
            assert index.next_key(guild, cycle, posted, own) == expected
            assert index.next_key(guild, cycle, frozenset(posted), iter(own)) == expected
