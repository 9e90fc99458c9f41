"""Shared fixtures: a fresh, migrated store per test, once per backend in ``BACKENDS``.

To add a backend, append its name to ``BACKENDS`` and teach ``open_backend`` to open it; a
backend that needs a server should ``pytest.skip`` when none answers, e.g.::

    if backend == "postgres":
        url = os.environ.get("TEST_DATABASE_URL") or pytest.skip("no PostgreSQL server")
        ...  # a throwaway schema, dropped after the test
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.ports import Store
from bot.store import open_store
from bot.store.curated import load_curated

BACKENDS = ["sqlite-memory", "sqlite-file"]


async def open_backend(backend: str, tmp_path: Path) -> Store:
    """A fresh, migrated, empty store of ``backend``."""
    if backend == "sqlite-memory":
        return await open_store("sqlite://:memory:")
    if backend == "sqlite-file":
        return await open_store(f"sqlite:///{tmp_path / 'store.db'}")
    raise ValueError(f"unknown test backend {backend!r}")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
async def store(backend: str, tmp_path: Path) -> AsyncIterator[Store]:
    opened = await open_backend(backend, tmp_path)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def curated_store(store: Store) -> Store:
    """``store`` with the curated data/ loaded (whatever data/ holds so far)."""
    await load_curated(store)
    return store
