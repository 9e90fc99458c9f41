"""The curated store in memory, and what one server sees of it.

``Snapshot`` is built once from the curated documents (validated once, when read) and never
changes: documents by (kind, key) (their JSON, compressed past 1,000: ``bot.store.packed``),
sorted keys per kind, per link and per kind, names, and the distinct keys of each link kind.
``View`` answers the ``Store`` protocol's reads for one scope: the snapshot alone (curated
reads, and every server that added and hid nothing: one shared view), or the snapshot under
one server's overlay, its own documents and hidden curated entries, as the backends define
visibility: a server's document shadows the curated one of the same (kind, key), a hidden one
shows nothing in its place, pages are in key order, and random picks number the server's own
documents first, then the curated ones it still sees. Keys sort by code point, as the
backends' byte-order keys (BINARY, ``COLLATE "C"``) do.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload

from bot.core.models import Document, Kind
from bot.store.packed import Ident, Packed, Packer

__all__ = ["Documents", "Ident", "LinkRef", "Packed", "Snapshot", "View"]

LinkRef = tuple[str, str] | None
Keys = list[str]


class Documents(Sequence[Document]):
    """The documents of a ``Packed`` in the order they came, each made when read."""

    __slots__ = ("_idents", "_packed")

    def __init__(self, packed: Packed) -> None:
        self._packed = packed
        self._idents = list(packed)

    def __len__(self) -> int:
        return len(self._idents)

    @overload
    def __getitem__(self, index: int) -> Document: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Document]: ...

    def __getitem__(self, index: int | slice) -> Document | Sequence[Document]:
        if isinstance(index, slice):
            return [self._packed[ident] for ident in self._idents[index]]
        return self._packed[self._idents[index]]

    def __iter__(self) -> Iterator[Document]:
        packed = self._packed
        return (packed[ident] for ident in self._idents)


@dataclass(frozen=True, eq=False)
class Snapshot:
    """Every curated document and its indexes; immutable once built."""

    docs: Packed
    keys: dict[Kind, Keys]
    linked: dict[tuple[str, str], dict[Kind, Keys]]
    names: dict[Kind, list[tuple[str, str]]]
    link_keys: dict[str, Keys]

    @classmethod
    def build(cls, documents: Iterable[Document]) -> Snapshot:
        """The snapshot of ``documents``, each read once and not kept: made one at a time
        (``bot.store.curated.iter_documents``), they are never all in memory as models.
        Two with one kind and key are refused, as the backends' ``sync_curated`` does."""
        packer = Packer()
        keys: dict[Kind, Keys] = {}
        linked: dict[tuple[str, str], dict[Kind, Keys]] = {}
        names_of: dict[Ident, tuple[str, ...]] = {}
        for doc in documents:
            kind, key = doc.kind, doc.key
            if (kind, key) in packer:
                raise ValueError(f"duplicate curated document {kind}/{key}")
            packer.add(doc)
            keys.setdefault(kind, []).append(key)
            for ref in dict.fromkeys((link.kind, link.key) for link in doc.links):
                linked.setdefault(ref, {}).setdefault(kind, []).append(key)
            if doc.names:
                names_of[(kind, key)] = doc.names
        for kind_keys in keys.values():
            kind_keys.sort()
        for by_kind in linked.values():
            for keys_of_kind in by_kind.values():
                keys_of_kind.sort()
        names = {
            kind: [(key, name) for key in kind_keys for name in names_of.get((kind, key), ())]
            for kind, kind_keys in keys.items()
        }
        link_keys: dict[str, Keys] = {}
        for link_kind, link_key in linked:
            link_keys.setdefault(link_kind, []).append(link_key)
        for values in link_keys.values():
            values.sort()
        return cls(packer.packed(), keys, linked, names, link_keys)

    def documents(self) -> Documents:
        """Every document, in the order they came, each made when read."""
        return Documents(self.docs)

    def in_order(self) -> Iterator[Document]:
        """Every document by kind (its value), then key: the checksum's order
        (``bot.core.dataset.checksum_in_order``), each made when read and not kept."""
        return map(self.docs.__getitem__, self.idents_in_order())

    def idents_in_order(self) -> Iterator[Ident]:
        """The (kind, key) of every document in ``in_order``'s order."""
        for kind in sorted(self.keys, key=lambda kind: kind.value):
            for key in self.keys[kind]:
                yield (kind, key)

    def scope_keys(self, kind: Kind, link: LinkRef) -> Keys:
        """Sorted keys of the curated documents of ``kind`` (linked to ``link``)."""
        if link is None:
            return self.keys.get(kind, [])
        return self.linked.get(link, {}).get(kind, [])


def _merge(first: Keys, second: Keys) -> Keys:
    if not first:
        return second
    if not second:
        return first
    return sorted([*first, *second])


@dataclass(eq=False)
class View:
    """What one scope sees: the snapshot, under a server's overlay when it has one.

    ``own``: the server's documents; ``hidden``: curated entries it hid. Lists are worked
    out on first use and kept (a view is replaced, never changed, when the server's data
    changes)."""

    snapshot: Snapshot
    own: dict[Ident, Document] = field(default_factory=dict)
    hidden: frozenset[Ident] = frozenset()
    _shadowed: dict[Kind, frozenset[str]] = field(default_factory=dict, init=False)
    _lists: dict[tuple[str, Kind, LinkRef], Keys] = field(default_factory=dict, init=False)
    _names: dict[Kind, list[tuple[str, str]]] = field(default_factory=dict, init=False)
    _link_keys: dict[str, Keys] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        shadowed: dict[Kind, set[str]] = {}
        for kind, key in (*self.own, *self.hidden):
            shadowed.setdefault(kind, set()).add(key)
        self._shadowed = {kind: frozenset(keys) for kind, keys in shadowed.items()}

    @property
    def plain(self) -> bool:
        """Whether this scope sees exactly the curated store."""
        return not self.own and not self.hidden

    # -- keys -------------------------------------------------------------------------------

    def own_keys(self, kind: Kind, link: LinkRef) -> Keys:
        """Sorted keys of the server's own documents of ``kind`` (linked to ``link``)."""
        if not self.own:
            return []
        cached = self._lists.get(("own", kind, link))
        if cached is None:
            cached = sorted(
                key
                for (doc_kind, key), doc in self.own.items()
                if doc_kind == kind
                and (link is None or any((x.kind, x.key) == link for x in doc.links))
            )
            self._lists[("own", kind, link)] = cached
        return cached

    def curated_keys(self, kind: Kind, link: LinkRef) -> Keys:
        """Sorted keys of the curated documents of ``kind`` (linked to ``link``) still seen."""
        keys = self.snapshot.scope_keys(kind, link)
        shadowed = self._shadowed.get(kind)
        if not shadowed:
            return keys
        cached = self._lists.get(("curated", kind, link))
        if cached is None:
            cached = [key for key in keys if key not in shadowed]
            self._lists[("curated", kind, link)] = cached
        return cached

    def visible_keys(self, kind: Kind, link: LinkRef) -> Keys:
        own = self.own_keys(kind, link)
        if not own:
            return self.curated_keys(kind, link)
        cached = self._lists.get(("visible", kind, link))
        if cached is None:
            cached = _merge(own, self.curated_keys(kind, link))
            self._lists[("visible", kind, link)] = cached
        return cached

    def document(self, kind: Kind, key: str) -> Document:
        """A document known to be visible (its key came from one of the lists above)."""
        return self.own.get((kind, key)) or self.snapshot.docs[(kind, key)]

    def documents(self, kind: Kind, keys: Sequence[str]) -> list[Document]:
        return [self.document(kind, key) for key in keys]

    # -- the Store protocol's reads ---------------------------------------------------------

    def get(self, kind: Kind, key: str) -> Document | None:
        own = self.own.get((kind, key))
        if own is not None:
            return own
        if (kind, key) in self.hidden:
            return None
        return self.snapshot.docs.get((kind, key))

    def list(self, kind: Kind, limit: int, offset: int) -> builtins.list[Document]:
        if limit <= 0:
            return []
        start = max(offset, 0)
        return self.documents(kind, self.visible_keys(kind, None)[start : start + limit])

    def count(self, kind: Kind) -> int:
        return len(self.own_keys(kind, None)) + len(self.curated_keys(kind, None))

    def linked(self, kind: Kind, link: tuple[str, str], limit: int) -> builtins.list[Document]:
        if limit <= 0:
            return []
        return self.documents(kind, self.visible_keys(kind, link)[:limit])

    def count_linked(self, link: tuple[str, str]) -> int:
        kinds = set(self.snapshot.linked.get(link, {}))
        kinds.update(kind for kind, _ in self.own)
        return sum(
            len(self.own_keys(kind, link)) + len(self.curated_keys(kind, link)) for kind in kinds
        )

    def names(self, kind: Kind) -> builtins.list[tuple[str, str]]:
        if self.plain:
            return self.snapshot.names.get(kind, [])
        cached = self._names.get(kind)
        if cached is None:
            cached = [
                (key, name)
                for key in self.visible_keys(kind, None)
                for name in self.document(kind, key).names
            ]
            self._names[kind] = cached
        return cached

    def link_keys(self, link_kind: str) -> Keys:
        curated = self.snapshot.link_keys.get(link_kind, [])
        if self.plain:
            return curated
        cached = self._link_keys.get(link_kind)
        if cached is None:
            seen = {
                link.key
                for doc in self.own.values()
                for link in doc.links
                if link.kind == link_kind
            }
            for link_key in curated:
                if link_key not in seen and any(
                    self.curated_keys(kind, (link_kind, link_key))
                    for kind in self.snapshot.linked[(link_kind, link_key)]
                ):
                    seen.add(link_key)
            cached = sorted(seen)
            self._link_keys[link_kind] = cached
        return cached

    def random(self, kind: Kind, link: LinkRef, seed: float) -> Document | None:
        """The server's own documents numbered first (by key), then the curated ones it sees
        (by key); ``seed`` in [0, 1) picks a number uniformly."""
        own = self.own_keys(kind, link)
        curated = self.curated_keys(kind, link)
        total = len(own) + len(curated)
        if total <= 0:
            return None
        index = min(int(seed * total), total - 1)
        key = own[index] if index < len(own) else curated[index - len(own)]
        return self.document(kind, key)
