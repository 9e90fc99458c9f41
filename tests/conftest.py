"""Shared fixtures: a fresh, migrated store per test, once per backend in ``BACKENDS``.

``postgres`` runs in a throwaway schema of the server at ``TEST_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``), created for the test and dropped after it.
When no server answers, the postgres cases skip and say why; under ``CI=true`` they fail
instead, so a CI machine without its database cannot pass by skipping. ``-m "not postgres"``
leaves them out on purpose.

To add a backend, append its name to ``BACKENDS`` and teach ``backend_url`` to make a URL
for a fresh, empty store of it.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.core.models import Document
from bot.core.ports import Store
from bot.settings import Settings
from bot.store import open_store
from bot.store.curated import load_catalog

BACKENDS = [
    "sqlite-memory",
    "sqlite-file",
    pytest.param("postgres", marks=pytest.mark.postgres),
]

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL") or "postgresql://postgres@127.0.0.1:5432/test"

_postgres_probe: dict[str, str | None] = {}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: needs the PostgreSQL server at TEST_POSTGRES_URL")


async def _postgres_down() -> str | None:
    """Why the test server cannot be used, or None when it answers (asked once per run)."""
    if POSTGRES_URL not in _postgres_probe:
        reason: str | None = None
        try:
            import asyncpg
        except ImportError:
            reason = "asyncpg is not installed (pip install '.[dev]')"
        else:
            try:
                conn = await asyncpg.connect(POSTGRES_URL, timeout=5)
                await conn.close()
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                reason = f"{type(exc).__name__}: {exc}"
        _postgres_probe[POSTGRES_URL] = reason
    return _postgres_probe[POSTGRES_URL]


async def require_postgres() -> None:
    """Skip the test when no PostgreSQL server answers; fail it under ``CI=true``."""
    reason = await _postgres_down()
    if reason is None:
        return
    message = (
        f"no PostgreSQL server answers at {POSTGRES_URL} ({reason}); "
        "start one (see .ci/run) or point TEST_POSTGRES_URL at one"
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}. CI=true: the PostgreSQL tests must run in CI", pytrace=False)
    pytest.skip(message)


@asynccontextmanager
async def postgres_schema_url() -> AsyncIterator[str]:
    """The URL of a store in a new schema of the test server, dropped on exit."""
    await require_postgres()
    import asyncpg

    schema = f"test_{os.getpid()}_{uuid.uuid4().hex[:12]}"
    joiner = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{joiner}schema={schema}"
    finally:
        conn = await asyncpg.connect(POSTGRES_URL, timeout=10)
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await conn.close()


@asynccontextmanager
async def backend_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A URL ``open_store`` opens as a fresh, empty store of ``backend``."""
    if backend == "sqlite-memory":
        yield "sqlite://:memory:"
    elif backend == "sqlite-file":
        yield f"sqlite:///{tmp_path / 'store.db'}"
    elif backend == "postgres":
        async with postgres_schema_url() as url:
            yield url
    else:
        raise ValueError(f"unknown test backend {backend!r}")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
async def store(backend: str, tmp_path: Path) -> AsyncIterator[Store]:
    async with backend_url(backend, tmp_path) as url:
        opened = await open_store(url)
        try:
            yield opened
        finally:
            await opened.close()


@functools.cache
def curated_documents() -> tuple[Document, ...]:
    """The curated data/ as documents, read and validated once per test run (a third of a
    second each time, which every curated_store on every backend would otherwise pay)."""
    return tuple(load_catalog().documents())


@pytest.fixture
async def curated_store(store: Store) -> Store:
    """``store`` with the curated data/ loaded (whatever data/ holds so far), as
    ``load_curated`` loads it."""
    await store.sync_curated(curated_documents())
    return store


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """The URL of an empty PostgreSQL store in a throwaway schema (skips without a server)."""
    async with postgres_schema_url() as url:
        yield url


# -- the app, for tests that drive the bot (tests/test_*_e2e.py) --------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A bot on a fresh in-memory store, with its command hash in the test's folder."""
    return Settings(
        discord_token="fake-token",
        database_url="sqlite:///:memory:",
        command_hash_file=tmp_path / "command-hash",
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[App]:
    async with build_app(settings) as built:
        yield built
