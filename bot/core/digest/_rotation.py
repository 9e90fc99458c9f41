"""Which fact a server's digest brings each day: its own shuffled walk through the store.

Each server walks every entry in its own shuffled order, one per day, without
repeats; after a full cycle it reshuffles. The order sorts the keys by a hash of
(guild, cycle, key): first by the rank of the key's *bucket* (one of ``BUCKETS``, fixed by the
key's own hash), then by the key's rank. Both ranks are hashes of (guild, cycle, ...), so each
server and cycle gets its own order; the buckets let ``RotationIndex.next_key`` find the first
unposted key by looking at one bucket instead of every key. The next key is the first key in
that order that was not posted in this cycle, among the keys present now: a key added
mid-cycle slots into its place without moving the others, a retired key is simply absent, and
nothing posted in the cycle comes again before it ends.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Collection, Iterable, Iterator

__all__ = ["BUCKETS", "RotationIndex", "key_hash", "rotation_order"]

BUCKETS = 1024
_MASK = (1 << 64) - 1


def key_hash(key: str) -> int:
    """A key's own 64-bit hash: fixes its bucket, and feeds its rank in every order."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")


def _seed(guild_id: int, cycle: int) -> int:
    raw = hashlib.blake2b(f"digest:{guild_id}:{cycle}".encode(), digest_size=8).digest()
    return int.from_bytes(raw, "big")


def _mix(x: int) -> int:
    """splitmix64's finaliser: a bijection on 64-bit ints that scrambles every bit."""
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


_BUCKET_MIX = tuple(_mix(b + 1) for b in range(BUCKETS))


def _bucket_rank(seed: int, bucket: int) -> int:
    return _mix(seed ^ _BUCKET_MIX[bucket])


@functools.lru_cache(maxsize=64)
def _bucket_order(seed: int) -> tuple[int, ...]:
    """Every bucket, by its rank for ``seed``: the same on every call of a server's cycle, so
    the buckets are ranked once a cycle, not on each call. The last 64 (server, cycle) seeds
    are kept, 8 KB each; a miss costs what one call cost before (1,024 ranks, and a sort)."""
    return tuple(sorted(range(BUCKETS), key=lambda bucket: _bucket_rank(seed, bucket)))


def _key_rank(seed: int, h: int) -> int:
    return _mix(seed ^ h)


def rotation_order(guild_id: int, cycle: int, keys: Iterable[str]) -> list[str]:
    """``keys`` in the order ``guild_id`` walks them in ``cycle`` (for tests and previews;
    the scheduler asks ``RotationIndex.next_key`` instead of sorting everything)."""
    seed = _seed(guild_id, cycle)

    def rank(key: str) -> tuple[int, int, str]:
        h = key_hash(key)
        return (_bucket_rank(seed, h % BUCKETS), _key_rank(seed, h), key)

    return sorted(set(keys), key=rank)


class RotationIndex:
    """The keys in rotation, grouped by bucket, so the next key costs one bucket's worth of
    hashing (about n/1024 keys) plus a set test of each bucket before it in the order (at most
    the keys posted in the cycle, in C), not a pass over every key.

    Built from the shared (curated) keys once and kept; a server's own keys are passed to
    ``next_key`` as ``extra`` each time (they are few)."""

    def __init__(self, keys: Iterable[str] = ()) -> None:
        self._hash: dict[str, int] = {}
        self._buckets: dict[int, dict[str, int]] = {}
        for key in keys:
            self.add(key)

    def __len__(self) -> int:
        return len(self._hash)

    def __contains__(self, key: object) -> bool:
        return key in self._hash

    def __iter__(self) -> Iterator[str]:
        return iter(self._hash)

    def add(self, key: str) -> None:
        if key not in self._hash:
            h = key_hash(key)
            self._hash[key] = h
            self._buckets.setdefault(h % BUCKETS, {})[key] = h

    def discard(self, key: str) -> None:
        h = self._hash.pop(key, None)
        if h is not None:
            bucket = self._buckets[h % BUCKETS]
            del bucket[key]
            if not bucket:
                del self._buckets[h % BUCKETS]

    def next_key(
        self,
        guild_id: int,
        cycle: int,
        posted: Collection[str],
        extra: Iterable[str] = (),
    ) -> str | None:
        """The first key of ``guild_id``'s order in ``cycle`` that is not in ``posted``, among
        this index's keys and ``extra``; None when every one of them was posted (the cycle is
        complete) or there are none."""
        seed = _seed(guild_id, cycle)
        posted = posted if isinstance(posted, set | frozenset) else set(posted)
        extras: dict[int, dict[str, int]] = {}
        for key in extra:
            if key not in self._hash:
                kh = key_hash(key)
                extras.setdefault(kh % BUCKETS, {})[key] = kh
        # The first bucket, in this order, holding a key not posted yet; ``keys() <= posted``
        # tests a whole bucket in C, and stops at the first open bucket.
        for bucket in _bucket_order(seed):
            own = self._buckets.get(bucket)
            more = extras.get(bucket)
            if (own is None or own.keys() <= posted) and (more is None or more.keys() <= posted):
                continue
            candidates = {**(own or {}), **(more or {})}
            unposted = [(k, v) for k, v in candidates.items() if k not in posted]
            best, _ = min(unposted, key=lambda kv: (_key_rank(seed, kv[1]), kv[0]))
            return best
        return None
