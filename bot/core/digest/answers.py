"""What the digest use cases return: plain data that ``bot.core.digest.render`` renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from bot.core.digest.plan import Planned, PostRecord, Subscription
from bot.core.models import Fact, Person, Quote, Source

__all__ = ["DigestAnswer", "DigestStatus"]


@dataclass(frozen=True)
class DigestAnswer:
    """One day's digest: the fact, and a related quote where one fits."""

    day: date
    fact: Fact
    people: dict[str, Person]
    quote: Quote | None = None
    speaker: Person | None = None
    sources: dict[str, Source] = field(default_factory=dict)
    preview: bool = False


@dataclass(frozen=True)
class DigestStatus:
    """A server's digest as ``/digest show`` tells it. ``next`` is None while paused."""

    subscription: Subscription
    next: Planned | None
    now: datetime
    last_sent: PostRecord | None = None
    latest: PostRecord | None = None
    stopped: bool = False
