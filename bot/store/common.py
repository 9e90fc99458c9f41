"""What every storage backend shares: constants, hashing, name normalisation, and the pure part
of the uniform random pick. Backends differ in SQL, not in these rules."""

from __future__ import annotations

import hashlib
import random
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring

from bot.core.dataset import canonical_json, line_of
from bot.core.lookup import normalise
from bot.core.models import Document, Kind

__all__ = [
    "SEARCH_COUNT_CAP",
    "TITLE_WEIGHT",
    "Curated",
    "check_curated",
    "check_seed",
    "content_hash",
    "curated_rows",
    "hash_and_line",
    "normalise_name",
    "nth_unshadowed",
    "scope",
    "search_terms",
]

SEARCH_COUNT_CAP = 1000
"""Search totals stop counting here; past it, hits are ranked within the oldest matches."""
TITLE_WEIGHT = 5.0
"""Rank weight of a title hit relative to a body hit (1.0)."""

# The store indexes names exactly as lookup compares them.
normalise_name = normalise

_string: Callable[[str], str] = encode_basestring
"""A string as ``json.dumps(..., ensure_ascii=False)`` writes it, alone or inside a list."""


def content_hash(doc: Document) -> str:
    """sha256 of the canonical JSON of what a document says (not where it is stored)."""
    return hash_and_line(doc)[0]


def hash_and_line(doc: Document) -> tuple[str, bytes]:
    """``doc``'s ``content_hash`` and its line in the dataset's checksum
    (``bot.core.dataset.entry_line``), which both hold the canonical JSON of its data: made
    once for the two (most of either's cost).

    The hash is sha256 of ``json.dumps({"data": ..., "title": ..., "body": ..., "links":
    [[kind, key], ...], "names": [...]}, sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)``, written out here in that order (body, data, links, names,
    title) with the same string encoder: the same bytes, so databases written before still
    compare equal (``tests/store/test_hashing.py`` holds it to that definition)."""
    data = canonical_json(doc.data)
    links = ",".join(f"[{_string(link.kind)},{_string(link.key)}]" for link in doc.links)
    names = ",".join(map(_string, doc.names))
    canonical = (
        f'{{"body":{_string(doc.body)},"data":{data},"links":[{links}],'
        f'"names":[{names}],"title":{_string(doc.title)}}}'
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest(), line_of(doc, data)


@dataclass(frozen=True, slots=True)
class Curated:
    """A curated document as the backends' sync takes it (``sync_hashed``): its kind, key and
    content hash, and the document itself, made only when it has to be written (new or
    changed). At a start where nothing changed, no document is made at all."""

    kind: Kind
    key: str
    digest: str
    make: Callable[[], Document]


def curated_rows(docs: Iterable[Document]) -> Iterator[Curated]:
    """``docs`` as ``Curated`` rows, each hashed as it comes (curated documents only)."""
    for doc in docs:
        check_curated(doc)
        yield Curated(doc.kind, doc.key, content_hash(doc), _made(doc))


def check_curated(doc: Document) -> None:
    """Refuse a server's document where only curated ones belong (``sync_curated``)."""
    if doc.guild_id != 0:
        raise ValueError(f"sync_curated takes curated documents only: {doc.kind}/{doc.key}")


def _made(doc: Document) -> Callable[[], Document]:
    return lambda: doc


def scope(guild_id: int | None) -> int:
    """The stored guild id of a read: 0 (curated only) or the guild's."""
    return guild_id or 0


def check_seed(seed: float | None) -> float:
    """A seed in [0, 1): the caller's, or a random one."""
    if seed is None:
        return random.random()
    if not 0.0 <= seed < 1.0:
        raise ValueError(f"seed must be in [0, 1), not {seed}")
    return seed


def nth_unshadowed(window: Sequence[str], shadowed: Sequence[str], what: str) -> str:
    """Walk a window of curated keys read from position ``nth`` (sorted) and return the one
    that is the ``nth`` once the ``shadowed`` keys (sorted) are skipped: the shadowed keys
    before the window shift it, those inside it are stepped over. ``what`` names the pick
    in the ``LookupError`` raised when the window holds no such key (a store bug)."""
    before = bisect_left(shadowed, window[0]) if window else 0
    skip = set(shadowed)
    inside = 0
    for position, key in enumerate(window):
        if key in skip:
            inside += 1
        elif position - inside == before:
            return key
    raise LookupError(f"no curated {what} past {len(shadowed)} shadowed")


def _is_word_character(ch: str) -> bool:
    """Letters and digits: what both full-text engines index as words. Private-use characters
    (``Co``) are not: PostgreSQL's ``search_words`` makes them spaces, so a term's private-use
    characters separate words here too, on both backends."""
    return unicodedata.category(ch)[0] in "LN"


def search_terms(terms: Sequence[str]) -> list[str]:
    """The terms worth searching, made safe to send, the same for both backends: invalid
    UTF-8 replaced, NUL (which PostgreSQL text cannot hold) and private-use characters made
    spaces, and terms left without any letter or digit dropped. Each term is still only ever
    a quoted phrase (FTS5) or a query parameter (PostgreSQL), never query syntax."""
    kept = []
    for term in terms:
        clean = term.encode("utf-8", "replace").decode("utf-8").replace("\x00", " ")
        clean = "".join(" " if unicodedata.category(ch) == "Co" else ch for ch in clean)
        if any(_is_word_character(ch) for ch in clean):
            kept.append(clean)
    return kept
