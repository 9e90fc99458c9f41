"""The domain models: what the curated store holds and what moderators add.

Every model that states something about the world carries ``citations``: at least one
``Citation`` naming a source id and a verbatim excerpt of that source. The provenance test
(tests/test_curated_provenance.py) proves each excerpt occurs in its source text.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

__all__ = [
    "DEFAULT_RANK",
    "MODEL_BY_KIND",
    "Citation",
    "Country",
    "CountryStatus",
    "Document",
    "Entity",
    "Fact",
    "Kind",
    "Link",
    "Person",
    "Provenance",
    "Quote",
    "QuoteKind",
    "Rank",
    "SizeClaim",
    "Source",
    "Summit",
    "is_url",
    "link",
    "slugify",
]

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
# 900 keeps one statement plus its citation line inside one embed field (1024).
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=900)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_URL_LENGTH = 300
# Characters that would end or restyle a link in Discord's markdown; real URLs percent-encode them.
_URL_FORBIDDEN = re.compile(r"[\s<>`|\\\"]")


def is_url(value: str) -> bool:
    """Whether a citation's ``source`` is a link (anything with a scheme) rather than an id."""
    return "://" in value or value.casefold().startswith(("http:", "https:", "javascript:"))


def _source_ref(value: str) -> str:
    """A known source's id (a slug) or, for server entries, an http(s) link."""
    if not is_url(value):
        if not _SLUG.match(value) or len(value) > 80:
            raise ValueError(
                "a source is a known source's id (lowercase words joined by '-', e.g. "
                "xinhua-grand-plan-2025) or a link starting with https://"
            )
        return value
    if len(value) > MAX_URL_LENGTH:
        raise ValueError(f"a source link is at most {MAX_URL_LENGTH} characters")
    parts = urlsplit(value)
    if parts.scheme.casefold() not in ("http", "https"):
        raise ValueError("a source link must start with http:// or https://")
    if not parts.hostname or "." not in parts.hostname or _URL_FORBIDDEN.search(value):
        raise ValueError("that source link is malformed; paste the page's full address")
    return value


SourceRef = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_source_ref)]


def slugify(text: str) -> str:
    """Lowercase ASCII-ish slug: ``"Fan Xianrong"`` -> ``"fan-xianrong"``."""
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


class Kind(StrEnum):
    """The kinds of document the store holds; the value is the stored ``kind`` column."""

    SOURCE = "source"
    COUNTRY = "country"
    SUMMIT = "summit"
    PERSON = "person"
    QUOTE = "quote"
    FACT = "fact"
    SIZE = "size"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Citation(_Model):
    """Where a statement comes from: a source id and a verbatim passage of that source.

    Curated entries cite a known source id (the catalog loader refuses links); a server's own
    entries may cite an http(s) link instead."""

    source: SourceRef
    excerpt: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=900)]


class Source(_Model):
    """A source document. Unknown metadata stays ``None``; nothing is guessed."""

    id: Slug
    file: str = Field(description="file name under data/sources/ holding the text")
    title: str | None = None
    publisher: str | None = None
    author: str | None = None
    published: date | None = None
    language: str | None = None
    url: str | None = None
    notes: str | None = Field(
        default=None, description="curators' notes: what the document shows of itself (never shown)"
    )
    label: ShortText | None = Field(
        default=None,
        description="how answers name the source: what a reader recognises, inferences marked "
        "as such, e.g. 'Xinhua, Tianjin summit preview (dateline 29 Aug, year not printed)'",
    )


class CountryStatus(StrEnum):
    MEMBER = "member"
    OBSERVER = "observer"
    DIALOGUE_PARTNER = "dialogue_partner"


class Provenance(_Model):
    """Who added a server's entry and when (curated entries have none): the first version's
    moderator, and the moderator and time of the version in force when it has changed since."""

    added_by: ShortText
    added_by_id: int
    added_at: datetime
    version: int = Field(ge=1)
    changed_by: ShortText | None = None
    changed_at: datetime | None = None
    suggested_by: ShortText | None = None


class Entity(_Model):
    """Something with citations; ``added`` marks an entry a server's moderators added."""

    citations: list[Citation] = Field(min_length=1)
    added: Provenance | None = None


class Country(Entity):
    slug: Slug
    name: ShortText
    official_name: ShortText | None = None
    status: CountryStatus
    founding_member: bool = False
    joined_year: int | None = Field(default=None, ge=1990, le=2100)
    membership: Text = Field(description="how and when it joined, as the sources say")
    aliases: list[ShortText] = Field(default_factory=list)
    names: dict[str, ShortText] = Field(
        default_factory=dict, description="names by language code: ru, zh, ..."
    )


class SizeClaim(Entity):
    """The organisation's size as one source states it, on one date."""

    id: Slug
    as_of: date
    later_same_day: bool = Field(
        default=False,
        description="on a date shared with another claim, this one is the later: e.g. a report "
        "of the Sept 1, 2025 speech beside a report written that morning before the meeting",
    )
    as_of_note: ShortText | None = Field(
        default=None,
        description="how as_of was read when the source does not print it whole, e.g. "
        "'year not printed; inferred from the summit year'",
    )
    text: Text
    member_states: int | None = None
    observer_states: int | None = None
    dialogue_partners: int | None = None
    partners: int | None = None
    total: int | None = None


class Summit(Entity):
    year: int = Field(ge=1996, le=2100)
    name: ShortText
    city: ShortText | None = None
    country: Slug | None = None
    country_inferred: bool = Field(
        default=False,
        description="the host country is inferred from the city the sources name (no source "
        "states it); answers must not present it as sourced",
    )
    dates: ShortText | None = Field(default=None, description="as the sources give them")
    ordinal: int | None = Field(default=None, description="e.g. 25 for the 25th meeting")
    highlights: list[Text] = Field(default_factory=list)
    people: list[Slug] = Field(default_factory=list)


class Person(Entity):
    slug: Slug
    name: ShortText
    role: Text
    country: Slug | None = None
    aliases: list[ShortText] = Field(default_factory=list)


# How central an entry is to its subject: 1 = what a one-paragraph summary of the country,
# summit or person must say; 2 = important; 3 = useful detail; 4 = colour or anecdote;
# 5 = trivia. Answers order by rank first, so the curated rank decides what a reader sees.
Rank = Annotated[int, Field(ge=1, le=5)]
DEFAULT_RANK = 3


class QuoteKind(StrEnum):
    DIRECT = "direct"
    REPORTED = "reported"


class Quote(Entity):
    id: Slug
    person: Slug
    kind: QuoteKind
    text: Text
    context: Text | None = None
    summit: int | None = None
    countries: list[Slug] = Field(default_factory=list)
    topics: list[Slug] = Field(default_factory=list)
    rank: Rank = DEFAULT_RANK
    lead: ShortText | None = Field(
        default=None,
        description="for reported text that starts mid-sentence: a short subject shown before "
        "the verbatim fragment so it reads on its own, e.g. 'Fan Xianrong said'",
    )
    form: ShortText | None = Field(
        default=None,
        description="what a direct quote is when the source prints it without quotation marks, "
        "e.g. 'from his column', 'from his speech as published'",
    )


class Fact(Entity):
    id: Slug
    text: Text
    topics: list[Slug] = Field(default_factory=list)
    countries: list[Slug] = Field(default_factory=list)
    summits: list[int] = Field(default_factory=list)
    people: list[Slug] = Field(default_factory=list)
    rank: Rank = DEFAULT_RANK

    @field_validator("text")
    @classmethod
    def _one_sentence_ish(cls, value: str) -> str:
        if "\n" in value:
            raise ValueError("a fact is one plain sentence, without line breaks")
        return value


MODEL_BY_KIND: dict[Kind, type[_Model]] = {
    Kind.SOURCE: Source,
    Kind.COUNTRY: Country,
    Kind.SUMMIT: Summit,
    Kind.PERSON: Person,
    Kind.QUOTE: Quote,
    Kind.FACT: Fact,
    Kind.SIZE: SizeClaim,
}


class Link(_Model):
    """An edge from a document to something it concerns (a country, summit, person, topic...).

    Build them with ``link(kind, key)``: one shared object per edge."""

    kind: Literal["country", "summit", "person", "topic", "source"]
    key: str


@functools.lru_cache(maxsize=16384)
def link(kind: str, key: str) -> Link:
    """The ``Link`` of (``kind``, ``key``), one object for every document linking there.

    Links are few (the countries, summits, people, topics and sources) and documents many:
    at 100,000 facts a ``Link`` of its own per edge was half of each document's memory (a
    pydantic model is about 700 bytes). Links are frozen, so sharing one is safe."""
    return Link(kind=kind, key=key)


_ALL_DOCUMENT_FIELDS: set[str] = set()  # filled once Document is defined


class Document(_Model):
    """The storage form of any entry: what a backend persists and indexes.

    ``guild_id`` 0 means curated (shared by every server); otherwise the server that added it.
    ``title``/``body`` feed full-text search; ``names`` feed name lookup; ``links`` let the
    services ask for "facts about Belarus" without scanning.
    """

    kind: Kind
    key: str
    guild_id: int = 0
    data: dict[str, Any]
    title: str
    body: str
    links: tuple[Link, ...] = ()
    names: tuple[str, ...] = ()

    def model_post_init(self, context: Any, /) -> None:
        """Share one set of the field names among documents that set every field.

        pydantic keeps a set of the fields given per instance (some 700 bytes for eight);
        an in-memory store holds every curated document, and the backends and ``to_document``
        give all eight. Never changed in place: the model is frozen, and ``model_copy``
        copies the set before adding to it."""
        if self.__pydantic_fields_set__ == _ALL_DOCUMENT_FIELDS:
            object.__setattr__(self, "__pydantic_fields_set__", _ALL_DOCUMENT_FIELDS)


_ALL_DOCUMENT_FIELDS.update(Document.model_fields)
