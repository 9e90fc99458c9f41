"""What the services return: plain data that ``render`` turns into messages."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.dataset import DatasetVersion
from bot.core.i18n import current
from bot.core.models import Country, Fact, Person, Quote, SizeClaim, Source, Summit

__all__ = [
    "AboutAnswer",
    "Ask",
    "CountryAnswer",
    "FactAnswer",
    "MembershipAnswer",
    "QuoteAnswer",
    "SearchAnswer",
    "SearchHit",
    "SourceAnswer",
    "SourceListAnswer",
    "SummitAnswer",
    "SummitListAnswer",
    "TimelineAnswer",
]


@dataclass(frozen=True)
class Ask:
    """What re-creates an answer: a command and its resolved argument (a slug, a year, an id,
    search words), small enough for a component's custom id. ``FactService.answer`` reads it."""

    command: str
    argument: str = ""


@dataclass(frozen=True)
class _Sourced:
    """Every answer carries the sources its entries cite, by id."""

    sources: dict[str, Source] = field(default_factory=dict, kw_only=True)
    ask: Ask | None = field(default=None, kw_only=True)
    # Linked entries were left out to keep the answer short; render points at /search.
    more: bool = field(default=False, kw_only=True)


@dataclass(frozen=True)
class CountryAnswer(_Sourced):
    country: Country
    facts: list[Fact]
    quotes: list[Quote]
    summits: list[Summit]
    speakers: dict[str, Person]


@dataclass(frozen=True)
class MembershipAnswer(_Sourced):
    members: list[Country]
    sizes: list[SizeClaim]  # newest first


@dataclass(frozen=True)
class SummitAnswer(_Sourced):
    summit: Summit
    facts: list[Fact]
    quotes: list[Quote]
    speakers: dict[str, Person]


@dataclass(frozen=True)
class SummitListAnswer(_Sourced):
    summits: list[Summit]


@dataclass(frozen=True)
class QuoteAnswer(_Sourced):
    person: Person
    quotes: list[Quote]
    random_pick: bool = False


@dataclass(frozen=True)
class FactAnswer(_Sourced):
    fact: Fact
    topic: str | None
    people: dict[str, Person]


@dataclass(frozen=True)
class SearchHit:
    kind: str
    key: str
    title: str
    entry: Fact | Quote | Country | Summit | Person | SizeClaim | Source


@dataclass(frozen=True)
class SearchAnswer(_Sourced):
    query: str
    terms: list[str]
    total: int
    hits: list[SearchHit]
    speakers: dict[str, Person]
    server_entries: bool = True  # False: curated only (a DM, or a server without the bot)


@dataclass(frozen=True)
class SourceAnswer(_Sourced):
    source: Source
    cited_counts: dict[str, int]
    examples: list[Fact | Quote]


@dataclass(frozen=True)
class SourceListAnswer(_Sourced):
    cited_counts: dict[str, int]


@dataclass(frozen=True)
class AboutAnswer:
    counts: dict[str, int]
    dataset: DatasetVersion | None = None  # the curated data's version and checksum


@dataclass(frozen=True)
class TimelineAnswer(_Sourced):
    """/timeline: what the picture draws (``bot.core.reading.timeline`` builds it,
    ``bot.core.reading._timeline_chart`` draws it)."""

    summits: list[Summit]  # by year
    founding: list[Country]  # the founding members (2001)
    accessions: list[Country]  # later members with the year the sources give, by year
    undated: list[Country]  # members whose year the sources do not give: named, not drawn
    sizes: list[SizeClaim]  # claims with a count, by date
    version: str = field(default="", kw_only=True)  # the dataset version drawn from
    key: str = field(default="", kw_only=True)  # what the picture shows, hashed (cache key)

    @property
    def filename(self) -> str:
        """The picture's file name: its words are in the reader's language, so it names it."""
        return f"sco-timeline-{self.key[:12]}-{current().code}.png"
