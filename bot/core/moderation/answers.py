"""What the moderation use cases return: plain data that ``render.moderation`` turns into
messages."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.models import Fact, Kind, Person, Quote
from bot.core.moderation.drafts import Draft
from bot.core.records import AuditRecord, EntryVersion, HiddenEntry, Suggestion

__all__ = [
    "AuditPage",
    "Decided",
    "EditForm",
    "EntryRef",
    "History",
    "ReviewCard",
    "Saved",
    "Suggested",
    "Visibility",
]


@dataclass(frozen=True, slots=True)
class EntryRef:
    """An entry as commands name it: ``s3`` (a server's own) or a curated id."""

    kind: Kind
    key: str
    curated: bool


@dataclass(frozen=True)
class Saved:
    """A server entry's new version is in force (added, edited, restored or approved)."""

    ref: EntryRef
    version: EntryVersion
    entry: Fact | Quote
    new_person: Person | None = None


@dataclass(frozen=True)
class Visibility:
    """An entry was retired or hidden (``shown`` False) or restored into view (True)."""

    ref: EntryRef
    shown: bool
    reason: str
    version: EntryVersion | None = None  # server entries; curated ones have no versions here


@dataclass(frozen=True)
class EditForm:
    """What ``/entry edit`` prefills: the draft of the version in force and its number."""

    ref: EntryRef
    version: int
    draft: Draft


@dataclass(frozen=True)
class Suggested:
    suggestion: Suggestion
    pending: int  # how many wait for review, this one included


@dataclass(frozen=True)
class History:
    ref: EntryRef
    versions: list[EntryVersion]  # oldest first; empty for a curated entry
    events: list[AuditRecord]  # newest first: hide/unhide for a curated entry
    hidden: HiddenEntry | None
    title: str


@dataclass(frozen=True)
class AuditPage:
    records: list[AuditRecord]  # newest first
    total: int


@dataclass(frozen=True)
class ReviewCard:
    """One pending suggestion, ``index`` (0-based) of ``total`` pending."""

    suggestion: Suggestion
    index: int
    total: int


@dataclass(frozen=True)
class Decided:
    suggestion: Suggestion  # as decided
    saved: Saved | None  # the entry it became, when approved
