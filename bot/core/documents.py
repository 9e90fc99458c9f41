"""Turning typed entries into storage ``Document``s and back.

One place decides what each kind contributes to search (title, body), to name lookup (names)
and to the link graph (links), so every backend indexes the same things.
"""

from __future__ import annotations

import re
import sys
from typing import Any, TypeVar

from pydantic import BaseModel

from bot.core.models import (
    MODEL_BY_KIND,
    Country,
    Document,
    Fact,
    Kind,
    Link,
    Person,
    Quote,
    SizeClaim,
    Source,
    Summit,
    is_url,
    link,
)

__all__ = ["from_document", "key_of", "kind_of", "to_document"]

M = TypeVar("M", bound=BaseModel)

_KIND_BY_MODEL: dict[type[BaseModel], Kind] = {model: kind for kind, model in MODEL_BY_KIND.items()}


def kind_of(entry: BaseModel) -> Kind:
    return _KIND_BY_MODEL[type(entry)]


def key_of(entry: BaseModel) -> str:
    """The stable key of an entry within its kind."""
    match entry:
        case Country() | Person():
            return entry.slug
        case Summit():
            return str(entry.year)
        case Source() | Quote() | Fact() | SizeClaim():
            return entry.id
    raise TypeError(f"not an entry: {type(entry).__name__}")


def _citation_links(entry: BaseModel) -> list[Link]:
    # A link cited by a server's entry is not a source document: nothing to link to.
    citations = getattr(entry, "citations", [])
    return [link("source", c.source) for c in citations if not is_url(c.source)]


def to_document(entry: BaseModel, guild_id: int = 0) -> Document:
    """Describe ``entry`` for storage: searchable text, lookup names and links."""
    links: list[Link] = _citation_links(entry)
    names: list[str] = []
    match entry:
        case Source():
            title = entry.title or entry.id
            body = " ".join(x for x in (entry.publisher, entry.author, entry.notes) if x)
        case Country():
            title = entry.name
            names = [entry.name, entry.slug, *entry.aliases, *entry.names.values()]
            if entry.official_name:
                names.append(entry.official_name)
            body = " ".join([entry.membership, *names])
        case Summit():
            title = entry.name
            names = [str(entry.year), entry.name] + ([entry.city] if entry.city else [])
            body = " ".join([entry.city or "", entry.dates or "", *entry.highlights])
            if entry.country:
                links.append(link("country", entry.country))
            links += [link("person", p) for p in entry.people]
        case Person():
            title = entry.name
            names = [entry.name, entry.slug, *entry.aliases]
            body = entry.role
            if entry.country:
                links.append(link("country", entry.country))
        case Quote():
            title = entry.text[:120]
            body = " ".join(x for x in (entry.text, entry.context) if x)
            links.append(link("person", entry.person))
            links += [link("country", c) for c in entry.countries]
            links += [link("topic", t) for t in entry.topics]
            if entry.summit is not None:
                links.append(link("summit", str(entry.summit)))
        case Fact():
            title = entry.text[:120]
            body = entry.text
            links += [link("country", c) for c in entry.countries]
            links += [link("summit", str(y)) for y in entry.summits]
            links += [link("person", p) for p in entry.people]
            links += [link("topic", t) for t in entry.topics]
        case SizeClaim():
            title = f"Size on {entry.as_of.isoformat()}"
            body = entry.text
        case _:
            raise TypeError(f"not an entry: {type(entry).__name__}")
    # Excerpts are searchable too: a reader may remember the source's wording.
    excerpts = " ".join(c.excerpt for c in getattr(entry, "citations", []))
    unique_links = tuple(dict.fromkeys(links))
    data = {name: _shared(value) for name, value in entry.model_dump(mode="json").items()}
    if data.get("added", ...) is None:
        del data["added"]  # curated entries: stored exactly as before provenance existed
    return Document(
        kind=kind_of(entry),
        key=key_of(entry),
        guild_id=guild_id,
        data=data,
        title=_searchable(title),
        body=_searchable(f"{body} {excerpts}".strip()),
        links=unique_links,
        names=tuple(dict.fromkeys(n for n in names if n)),
    )


_PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]")


def _searchable(text: str) -> str:
    """``text`` with its private-use characters (Unicode category ``Co``) made spaces: the
    text search indexes, the same on both backends. PostgreSQL's ``search_words`` makes them
    spaces itself; SQLite's FTS5 tokeniser would keep them inside words ("railway" between
    U+E000 and U+E001 is one token to it), and listing them as its separators costs every
    connection milliseconds to parse."""
    return _PRIVATE_USE.sub(" ", text)


def _shared(value: Any) -> Any:
    """``value`` with the strings inside its lists interned: the slugs and source ids that
    thousands of entries repeat (their countries, topics, people, the sources they cite) are
    then one string each in memory, not one per entry."""
    if isinstance(value, list):
        return [_shared(item) for item in value]
    if isinstance(value, dict):
        return {name: _shared(item) for name, item in value.items()}
    if isinstance(value, str) and len(value) <= SHARED_LENGTH:
        return sys.intern(value)
    return value


SHARED_LENGTH = 64
"""Strings up to this long inside lists are interned (slugs, ids); longer ones are prose."""


def from_document(doc: Document, model: type[M]) -> M:
    """Rebuild the typed entry a document stores."""
    expected = MODEL_BY_KIND[doc.kind]
    if expected is not model:
        raise TypeError(f"{doc.kind} documents hold {expected.__name__}, not {model.__name__}")
    return model.model_validate(doc.data)
