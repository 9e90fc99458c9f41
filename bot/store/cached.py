"""``CachedStore``: the ``Store`` protocol answered from memory, over any backend.

Reads come from a ``Snapshot`` of the curated store, built after the curated data is loaded
and rebuilt only when it changes, and from one ``View`` per server: the snapshot under that
server's own documents and hidden curated entries, loaded on the server's first read and
replaced when its version moves. Only ``search`` goes to the database (FTS5, tsvector).

Versions: the curated store has one, every server one; each write through this store, or
through the moderation store ``moderation`` wraps, bumps the version of what it changed and
``publish``es it, so the other processes on the same PostgreSQL schema (``subscribe``: LISTEN
/NOTIFY) bump theirs within moments. ``version(guild_id)`` is what caches of answers key on.
"""

from __future__ import annotations

import asyncio
import builtins
import functools
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol

from bot.core.dataset import checksum_in_order, checksum_of_lines
from bot.core.models import Document, Kind
from bot.core.ports import SearchPage, Store, SyncReport
from bot.core.ports_digest import DigestStore
from bot.core.ports_moderation import ModerationStore
from bot.core.ports_usage import UsageStore
from bot.store.cached_moderation import EVERYTHING, VersionedModeration
from bot.store.common import Curated, check_curated, check_seed, hash_and_line, scope
from bot.store.snapshot import Ident, LinkRef, Snapshot, View

__all__ = ["EVERYTHING", "Backend", "CachedStore"]

log = logging.getLogger(__name__)
CURATED = 0
ECHO_WAIT = 1.0
LINES_HELD = 4 << 20
"""Bytes of checksum lines ``sync_curated`` keeps while it loads (``data/`` as shipped: some
330 KB). A larger load drops them, and its checksum is read back from the snapshot instead
(``curated_checksum``): at 100,000 facts the lines would be some 100 MB."""


class Backend(Store, Protocol):
    """What ``CachedStore`` needs of a backend besides the ``Store`` protocol."""

    @property
    def moderation(self) -> ModerationStore: ...

    @property
    def digests(self) -> DigestStore: ...

    @property
    def usage(self) -> UsageStore: ...

    async def scope_documents(self, guild_id: int) -> builtins.list[Document]: ...

    async def hidden_keys(self, guild_id: int) -> builtins.list[tuple[Kind, str]]: ...

    async def sync_hashed(self, rows: Iterable[Curated]) -> SyncReport: ...

    async def subscribe(self, callback: Callable[[str], None]) -> Callable[[], Awaitable[None]]: ...

    async def publish(self, payload: str) -> bool:
        """Send ``payload`` to every ``subscribe``r (this process too); whether it was sent
        (False: the backend has no other processes to tell)."""
        ...


def _as_stored(doc: Document) -> Document:
    """``doc`` as a backend reads it back: each link once, in order."""
    if len({(link.kind, link.key) for link in doc.links}) == len(doc.links):
        return doc  # (pairs: hashing a tuple is cheaper than hashing a model)
    return doc.model_copy(update={"links": tuple(dict.fromkeys(doc.links))})


class CachedStore:
    """The ``Store`` protocol from memory; build with ``await CachedStore.over(backend)``."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._token = uuid.uuid4().hex
        self._epoch = 0  # bumped for "everything changed" (a notice lost, a copy, an import)
        self._versions: dict[int, int] = {}
        # (curated version, snapshot, its plain view, its checksum when the load made it)
        self._snapshot: tuple[tuple[int, int], Snapshot, View, str | None] | None = None
        self._views: dict[int, tuple[tuple[int, int, int], View]] = {}
        self._lock = asyncio.Lock()
        self._unsubscribe: Callable[[], Awaitable[None]] | None = None
        self._sent = 0
        self._echoes: dict[str, asyncio.Future[None]] = {}

    @classmethod
    async def over(cls, backend: Backend) -> CachedStore:
        store = cls(backend)
        store._unsubscribe = await backend.subscribe(store._heard)
        return store

    def __getattr__(self, name: str) -> Any:
        """The backend's other attributes (``pool``, ``export_rows``...)."""
        return getattr(self.backend, name)

    @property
    def moderation(self) -> ModerationStore:
        """The backend's moderation store, its writes moving this store's versions."""
        return VersionedModeration(self.backend.moderation, self)

    @property
    def digests(self) -> DigestStore:
        return self.backend.digests

    @property
    def usage(self) -> UsageStore:
        return self.backend.usage

    # -- versions ---------------------------------------------------------------------------

    def version(self, guild_id: int | None) -> tuple[int, int, int]:
        """(everything, curated, the server's) version: it changes whenever what the server
        (``None``: curated only) sees may have changed."""
        guild = scope(guild_id)
        curated = self._versions.get(CURATED, 0)
        return (self._epoch, curated, self._versions.get(guild, 0) if guild else 0)

    def _bump(self, guild: int | str) -> None:
        if guild == EVERYTHING:
            self._epoch += 1
            self._views.clear()
        else:
            number = int(guild)
            self._versions[number] = self._versions.get(number, 0) + 1
            self._views.pop(number, None)

    def _heard(self, payload: str) -> None:
        token, _, rest = payload.partition("|")
        number, _, guild = rest.partition("|")
        if token != self._token:
            self._bump(guild)
        elif (echo := self._echoes.pop(number, None)) is not None and not echo.done():
            echo.set_result(None)

    async def changed(self, guild: int | str) -> None:
        """Record a write to ``guild`` (0: curated, ``"*"``: anything) and tell the other
        processes. With PostgreSQL, wait (up to ``ECHO_WAIT``) until the notice comes back to
        this process too: by then the server has committed it to every listener's queue. Each
        listener's connection delivers it on its own, though, so another process may hear of
        it some milliseconds after this one's write has returned: the promise is that a change
        is in every process's answers within a second, not at the instant the write returns
        (nothing short of an acknowledgement from every process could promise that)."""
        self._bump(guild)
        self._sent += 1
        number = str(self._sent)
        echo = asyncio.get_running_loop().create_future()
        self._echoes[number] = echo
        try:
            if await self.backend.publish(f"{self._token}|{number}|{guild}"):
                await asyncio.wait_for(echo, ECHO_WAIT)
        except TimeoutError:
            log.warning("the change notice of %s took over %.0f s to come back", guild, ECHO_WAIT)
        except Exception:  # the write stands; other processes catch up on their next notice
            log.exception("could not publish a change of %s to the other processes", guild)
        finally:
            self._echoes.pop(number, None)

    # -- views ------------------------------------------------------------------------------

    async def _curated(self) -> tuple[Snapshot, View]:
        """The snapshot of the curated store now, and the view of a scope without overlay;
        built again (once, whoever asks) when the curated version has moved."""
        held = self._snapshot
        if held is not None and held[0] == self.version(None)[:2]:
            return held[1], held[2]
        async with self._lock:
            held = self._snapshot
            wanted = self.version(None)[:2]
            if held is not None and held[0] == wanted:
                return held[1], held[2]
            snapshot = Snapshot.build(await self.backend.scope_documents(CURATED))
            self._snapshot = (wanted, snapshot, View(snapshot), None)
            return snapshot, self._snapshot[2]

    async def view(self, guild_id: int | None) -> View:
        """What ``guild_id`` sees now (``None``: the curated store)."""
        guild = scope(guild_id)
        wanted = self.version(guild)
        snapshot, plain = await self._curated()
        if not guild:
            return plain
        held = self._views.get(guild)
        if held is not None and held[0] == wanted and held[1].snapshot is snapshot:
            return held[1]
        own, hidden = await asyncio.gather(
            self.backend.scope_documents(guild), self.backend.hidden_keys(guild)
        )
        view = (
            View(snapshot, {(d.kind, d.key): d for d in own}, frozenset(hidden))
            if own or hidden
            else plain
        )
        if self.version(guild) == wanted:  # no write meanwhile: keep it
            self._views[guild] = (wanted, view)
        return view

    # -- the Store protocol -----------------------------------------------------------------

    async def migrate(self) -> int:
        return await self.backend.migrate()

    async def close(self) -> None:
        if self._unsubscribe is not None:
            await self._unsubscribe()
            self._unsubscribe = None
        await self.backend.close()

    async def sync_curated(self, docs: Iterable[Document]) -> SyncReport:
        """Load the curated store, then hold it: the snapshot is built from ``docs`` as stored
        (links once each), sparing a read of every document back from the database.

        The snapshot comes first, reading ``docs`` once and hashing each document as it
        passes; the backend's sync then compares those hashes with the stored ones and makes
        a document back from the snapshot only to write it (new or changed): at a start where
        nothing changed, none. With ``docs`` made one at a time
        (``bot.store.curated.iter_documents``) the models of every document never exist at
        once, so the memory they took is freed whole rather than in holes between the
        snapshot's lasting parts (at 100,000 facts, hundreds of megabytes the process would
        otherwise keep).

        The dataset's checksum is made here too, from each document's line (its data's
        canonical JSON, which its hash holds as well), kept up to ``LINES_HELD`` bytes and
        hashed in the checksum's order once the snapshot has sorted the keys: the same value
        ``checksum_in_order`` gives, without reading every document back from the
        snapshot."""
        digests: dict[Ident, bytes] = {}
        lines: dict[Ident, bytes] | None = {}
        held = 0

        def hashed(docs: Iterable[Document]) -> Iterator[Document]:
            nonlocal lines, held
            for given in docs:
                doc = _as_stored(given)
                check_curated(doc)
                digest, line = hash_and_line(doc)
                ident = (doc.kind, doc.key)
                digests[ident] = bytes.fromhex(digest)
                if lines is not None:
                    held += len(line)
                    if held <= LINES_HELD:
                        lines[ident] = line
                    else:
                        lines = None  # too large a load to hold: curated_checksum streams
                yield doc

        snapshot = Snapshot.build(hashed(docs))
        checksum = None
        if lines is not None:
            checksum = checksum_of_lines(map(lines.__getitem__, snapshot.idents_in_order()))
        del lines
        # Each document's hash, taken while the snapshot had it in hand: the backend compares
        # it with the stored one and makes a document from the snapshot only to write it.
        # (The digests, 32 bytes each, live only as long as this call.)
        rows = (
            Curated(*ident, digest.hex(), functools.partial(snapshot.docs.__getitem__, ident))
            for ident, digest in digests.items()
        )
        report = await self.backend.sync_hashed(rows)
        if report.added or report.updated or report.removed:
            await self.changed(CURATED)
        async with self._lock:
            self._snapshot = (self.version(None)[:2], snapshot, View(snapshot), checksum)
        return report

    def curated_documents(self) -> Sequence[Document]:
        """The curated documents the snapshot holds (each made when read)."""
        held = self._snapshot
        return held[1].documents() if held is not None else []

    def curated_checksum(self) -> str:
        """The checksum of the curated documents the snapshot holds (``bot.core.dataset``):
        the one ``sync_curated`` made, or else streamed, one document in memory at a time,
        besides the snapshot itself."""
        held = self._snapshot
        if held is None:
            return checksum_in_order(())
        made = held[3]
        return made if made is not None else checksum_in_order(held[1].in_order())

    async def put(self, doc: Document) -> None:
        await self.backend.put(doc)
        await self.changed(doc.guild_id)

    async def delete(self, kind: Kind, key: str, guild_id: int) -> bool:
        try:
            return await self.backend.delete(kind, key, guild_id)
        finally:
            await self.changed(guild_id)

    async def get(self, kind: Kind, key: str, guild_id: int | None = None) -> Document | None:
        return (await self.view(guild_id)).get(kind, key)

    async def list(
        self, kind: Kind, guild_id: int | None = None, *, limit: int = 1000, offset: int = 0
    ) -> builtins.list[Document]:
        return (await self.view(guild_id)).list(kind, limit, offset)

    async def count(self, kind: Kind, guild_id: int | None = None) -> int:
        return (await self.view(guild_id)).count(kind)

    async def linked(
        self,
        kind: Kind,
        link_kind: str,
        link_key: str,
        guild_id: int | None = None,
        *,
        limit: int = 100,
    ) -> builtins.list[Document]:
        return (await self.view(guild_id)).linked(kind, (link_kind, link_key), limit)

    async def count_linked(self, link_kind: str, link_key: str, guild_id: int | None = None) -> int:
        return (await self.view(guild_id)).count_linked((link_kind, link_key))

    async def names(
        self, kind: Kind, guild_id: int | None = None
    ) -> builtins.list[tuple[str, str]]:
        return (await self.view(guild_id)).names(kind)

    async def link_keys(self, link_kind: str, guild_id: int | None = None) -> builtins.list[str]:
        return (await self.view(guild_id)).link_keys(link_kind)

    async def scope_keys(self, kind: Kind, guild_id: int) -> builtins.list[str]:
        return await self.backend.scope_keys(kind, guild_id)  # one scope: not the merged view

    async def random(
        self,
        kind: Kind,
        guild_id: int | None = None,
        *,
        link: LinkRef = None,
        seed: float | None = None,
    ) -> Document | None:
        return (await self.view(guild_id)).random(kind, link, check_seed(seed))

    async def search(
        self,
        terms: Sequence[str],
        guild_id: int | None = None,
        *,
        kinds: Sequence[Kind] | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> SearchPage:
        return await self.backend.search(terms, guild_id, kinds=kinds, limit=limit, offset=offset)
