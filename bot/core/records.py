"""What moderation keeps: entry versions, the audit log, suggestions, hidden curated entries,
and the export file that carries one server's share of all of them; and what a daily digest
keeps (its subscription and each day's post), so that the ports (``bot.core.ports``) name
every record without importing a feature.

Plain frozen pydantic models: the ``ModerationStore`` reads and writes them, the services build
them, and ``GuildExport`` validates an export file before anything is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from functools import cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from bot.core.models import Kind

__all__ = [
    "EXPORT_FORMAT",
    "Actor",
    "AuditRecord",
    "EntryStatus",
    "EntryVersion",
    "GuildExport",
    "HiddenEntry",
    "Outcome",
    "PostRecord",
    "Schedule",
    "Subscription",
    "Suggestion",
    "SuggestionStatus",
    "UsageCount",
    "VersionAction",
]

EXPORT_FORMAT = "sco-fact-bot/guild-export"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Actor(_Record):
    """Who did something: a Discord user id and the name shown at the time."""

    id: int
    name: str = Field(min_length=1, max_length=100)


class EntryStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


VersionAction = Literal["add", "edit", "retire", "restore", "approve"]


class EntryVersion(_Record):
    """One version of a server's entry. Versions are numbered 1, 2, 3... per entry and never
    change once written; the highest is the entry's state now. ``data`` is the entry's model
    dump without provenance (that is derived from the versions)."""

    guild_id: int
    kind: Kind
    key: str
    version: int = Field(ge=1)
    status: EntryStatus
    data: dict[str, Any]
    action: VersionAction
    actor: Actor
    reason: str = ""
    at: datetime
    suggested_by: Actor | None = None


class AuditRecord(_Record):
    """One line of a server's audit log."""

    guild_id: int
    at: datetime
    actor: Actor
    action: str  # add edit retire restore hide unhide suggest report approve reject config import
    kind: Kind | None = None
    key: str | None = None
    version: int | None = None
    detail: str = ""


class SuggestionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Suggestion(_Record):
    """A member's proposed entry, or their correction of one, numbered per server (``#1``,
    ``#2``...) in one review queue.

    A correction ("Report an error") names the entry it corrects (``kind`` and ``corrects``,
    its key; ``curated`` when it is a curated entry) and ``data`` holds ``problem`` (what is
    wrong), ``evidence`` (an optional link or excerpt) and ``text`` (the entry's text when it
    was reported)."""

    guild_id: int
    number: int = Field(ge=1)
    kind: Kind
    data: dict[str, Any]  # the entry's model dump; its key is assigned on approval
    new_person: dict[str, Any] | None = None  # a quote's speaker nobody recorded yet
    author: Actor
    at: datetime
    duplicate_of: str | None = None
    status: SuggestionStatus = SuggestionStatus.PENDING
    reviewer: Actor | None = None
    decided_at: datetime | None = None
    reason: str = ""
    entry_key: str | None = None
    corrects: str | None = None
    curated: bool = False

    @property
    def is_correction(self) -> bool:
        return self.corrects is not None


class HiddenEntry(_Record):
    """A curated entry one server has hidden from its own answers."""

    guild_id: int
    kind: Kind
    key: str
    actor: Actor
    reason: str
    at: datetime


class UsageCount(_Record):
    """How often something happened in a server on one day (UTC): counts only, no message
    content beyond what was typed into the bot's own commands. ``what`` is ``command``,
    ``view:<kind>`` (an entry shown), ``word`` (a searched word) or ``gap:<kind>`` (a question
    that found nothing: a search with no hits, an unknown country, person, topic or year)."""

    guild_id: int
    day: date
    what: str
    key: str
    count: int


class GuildExport(_Record):
    """Everything one server added: ``python -m bot store export`` writes it, ``store import``
    restores it exactly into a database that holds nothing for that server."""

    format: Literal["sco-fact-bot/guild-export"] = "sco-fact-bot/guild-export"
    format_version: Literal[1] = 1
    guild_id: int
    exported_at: datetime
    moderator_role_id: int | None = None
    versions: list[EntryVersion] = Field(default_factory=list)
    hidden: list[HiddenEntry] = Field(default_factory=list)
    suggestions: list[Suggestion] = Field(default_factory=list)
    audit: list[AuditRecord] = Field(default_factory=list)
    usage: list[UsageCount] = Field(default_factory=list)


# -- daily digests (the behaviour is bot.core.digest.plan's) ------------------------------------


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a server's digest is due: ``at`` local time every day in ``timezone``."""

    at: time
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.timezone)


@cache
def _zone(name: str) -> ZoneInfo:
    # ZoneInfo keeps only a few zones alive; with hundreds in use each lookup would read the
    # zone's file again. There are about 600 names: keep every one that is used.
    return ZoneInfo(name)


@dataclass(frozen=True, slots=True)
class Subscription:
    """A server's digest: where, when, since when, which rotation cycle, and why it is paused
    (None while it runs)."""

    guild_id: int
    channel_id: int
    schedule: Schedule
    since: datetime
    cycle: int = 0
    paused: str | None = None
    paused_at: datetime | None = None


Outcome = Literal["sent", "failed"]


@dataclass(frozen=True, slots=True)
class PostRecord:
    """One day's post of one server: claimed (``outcome`` None) before sending, then finished.
    ``token`` names the claim's current owner; ``attempts`` counts the owners so far."""

    guild_id: int
    day: date
    channel_id: int
    cycle: int
    key: str
    token: str
    claimed_at: datetime
    attempts: int = 1
    outcome: Outcome | None = None
    message_id: int | None = None
    detail: str | None = None
    finished_at: datetime | None = None
