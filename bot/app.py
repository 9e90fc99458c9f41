"""The composition root: settings -> store -> services. The only place that picks a backend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.core.clock import SystemClock
from bot.core.dataset import DatasetVersion
from bot.core.digest_service import DigestService
from bot.core.findsources import SourceFinder
from bot.core.moderation import Moderation
from bot.core.ports import Clock, Store, SyncReport
from bot.core.services import FactService
from bot.core.timeline import TimelineService
from bot.settings import Settings
from bot.store import digest_store, moderation_store, open_store
from bot.store.curated import load_catalog
from bot.store.dataset import dataset_of

__all__ = ["App", "build_app"]


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


@asynccontextmanager
async def build_app(settings: Settings, *, clock: Clock | None = None) -> AsyncIterator[App]:
    """Open the store, load the curated data into it and build the services; close on exit.
    ``clock``: the digests' clock (the system's by default; tests pass their own)."""
    store = await open_store(settings.database_url)
    try:
        # As ``load_curated`` does, keeping the documents to checksum them (the dataset version).
        documents = load_catalog(settings.data_dir).documents()
        loaded = await store.sync_curated(documents)
        dataset = dataset_of(settings.data_dir, documents)
        facts = FactService(store, dataset=dataset)
        yield App(
            settings=settings,
            store=store,
            facts=facts,
            loaded=loaded,
            digests=DigestService(digest_store(store), store, clock or SystemClock()),
            moderation=Moderation.build(store, moderation_store(store)),
            dataset=dataset,
            finder=SourceFinder(store, facts),
            timeline=TimelineService(store, facts, dataset),
        )
    finally:
        await store.close()
