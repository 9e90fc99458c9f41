"""Daily digests, the pure part: when a server's next post is due, across time zones and DST.

No discord, no database and no clock of its own: every function is given ``now``.

**Due times.** A schedule is a wall-clock time (``HH:MM``, 24-hour) in an IANA time zone. The
post for the local date D is due at D HH:MM local time, as a UTC instant:

- on both sides of a daylight-saving change the post comes at HH:MM local time (09:00 stays
  09:00; the UTC instant moves by the offset change);
- a time that does not exist on D (inside a spring-forward gap, e.g. 01:30 on 2025-03-30 in
  Europe/London, where clocks jump from 01:00 to 02:00) is shifted forward by the gap's length:
  the post comes at 02:30 BST, once. This is what a clock that missed the jump would show
  (``fold=0`` in PEP 495);
- a time that happens twice on D (inside a fall-back fold, e.g. 01:30 on 2025-10-26 in
  Europe/London) means its first occurrence (01:30 BST, 00:30 UTC), once.

**Catch-up.** A day's post is owed from its due time until the local day ends. A bot that was
down at the due time posts as soon as it is back on the same local day; a day that ended
without a post is never posted later, so there is no backlog. A day whose due time came before
the schedule was set (``since``) is not owed: setting 09:00 at 10:00 starts tomorrow.

Which fact a day brings is ``bot.core.digest._rotation``'s part.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from rapidfuzz import fuzz, process

from bot.core import dates
from bot.core.errors import Invalid, NotFound
from bot.core.i18n import ENGLISH, N_, _, reading_in
from bot.core.records import Outcome, PostRecord, Schedule, Subscription

__all__ = [
    "LEASE",
    "DueQueue",
    "Outcome",
    "Planned",
    "PostRecord",
    "Schedule",
    "Subscription",
    "digest_marker",
    "due_at",
    "due_time",
    "english_digest_marker",
    "legacy_digest_marker",
    "next_post",
    "parse_time",
    "resolve_timezone",
    "timezone_choices",
    "timezone_names",
]

LEASE = timedelta(minutes=10)
"""How long a claim belongs to whoever made it: only after that may another process (or the
same one, after a failure) check the channel and finish the post."""
_TIME = re.compile(r"^\s*(\d{1,2})\s*[:.h]\s*(\d{2})\s*$")
_NOT_ZONES = {"Factory", "localtime", "posixrules"}


# -- time --------------------------------------------------------------------------------------


def parse_time(text: str) -> time:
    """``HH:MM`` on a 24-hour clock (``9:05`` and ``09.05`` are forgiven) -> ``time``."""
    match = _TIME.match(text)
    if match is not None:
        hour, minute = int(match[1]), int(match[2])
        if hour <= 23 and minute <= 59:
            return time(hour, minute)
    shown = text.strip()[:40] or _("an empty time")
    raise Invalid(
        _("“{text}” is not a time I understand.").format(text=shown),
        hint=N_("Give it as HH:MM on a 24-hour clock, e.g. 09:00 or 17:30."),
    )


@cache
def timezone_names() -> tuple[str, ...]:
    """Every IANA time zone name this system knows, sorted."""
    return tuple(sorted(available_timezones() - _NOT_ZONES))


@cache
def _zones_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in timezone_names()}


def _city(name: str) -> str:
    return name.rsplit("/", 1)[-1].casefold()


def timezone_choices(text: str, limit: int = 25) -> list[str]:
    """Time zone names for autocomplete, best first: names starting with ``text``, then names
    with a part starting with it (``london`` -> Europe/London), then close spellings."""
    typed = text.strip().casefold().replace(" ", "_")
    names = timezone_names()
    if not typed:
        return list(names[:limit])
    found: dict[str, None] = {}
    for name in names:
        if name.casefold().startswith(typed):
            found[name] = None
    for name in names:
        parts = name.casefold().split("/")
        if any(part.startswith(typed) for part in parts[1:]) or (
            len(typed) >= 3 and typed in name.casefold()
        ):
            found.setdefault(name, None)
    if len(found) < limit:
        fuzzy = process.extract(
            typed.rsplit("/", 1)[-1],
            names,
            scorer=fuzz.ratio,
            processor=_city,
            limit=limit,
            score_cutoff=70,
        )
        for name, _, _ in fuzzy:
            found.setdefault(name, None)
    return list(found)[:limit]


def resolve_timezone(text: str) -> str:
    """The IANA name ``text`` spells (any case), or ``NotFound`` with the closest names."""
    typed = text.strip().replace(" ", "_")
    name = _zones_by_folded_name().get(typed.casefold())
    if name is not None:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
        else:
            return name
    shown = text.strip()[:60] or _("(empty)")
    raise NotFound(
        _("“{text}” is not a time zone I know.").format(text=shown),
        suggestions=timezone_choices(text, limit=8),
        hint=N_(
            "Use an IANA name such as Europe/London, America/New_York or Asia/Shanghai; "
            "the option suggests them as you type."
        ),
    )


@dataclass(frozen=True, slots=True)
class Planned:
    """The next post: for the local date ``day``, due at the UTC instant ``due``."""

    day: date
    due: datetime

    def is_due(self, now: datetime) -> bool:
        return self.due <= now


def due_at(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of ``at`` local time on ``day``. ``fold=0`` gives exactly the rules in
    the module docstring: in a gap the offset from before the jump applies (so the time moves
    forward by the gap's length), in a fold the first occurrence is taken."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def next_post(
    schedule: Schedule, now: datetime, *, last_day: date | None, since: datetime
) -> Planned:
    """The next post owed: the first local day from today on that has no post yet
    (``last_day`` is the latest day with a claim) and whose due time is not before ``since``
    (when the schedule was set). Due when ``due <= now`` (a catch-up when ``now`` is later)."""
    zone = schedule.zone
    day = now.astimezone(zone).date()
    if last_day is not None and last_day >= day:
        day = last_day + timedelta(days=1)
    due = due_at(day, schedule.at, zone)
    for _attempt in range(3):  # today, tomorrow; a third only when clocks of processes disagree
        if due >= since:
            break
        day += timedelta(days=1)
        due = due_at(day, schedule.at, zone)
    return Planned(day, due)


def digest_marker(day: date) -> str:
    """Text in a digest's footer that says which day it is for; how a restarted bot recognises
    a post whose outcome it never recorded. In the language the digest is written in (the
    server's); ``english_digest_marker`` is searched for too, in case the server's language
    changed between the post and the restart."""
    return _("Daily digest {date}").format(date=dates.day(day))


def english_digest_marker(day: date) -> str:
    """``digest_marker`` as an English digest says it (``Daily digest 10 Jun 2025``)."""
    with reading_in(ENGLISH):
        return digest_marker(day)


def legacy_digest_marker(day: date) -> str:
    """The footer marker of posts made before dates were written for readers ("Daily digest
    2025-06-10"): still searched for, so a post made just before an upgrade is not posted twice."""
    return f"Daily digest {day.isoformat()}"


def due_time(sub: Subscription, latest: PostRecord | None, now: datetime) -> datetime | None:
    """When the scheduler should next act for ``sub`` (``latest``: its latest claim): the due
    time of the next post, or the end of an open claim's lease; None when paused."""
    if sub.paused is not None:
        return None
    if latest is not None and latest.outcome is None:
        return latest.claimed_at + LEASE
    last_day = latest.day if latest is not None else None
    return next_post(sub.schedule, now, last_day=last_day, since=sub.since).due


class DueQueue:
    """When each server is next due, and the earliest of them: a heap with lazy deletion, so a
    change costs O(log n) and finding the next wake-up O(1)."""

    def __init__(self) -> None:
        self._due: dict[int, datetime] = {}
        self._heap: list[tuple[datetime, int]] = []

    def __len__(self) -> int:
        return len(self._due)

    def get(self, guild_id: int) -> datetime | None:
        return self._due.get(guild_id)

    def set(self, guild_id: int, due: datetime | None) -> None:
        if due is None:
            self._due.pop(guild_id, None)
            return
        if self._due.get(guild_id) != due:
            self._due[guild_id] = due
            heapq.heappush(self._heap, (due, guild_id))
        if len(self._heap) > 2 * len(self._due) + 64:  # drop stale entries now and then
            self._heap = [(d, g) for g, d in self._due.items()]
            heapq.heapify(self._heap)

    def _clean_top(self) -> None:
        while self._heap and self._due.get(self._heap[0][1]) != self._heap[0][0]:
            heapq.heappop(self._heap)

    def earliest(self) -> datetime | None:
        self._clean_top()
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: datetime) -> list[int]:
        """The servers due at ``now``, earliest first, removed from the queue."""
        due: list[int] = []
        self._clean_top()
        while self._heap and self._heap[0][0] <= now:
            _, guild_id = heapq.heappop(self._heap)
            del self._due[guild_id]
            due.append(guild_id)
            self._clean_top()
        return due
