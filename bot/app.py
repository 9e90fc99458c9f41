"""The composition root: settings -> store -> services. The only place that picks a backend."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import cast

from bot.core.answer_cache import Arguments, cached_class
from bot.core.clock import SystemClock
from bot.core.dataset import DatasetVersion
from bot.core.digest.service import DigestService
from bot.core.moderation.service import Moderation
from bot.core.observe import NO_METRICS, Metrics, time_calls
from bot.core.ports import Clock, Store, SyncReport
from bot.core.ports_usage import UsageStore
from bot.core.reading.findsources import SourceFinder
from bot.core.reading.service import FactService
from bot.core.reading.timeline import TimelineService
from bot.core.usage.service import CountedFacts, Usage
from bot.settings import Settings
from bot.store import (
    CachedStore,
    digest_store,
    moderation_store,
    open_cached_store,
    usage_store,
)
from bot.store.curated import iter_documents
from bot.store.dataset import read_version

__all__ = ["App", "build_app"]

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    store: Store
    facts: FactService
    loaded: SyncReport
    digests: DigestService
    moderation: Moderation
    dataset: DatasetVersion
    finder: SourceFinder
    timeline: TimelineService
    usage_store: UsageStore
    usage: Usage
    clock: Clock
    metrics: Metrics = NO_METRICS


def _metrics(settings: Settings) -> Metrics:
    """Prometheus metrics on a registry of this app's own when ``METRICS_PORT`` is set."""
    if settings.metrics_port is None:
        return NO_METRICS
    from bot.adapters.http.metrics import PrometheusMetrics

    return PrometheusMetrics()


# Answers picked at random are never kept: /fact without a seed, /quote without a person.
RANDOM_ANSWERS: dict[str, Callable[[Arguments], bool]] = {
    "fact": lambda arguments: arguments.get("seed") is None,
    "quote": lambda arguments: not (arguments.get("person") or "").strip(),
}


def _cached_facts(store: CachedStore) -> type[CountedFacts]:
    """``CountedFacts`` over a ``FactService`` whose answers are kept per ``store`` version."""
    cached = cached_class(FactService, store.version, random=RANDOM_ANSWERS)
    return cast(type[CountedFacts], type("CachedCountedFacts", (CountedFacts, cached), {}))


LARGE_LOAD = 10_000
"""Curated documents from which the load's freed memory is worth a collection to return."""


def _give_back_freed_memory() -> None:
    """Return to the system the memory the load freed (glibc's ``malloc_trim``; elsewhere
    nothing). The load's documents are freed once the snapshot is built, but glibc keeps
    freed pages below live ones as the process's own: at 100,000 facts some 150 MB that
    would stay resident for the bot's life.

    Then ``gc.freeze()``: the snapshot's objects, millions at that size, live as long as the
    process, and the cyclic collector would otherwise walk them all on each full collection,
    a pause of 200-280 ms in an answer's p99 at 100,000 facts. Frozen objects are still freed
    by reference counting; only a cycle among them would stay (the snapshot holds none)."""
    gc.collect()
    gc.freeze()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


@asynccontextmanager
async def build_app(settings: Settings, *, clock: Clock | None = None) -> AsyncIterator[App]:
    """Open the store, load the curated data into it and build the services; close on exit.
    ``clock``: the one clock every service reads (the system's by default; tests pass their
    own, e.g. ``tests/fakeclock.FakeClock``)."""
    metrics = _metrics(settings)
    clock = clock or SystemClock()
    # The curated store and each server's entries answered from memory (bot.store.cached).
    # Each statement of the running bot is bounded (DATABASE_TIMEOUT); loading is exempt.
    store = await open_cached_store(
        settings.database_url, statement_timeout=settings.database_timeout
    )
    try:
        # The documents made one at a time, and read back from the snapshot (CachedStore).
        loaded = await store.sync_curated(iter_documents(settings.data_dir))
        # Streamed from the snapshot, one document at a time: never a second copy of them.
        dataset = DatasetVersion(read_version(settings.data_dir), store.curated_checksum())
        if len(store.curated_documents()) >= LARGE_LOAD:
            _give_back_freed_memory()
        time_calls(store, metrics)  # after loading: the curated sync is not a request's cost
        # Answers computed once per version of what the server sees (bot.core.answer_cache);
        # CountedFacts still counts what each command showed, on every call.
        facts = _cached_facts(store)(store, dataset=dataset)
        moderation = Moderation.build(
            store, time_calls(moderation_store(store), metrics, prefix="moderation."), clock=clock
        )
        usage_counts = time_calls(usage_store(store), metrics, prefix="usage.")
        usage = Usage(usage_counts, clock, moderation.permissions)
        moderation.ledger.usage = usage  # /entry export and store import carry the counts
        yield App(
            settings=settings,
            store=store,
            facts=facts,
            loaded=loaded,
            digests=DigestService(
                time_calls(digest_store(store), metrics, prefix="digest."),
                store,
                clock,
                permissions=moderation.permissions,
                metrics=metrics,
            ),
            moderation=moderation,
            dataset=dataset,
            finder=SourceFinder(store, facts),
            timeline=TimelineService(store, facts, dataset),
            usage_store=usage_counts,
            usage=usage,
            metrics=metrics,
            clock=clock,
        )
        try:
            await usage.flush()  # the counts still in memory
        except Exception:
            log.warning("could not write the last usage counts", exc_info=True)
    finally:
        await store.close()
