"""How each server uses the bot, and the questions it could not answer (issue 13).

Counts only, per server and UTC day (``UsageCount``): commands run, entries shown, words
searched, and questions that found nothing (a ``/search`` with no hits, an unknown country,
person, topic, source or summit year). Nothing else of a message is kept; rows older than
``KEEP_DAYS`` are purged, and a server's rows go when the server removes the bot.

While a command runs, ``CountedFacts`` (the read service, counting) notes what it showed or
could not find into the interaction's ``Tally`` (a context variable the adapter opens with
``Usage.tally``); the adapter then hands the tally to ``Usage.record``, which adds it to counts
held in memory. ``flush`` writes them in one transaction: the adapter calls it every few
seconds, ``/stats`` before reading, and the composition root before the store closes; so a
busy server costs one write per flush, not one per command.
"""

from __future__ import annotations

import contextvars
import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bot.core.errors import NotFound
from bot.core.i18n import N_
from bot.core.permissions import Member, Permissions
from bot.core.ports import Clock
from bot.core.ports_usage import UsageStore
from bot.core.reading.service import FactService
from bot.core.records import UsageCount

__all__ = [
    "GAP_KINDS",
    "KEEP_DAYS",
    "CountedFacts",
    "Gap",
    "Period",
    "ServerStats",
    "Tally",
    "Usage",
    "current_tally",
]

log = logging.getLogger(__name__)

KEEP_DAYS = 90
"""Usage rows are kept this many days, then purged."""
TOP = 10
KEY_LENGTH = 100
FLUSH_AT = 2000
"""Pending rows that make ``record`` flush at once."""
MAX_PENDING = 20_000
"""Pending rows kept while the database fails; past that new counts are dropped (logged)."""
GAP_KINDS = {  # translated where shown: bot.core.usage.render
    "search": N_("searches with no hits"),
    "country": N_("unknown countries"),
    "person": N_("unknown people"),
    "topic": N_("unknown topics"),
    "summit": N_("summit years not recorded"),
    "source": N_("unknown sources"),
}


@dataclass
class Tally:
    """What one command showed and could not find (filled while it runs)."""

    views: list[tuple[str, str]] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    gaps: list[tuple[str, str]] = field(default_factory=list)
    day: date | None = None  # the day the command was asked (counted then, not when it ends)


_TALLY: contextvars.ContextVar[Tally | None] = contextvars.ContextVar("usage", default=None)


def current_tally() -> Tally | None:
    return _TALLY.get()


def _key(text: str) -> str:
    """A question as counted: trimmed, spaces collapsed, lower case, at most 100 characters."""
    return " ".join(text.split()).casefold()[:KEY_LENGTH]


def _note_view(kind: str, key: Any) -> None:
    tally = _TALLY.get()
    if tally is not None and key is not None:
        tally.views.append((kind, _key(str(key))))


def _note_gap(kind: str, text: Any) -> None:
    tally = _TALLY.get()
    if tally is not None and text is not None and str(text).strip():
        tally.gaps.append((kind, _key(str(text))))


@dataclass(frozen=True)
class Gap:
    """A question nobody could answer: what was asked (``kind``: see ``GAP_KINDS``), how often
    and (across servers) in how many servers."""

    kind: str
    text: str
    count: int
    servers: int = 1


@dataclass(frozen=True)
class Period:
    days: int
    commands: int
    per_command: list[tuple[str, int]]
    viewed: list[tuple[str, str, int]]  # (kind, key, count)
    words: list[tuple[str, int]]
    gaps: list[Gap]


@dataclass(frozen=True)
class ServerStats:
    """``/stats``: this server's last 7 and 30 days, and commands per day over the 30."""

    guild_id: int
    today: date
    per_day: list[tuple[date, int]]
    week: Period
    month: Period


def _period(rows: Sequence[UsageCount], since: date, days: int) -> Period:
    commands: Counter[str] = Counter()
    viewed: Counter[tuple[str, str]] = Counter()
    words: Counter[str] = Counter()
    gaps: Counter[tuple[str, str]] = Counter()
    for row in rows:
        if row.day < since:
            continue
        if row.what == "command":
            commands[row.key] += row.count
        elif row.what.startswith("view:"):
            viewed[(row.what[5:], row.key)] += row.count
        elif row.what == "word":
            words[row.key] += row.count
        elif row.what.startswith("gap:"):
            gaps[(row.what[4:], row.key)] += row.count

    def top(counter: Counter[Any]) -> list[tuple[Any, int]]:
        return sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:TOP]

    return Period(
        days=days,
        commands=sum(commands.values()),
        per_command=top(commands),
        viewed=[(kind, key, n) for (kind, key), n in top(viewed)],
        words=top(words),
        gaps=[Gap(kind, text, n) for (kind, text), n in top(gaps)],
    )


class Usage:
    """Records each server's usage and answers ``/stats`` and ``store gaps``."""

    def __init__(self, store: UsageStore, clock: Clock, permissions: Permissions) -> None:
        self._store = store
        self._clock = clock
        self.permissions = permissions
        self._purged: date | None = None
        self._pending: Counter[tuple[int, date, str, str]] = Counter()
        self._dropped = 0

    def today(self) -> date:
        return self._clock.now().date()

    @contextmanager
    def tally(self) -> Iterator[Tally]:
        """Collect what the command running in this block shows and misses."""
        tally = Tally()
        token = _TALLY.set(tally)
        try:
            yield tally
        finally:
            _TALLY.reset(token)

    def begin_tally(self) -> Tally:
        """``tally`` for the rest of the current task (each asyncio task runs in its own copy
        of the context): for a hook at the start of the task with no block to wrap."""
        tally = Tally(day=self.today())
        _TALLY.set(tally)
        return tally

    async def record(self, guild_id: int | None, command: str, tally: Tally | None) -> None:
        """Count one command in ``guild_id`` (nothing outside servers) with its tally; written
        at the next ``flush``."""
        if self.count(guild_id, command, tally):
            await self.flush()

    def count(self, guild_id: int | None, command: str, tally: Tally | None) -> bool:
        """``record`` without the wait: count the command in memory and say whether enough is
        pending that the caller should ``flush`` now."""
        if guild_id is None:
            return False
        day = tally.day if tally is not None and tally.day is not None else self.today()
        counts: Counter[tuple[str, str]] = Counter({("command", command[:KEY_LENGTH]): 1})
        if tally is not None:
            counts.update((f"view:{kind}", key) for kind, key in tally.views)
            counts.update(("word", word) for word in tally.words)
            counts.update((f"gap:{kind}", text) for kind, text in tally.gaps)
        if len(self._pending) + len(counts) > MAX_PENDING:
            self._dropped += 1
            if self._dropped == 1 or not self._dropped % 1000:
                log.warning("usage: %d commands not counted (the database fails)", self._dropped)
            return False
        for (what, key), n in counts.items():
            self._pending[(guild_id, day, what, key)] += n
        return len(self._pending) >= FLUSH_AT

    @property
    def pending(self) -> int:
        """Rows counted in memory, not yet written."""
        return len(self._pending)

    async def flush(self) -> int:
        """Write the counts held in memory (one transaction), purging past ``KEEP_DAYS`` once a
        day; how many rows. On failure the counts stay pending for the next flush."""
        today = self.today()
        if self._purged != today:
            await self.purge()
            self._purged = today
        if not self._pending:
            return 0
        taken, self._pending = self._pending, Counter()
        rows = [
            UsageCount(guild_id=g, day=d, what=w, key=k, count=n)
            for (g, d, w, k), n in sorted(taken.items())
        ]
        try:
            await self._store.add_usage(rows)
        except BaseException:
            taken.update(self._pending)
            self._pending = taken
            raise
        return len(rows)

    async def purge(self) -> int:
        """Drop rows older than ``KEEP_DAYS``; how many."""
        removed = await self._store.purge_usage(self.today() - timedelta(days=KEEP_DAYS - 1))
        if removed:
            log.info("usage: purged %d rows older than %d days", removed, KEEP_DAYS)
        return removed

    async def stats(self, member: Member) -> ServerStats:
        """This server's use over the last 7 and 30 days (moderators only)."""
        guild = await self.permissions.require_moderator(member, N_("see this server's usage"))
        return await self.server_stats(guild)

    async def server_stats(self, guild_id: int) -> ServerStats:
        await self.flush()
        today = self.today()
        month_start = today - timedelta(days=29)
        rows = await self._store.usage(guild_id, month_start)
        per_day: Counter[date] = Counter()
        for row in rows:
            if row.what == "command":
                per_day[row.day] += row.count
        return ServerStats(
            guild_id=guild_id,
            today=today,
            per_day=[
                (month_start + timedelta(days=i), per_day[month_start + timedelta(days=i)])
                for i in range(30)
            ],
            week=_period(rows, today - timedelta(days=6), 7),
            month=_period(rows, month_start, 30),
        )

    async def gaps(self, *, days: int = KEEP_DAYS, limit: int = 100) -> list[Gap]:
        """Unanswered questions across servers over the last ``days``, most frequent first."""
        await self.flush()
        since = self.today() - timedelta(days=days - 1)
        rows = await self._store.usage_totals("gap:", since, limit=limit)
        return [Gap(what[4:], key, total, servers) for what, key, total, servers in rows]

    async def forget(self, guild_id: int) -> int:
        """Delete the server's usage (the bot left it), pending counts included."""
        for key in [k for k in self._pending if k[0] == guild_id]:
            del self._pending[key]
        return await self._store.forget_usage(guild_id)

    async def export(self, guild_id: int) -> list[UsageCount]:
        await self.flush()
        return await self._store.usage(guild_id, date.min)

    async def restore(self, rows: Sequence[UsageCount]) -> None:
        await self._store.add_usage(rows)


class CountedFacts(FactService):
    """``FactService`` noting into the current ``Tally`` what each answer showed, the words
    searched, and what was asked but not found. Arguments pass through unchanged."""

    async def member(self, *args: Any, **kwargs: Any) -> Any:
        asked = args[0] if args else kwargs.get("country")
        with _gap_on_not_found("country", asked):
            answer = await super().member(*args, **kwargs)
        country = getattr(answer, "country", None)
        _note_view("country", getattr(country, "slug", None))
        return answer

    async def summit(self, *args: Any, **kwargs: Any) -> Any:
        asked = args[0] if args else kwargs.get("year")
        with _gap_on_not_found("summit", asked):
            answer = await super().summit(*args, **kwargs)
        summit = getattr(answer, "summit", None)
        _note_view("summit", getattr(summit, "year", None))
        return answer

    async def quote(self, *args: Any, **kwargs: Any) -> Any:
        asked = args[0] if args else kwargs.get("person")
        with _gap_on_not_found("person", asked):
            answer = await super().quote(*args, **kwargs)
        if not getattr(answer, "random_pick", True):
            _note_view("person", getattr(getattr(answer, "person", None), "slug", None))
        return answer

    async def search(self, *args: Any, **kwargs: Any) -> Any:
        answer = await super().search(*args, **kwargs)
        tally = _TALLY.get()
        if tally is not None:
            tally.words.extend(_key(term) for term in getattr(answer, "terms", []))
        if getattr(answer, "total", 1) == 0:
            _note_gap("search", getattr(answer, "query", None))
        return answer

    async def fact(self, *args: Any, **kwargs: Any) -> Any:
        asked = args[0] if args else kwargs.get("topic")
        with _gap_on_not_found("topic", asked):
            answer = await super().fact(*args, **kwargs)
        _note_view("fact", getattr(getattr(answer, "fact", None), "id", None))
        return answer

    async def source(self, *args: Any, **kwargs: Any) -> Any:
        asked = args[0] if args else kwargs.get("source_id")
        with _gap_on_not_found("source", asked):
            answer = await super().source(*args, **kwargs)
        _note_view("source", getattr(getattr(answer, "source", None), "id", None))
        return answer


@contextmanager
def _gap_on_not_found(kind: str, asked: Any) -> Iterator[None]:
    try:
        yield
    except NotFound:
        _note_gap(kind, asked)
        raise
