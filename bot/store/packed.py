"""The curated documents as the snapshot holds them: each one's JSON, compressed.

A ``Document`` in memory is some 3 KB (a pydantic model, its dicts and lists, the data and the
search body); its JSON is half that, and holds most of its text two or three times (``title``
and ``body`` repeat ``data``'s text and excerpts). Each JSON is compressed on its own (raw
deflate, so one is read without the others) against one preset dictionary made from the
store's first documents: what documents share (field names, the slugs of their links, the
excerpts of the sources many cite, repeated words) is then a back-reference in each, not a
copy. Measured at 100,000 facts (``bench.discord_bench --facts 100000``): a document's JSON is
1.35 KB on average, 0.15 KB compressed (0.5 KB without the dictionary); the bot's resident
memory after the start went from 289 MB to 150 MB. Reading one back costs 3-5 us of CPU more
(validating it costs 13), and the reads answers make are kept by the answer cache.

A store of fewer than ``DICTIONARY_ROWS`` documents is held as plain JSON: the repository's
curated store (about 340 documents, 0.6 MB of JSON) would save half a megabyte compressed, and
pay for it with 20 ms at every start (the dictionary, then each document compressed) and a
read twice as dear.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Mapping, Sequence

from bot.core.models import Document, Kind

__all__ = ["Ident", "Packed", "Packer"]

Ident = tuple[Kind, str]

COMPRESSION_LEVEL = 6
"""zlib's default. At 100,000 facts 9 made the documents 1% smaller and 1 made them 35% larger;
most of the time compressing takes (50-100 us a document, at the load) is setting up the
compressor, whatever the level."""
DICTIONARY_BYTES = 32 * 1024
"""zlib's largest preset dictionary (its window)."""
DICTIONARY_ROWS = 1000
"""The first documents, held as JSON until they make the dictionary; the others are compressed
as they come, so the JSON of every document never exists at once (at 100,000 facts that was
150 MB more at the start's peak). At 100,000 facts the documents compressed as well against
the dictionary of the first 500, 1,000 or 30,000 (0.14 KB)."""
DICTIONARY_SAMPLES = 64
"""How many of those, evenly spaced, make the dictionary (its last ``DICTIONARY_BYTES``):
what the store looks like, in its proportions, rather than its first kind alone."""

_load = Document.model_validate_json
_dump = Document.__pydantic_serializer__.to_json


RECENT_KEPT = 1024
"""Documents kept as read, the least recently read let go first when full. A random ``/fact``
read three: the fact drawn, the same fact again for its answer, and its source; with these
kept, at 100,000 facts it validates one (the sources and people many answers cite stay
kept). Some 3 MB."""


class Packed(Mapping[Ident, Document]):
    """Documents by (kind, key), each validated when read, the last ``RECENT_KEPT`` read kept
    (they are frozen models: sharing one is safe). Made by a ``Packer``; never changed.
    ``dictionary`` None: the rows are plain JSON."""

    __slots__ = ("_dictionary", "_recent", "_rows")

    def __init__(self, rows: dict[Ident, bytes], dictionary: bytes | None) -> None:
        self._rows = rows
        self._dictionary = dictionary
        self._recent: dict[Ident, Document] = {}

    def _kept(self, ident: Ident, row: bytes) -> Document:
        doc = self._recent.pop(ident, None)
        if doc is None:
            doc = self._read(row)
            if len(self._recent) >= RECENT_KEPT:
                del self._recent[next(iter(self._recent))]  # the least recently read
        self._recent[ident] = doc
        return doc

    def _read(self, row: bytes) -> Document:
        if self._dictionary is None:
            return _load(row)
        inflate = zlib.decompressobj(-zlib.MAX_WBITS, zdict=self._dictionary)
        return _load(inflate.decompress(row))

    def __getitem__(self, ident: Ident) -> Document:
        return self._kept(ident, self._rows[ident])

    def get(self, ident: Ident, default: None = None) -> Document | None:  # type: ignore[override]
        row = self._rows.get(ident)
        return None if row is None else self._kept(ident, row)

    def __contains__(self, ident: object) -> bool:
        return ident in self._rows

    def __iter__(self) -> Iterator[Ident]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


class Packer:
    """Documents added one at a time, then ``packed()``: the first ``DICTIONARY_ROWS`` held as
    JSON until they make the dictionary, then compressed, and every later one compressed as it
    is added. Fewer than that are packed as they are, JSON."""

    def __init__(self) -> None:
        self._rows: dict[Ident, bytes] = {}
        self._waiting: list[Ident] = []  # added before the dictionary, held as JSON
        self._dictionary: bytes | None = None
        self._primed: zlib._Compress | None = None

    def __contains__(self, ident: Ident) -> bool:
        return ident in self._rows

    def add(self, doc: Document) -> None:
        ident = (doc.kind, doc.key)
        if self._primed is None:
            self._rows[ident] = _dump(doc)
            self._waiting.append(ident)
            if len(self._waiting) >= DICTIONARY_ROWS:
                self._start()
        else:
            self._rows[ident] = self._compressed(_dump(doc))

    def packed(self) -> Packed:
        return Packed(self._rows, self._dictionary)  # no dictionary yet: a small store

    def _start(self) -> None:
        """Make the dictionary from the documents held as JSON, then compress them."""
        self._dictionary = _dictionary([self._rows[ident] for ident in self._waiting])
        self._primed = zlib.compressobj(
            COMPRESSION_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS, zdict=self._dictionary
        )
        for ident in self._waiting:
            self._rows[ident] = self._compressed(self._rows[ident])
        self._waiting = []

    def _compressed(self, row: bytes) -> bytes:
        assert self._primed is not None
        compressor = self._primed.copy()  # the dictionary read once: a copy is cheaper
        return compressor.compress(row) + compressor.flush()


def _dictionary(rows: Sequence[bytes]) -> bytes:
    """A preset dictionary for documents like ``rows``: ``DICTIONARY_SAMPLES`` of them, evenly
    spaced in their order (the same rows give the same dictionary), up to
    ``DICTIONARY_BYTES``."""
    step = max(1, len(rows) // DICTIONARY_SAMPLES)
    return b"".join(rows[::step])[-DICTIONARY_BYTES:]
