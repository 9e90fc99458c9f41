"""Shared fixtures: a fresh, migrated store per test, once per backend in ``BACKENDS``; the
test tiers; the curated data loaded once per session.

``postgres`` runs in a throwaway schema of the server at ``TEST_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``), created for the test and dropped after it.
When no server answers, the postgres cases skip and say why; under ``CI=true`` they fail
instead, so a CI machine without its database cannot pass by skipping. ``-m "not postgres"``
leaves them out on purpose.

Tiers (markers registered in pyproject.toml; select with ``-m unit``, ``-m backend_contract``,
``-m e2e``): every test gets exactly one, from where it lives or what it uses
(``pytest_collection_modifyitems``), so a new test is sorted without being told:

* ``e2e``: drives the bot through the fake Discord (``tests/adapters/discord/``,
  ``tests/adapters/http/``, or its module uses
  ``tests.fakediscord``);
* ``backend_contract``: runs on a real store backend (``tests/store/``, the ``backend``,
  ``store``, ``curated_store`` or ``postgres_url`` fixtures, the ``postgres`` marker, or a
  module that opens stores itself);
* ``unit``: everything else (pure core, rendering, data, docs, the console).

Speed: the curated ``data/`` is read and validated once per session (``load_catalog`` is
cached by the files' sizes and times; each caller gets lists of its own holding the same
frozen entries, and their documents are described and hashed once), and loaded once per session per
backend into a template: a SQLite file, copied for each test (``sqlite-file``) or copied into
the test's in-memory database (``sqlite-memory``), and a PostgreSQL schema whose rows are
copied into the test's new schema (by one script, worked out once per template). Each test
still gets its own store; only the loading is shared. The app's start (``build_app``) takes
the session's documents for the repository's ``data/`` (``_cached_iter_documents``). The
``store`` and ``curated_store`` PostgreSQL schemas are reused: a test that passes gives its
schema back, restored to its start, to the next test of its process (``tests.pgschemas``).

To add a backend, append its name to ``BACKENDS`` and teach ``backend_url`` to make a URL
for a fresh, empty store of it (and ``curated_store`` to fill one from a template).
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import functools
import gc
import logging
import os
import shutil
import sqlite3
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest

import bot.store.cached as cached_store
import bot.store.curated as curated
from bot.app import App, build_app
from bot.core.models import Document
from bot.core.ports import Store
from bot.settings import Settings
from bot.store import open_store
from bot.store.sqlite import SqliteStore
from tests.pgschemas import SchemaPool, template_rows

TESTS = Path(__file__).resolve().parent
pytest_plugins = ["tests.xdist_order"]  # the longest test files are handed out first
T = TypeVar("T")

BACKENDS = [
    "sqlite-memory",
    "sqlite-file",
    pytest.param("postgres", marks=pytest.mark.postgres),
]

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL") or "postgresql://postgres@127.0.0.1:5432/test"

_postgres_probe: dict[str, str | None] = {}


# -- tiers ----------------------------------------------------------------------------------

TIERS = ("unit", "backend_contract", "e2e")
# Folders whose every test is of one tier (by path under tests/); elsewhere (tests/core,
# tests/adapters/console, ...) a test's tier comes from what it uses.
_TIER_BY_FOLDER = {
    ("adapters", "discord"): "e2e",
    ("adapters", "http"): "e2e",
    ("store",): "backend_contract",
}
_STORE_FIXTURES = {"backend", "store", "curated_store", "postgres_url"}
_STORE_OPENERS = {"open_store", "backend_url", "postgres_schema_url", "build_app"}


def _tier(item: pytest.Item) -> str:
    try:
        parts = item.path.resolve().relative_to(TESTS).parts
    except ValueError:
        parts = ()
    for folder, tier in _TIER_BY_FOLDER.items():
        if parts[: len(folder)] == folder:
            return tier
    module = getattr(item, "module", None)
    names = vars(module) if module is not None else {}
    if any(getattr(v, "__module__", "").startswith("tests.fakediscord") for v in names.values()):
        return "e2e"
    fixtures = set(getattr(item, "fixturenames", ()))
    if (
        fixtures & _STORE_FIXTURES
        or item.get_closest_marker("postgres")
        or _STORE_OPENERS & set(names)
    ):
        return "backend_contract"
    return "unit"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give every test one tier marker (unless it names one itself)."""
    for item in items:
        if not any(item.get_closest_marker(tier) for tier in TIERS):
            item.add_marker(_tier(item))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Collect once, then ``gc.freeze()`` what is left: the modules, the tests and their
    parameters (hundreds of thousands of objects, alive for the whole session), which the
    cyclic collector would otherwise walk on every full collection. As the running bot does
    (``bot.adapters.discord.runner``); frozen objects are still freed by reference counting.
    And a young collection every 10,000 allocations rather than 700: the tests allocate
    freely, every tenth young collection is a middle one and every tenth of those a full
    one. Measured over the suite (``gc.callbacks``, both workers): 9.1 s of collection
    before, 3.6 s after."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


# -- isolation ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _root_logger_left_as_found() -> Iterator[None]:
    """A test that configures logging (``bot.__main__.main`` calls ``configure_logging``) leaves
    the root logger as it found it: a handler left writing to that test's captured, since
    closed, standard error turns every later log line into a "Logging error"."""
    root = logging.getLogger()
    before, level = set(root.handlers), root.level
    yield
    for handler in root.handlers[:]:
        if handler not in before and type(handler).__module__ != "_pytest.logging":
            root.removeHandler(handler)
    root.setLevel(level)


# -- the curated data, read once ------------------------------------------------------------

_read_catalog = curated.load_catalog
_catalogs: dict[tuple[Any, ...], curated.Catalog] = {}


def _catalog_key(data_dir: Path) -> tuple[Any, ...]:
    files = sorted(p for p in Path(data_dir).rglob("*") if p.is_file())
    stats = [(str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files]
    return (str(Path(data_dir).resolve()), *stats)


def _cached_load_catalog(data_dir: Path = curated.DEFAULT_DATA_DIR) -> curated.Catalog:
    """``load_catalog``, read and validated once per session for each state of a folder's files
    (a test that writes its own data folder gets it read again). Each caller gets lists of its
    own holding the same entries: they are frozen models, so sharing them is safe, and
    ``_cached_to_document`` then finds them already described."""
    key = _catalog_key(data_dir)
    if key not in _catalogs:
        read = _read_catalog(data_dir)  # an error is raised, never cached
        _catalogs[key] = read
        for f in dataclasses.fields(read):
            value = getattr(read, f.name)
            if isinstance(value, list):
                _shared.update(id(entry) for entry in value)
    read = _catalogs[key]
    return dataclasses.replace(
        read, **{f.name: copy.copy(getattr(read, f.name)) for f in dataclasses.fields(read)}
    )


_to_document = curated.to_document  # type: ignore[attr-defined]
_described: dict[int, tuple[Any, Document]] = {}
_shared: set[int] = set()  # the entries of the cached catalogs (kept alive by ``_catalogs``)


def _cached_to_document(entry: Any, guild_id: int = 0) -> Document:
    """``to_document`` for the curated catalog, once per (frozen) entry object: every app a
    test builds describes the same few hundred entries for its curated load (``Document`` is
    frozen too). Keyed by identity, with the entry kept, so an id is never reused."""
    if guild_id or id(entry) not in _shared:
        # Only the cached catalogs' entries: a test's own entries (a generated data folder
        # measured for memory, say) are described afresh and not kept alive by this cache.
        return _to_document(entry, guild_id)
    cached = _described.get(id(entry))
    if cached is None or cached[0] is not entry:
        cached = (entry, _to_document(entry))
        _described[id(entry)] = cached
        _hashed[id(cached[1])] = (cached[1], None)
    return cached[1]


curated.to_document = _cached_to_document  # type: ignore[attr-defined]

_hash_and_line = cached_store.hash_and_line
_hashed: dict[int, tuple[Document, tuple[str, bytes] | None]] = {}  # the described documents'


def _cached_hash_and_line(doc: Document) -> tuple[str, bytes]:
    """``hash_and_line`` for the app's curated load, made once per document the session's
    catalog describes (frozen, kept alive here): hashing them was a third of every app's
    start. Any other document is hashed afresh."""
    held = _hashed.get(id(doc))
    if held is None or held[0] is not doc:
        return _hash_and_line(doc)
    if held[1] is None:
        held = _hashed[id(doc)] = (doc, _hash_and_line(doc))
    assert held[1] is not None
    return held[1]


cached_store.hash_and_line = _cached_hash_and_line  # type: ignore[attr-defined]

_read_documents = curated.iter_documents


def _cached_iter_documents(data_dir: Path = curated.DEFAULT_DATA_DIR) -> Iterator[Document]:
    """``iter_documents`` for the app's start (``build_app``): for the repository's own
    ``data/``, the documents of the session's cached catalog (parsing the YAML was most of an
    app's start); any other folder (a test's own, a large generated one measured for memory)
    is read as the bot reads it. ``bot.store.curated`` keeps the real one, which
    ``tests/test_curated_loading.py`` holds to ``load_catalog``."""
    if Path(data_dir).resolve() != curated.DEFAULT_DATA_DIR.resolve():
        return _read_documents(data_dir)
    return iter(_cached_load_catalog(data_dir).documents())


# The YAML is most of the time an app takes to start (``build_app``), so every module of the
# bot that has imported ``load_catalog`` or ``iter_documents`` by name gets the cached one
# (later imports of ``load_catalog`` get it from ``bot.store.curated``).
for _module in [curated, *(m for n, m in sys.modules.items() if n.startswith("bot."))]:
    if getattr(_module, "load_catalog", None) is _read_catalog:
        _module.load_catalog = _cached_load_catalog
    if _module is not curated and getattr(_module, "iter_documents", None) is _read_documents:
        _module.iter_documents = _cached_iter_documents  # type: ignore[attr-defined]


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


def _schema_url(schema: str) -> str:
    joiner = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{joiner}schema={schema}"


async def _drop_schema(schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(POSTGRES_URL, timeout=10)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


@asynccontextmanager
async def postgres_schema_url() -> AsyncIterator[str]:
    """The URL of a store in a new schema of the test server, dropped on exit."""
    await require_postgres()
    schema = f"test_{os.getpid()}_{uuid.uuid4().hex[:12]}"
    try:
        yield _schema_url(schema)
    finally:
        await _drop_schema(schema)


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


@pytest.fixture(scope="session")
def schema_pool() -> Iterator[SchemaPool]:
    """This process's PostgreSQL schemas kept for reuse (``tests.pgschemas``), dropped at the
    end of the session."""

    async def connect() -> Any:
        import asyncpg

        return await asyncpg.connect(POSTGRES_URL, timeout=10)

    pool = SchemaPool(connect)
    yield pool
    if _postgres_probe.get(POSTGRES_URL, "unknown") is None:
        _run_apart(pool.drop_all())


@asynccontextmanager
async def _pooled_postgres_store(
    request: pytest.FixtureRequest, template: str
) -> AsyncIterator[Store]:
    """A PostgreSQL store starting empty (``template`` "") or with ``template``'s rows: a
    schema a passed test gave back (``tests.pgschemas``), or else a new one."""
    import asyncpg

    await require_postgres()
    pool: SchemaPool = request.getfixturevalue("schema_pool")
    schema = pool.take(template)
    fresh = schema is None
    schema = schema or SchemaPool.new_name()
    opened = await open_store(_schema_url(schema))
    kept = False
    try:
        if fresh:
            if template:
                await _copy_postgres_schema(opened, template)
            await pool.fresh(opened.pool, schema, template)  # type: ignore[attr-defined]
        yield opened
        try:
            kept = await pool.give_back(opened.pool, schema, template)  # type: ignore[attr-defined]
        except (asyncpg.PostgresError, OSError) as exc:  # then it is dropped, as before
            logging.getLogger(__name__).warning("schema %s not reused: %s", schema, exc)
    finally:
        await opened.close()
        if not kept:
            await _drop_schema(schema)


@pytest.fixture
async def store(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Store]:
    if backend == "postgres":
        async with _pooled_postgres_store(request, "") as pooled:
            yield pooled
        return
    async with backend_url(backend, tmp_path) as url:
        opened = await open_store(url)
        try:
            yield opened
        finally:
            await opened.close()


@functools.cache
def curated_documents() -> tuple[Document, ...]:
    """The curated data/ as documents, read and validated once per test run."""
    return tuple(curated.load_catalog().documents())


# -- templates: the curated data loaded once per session per backend -------------------------


def _run_apart(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to the end on its own event loop in another thread: the session's templates
    are built on first use, from inside a test's running loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file holding the curated data (in rollback-journal mode, one file)."""

    async def fill(store: Store) -> None:
        await store.sync_curated(curated_documents())

    return sqlite_file_of(tmp_path_factory.mktemp("template") / "curated.db", fill)


def sqlite_file_of(path: Path, fill: Callable[[Store], Awaitable[Any]]) -> Path:
    """A new SQLite store at ``path``, migrated and given its rows by ``fill``, left in
    rollback-journal mode (one file, which tests copy as it is)."""

    async def build() -> None:
        opened = await open_store(f"sqlite:///{path}")
        try:
            await fill(opened)
        finally:
            await opened.close()

    _run_apart(build())
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A schema of the test server holding the curated data, dropped at the end of the session
    (one per process, so pytest-xdist workers never share one)."""

    async def fill(store: Store) -> None:
        await store.sync_curated(curated_documents())

    yield from postgres_schema_of("template", fill)


def postgres_schema_of(prefix: str, fill: Callable[[Store], Awaitable[Any]]) -> Iterator[str]:
    """For a fixture to ``yield from``: a new schema of the test server (named after
    ``prefix`` and this process), migrated and given its rows by ``fill``, dropped after; ""
    without a server."""
    schema = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"

    async def build() -> bool:
        if await _postgres_down() is not None:
            return False
        opened = await open_store(_schema_url(schema))
        try:
            await fill(opened)
        finally:
            await opened.close()
        return True

    built = _run_apart(build())
    yield schema if built else ""
    if built:
        _run_apart(_drop_schema(schema))


_copy_scripts: dict[str, str] = {}


async def _copy_script(conn: Any, template: str) -> str:
    """The statements that copy ``template``'s rows into the schema first in ``conn``'s search
    path, worked out once per template from the catalog (the template is never written after
    it is built): one INSERT per non-empty table (``tests.pgschemas.template_rows``) and a
    ``setval`` for each identity sequence the template has used."""
    if template not in _copy_scripts:
        statements = await template_rows(conn, template)
        sequences = await conn.fetch(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = $1", template
        )
        statements += [
            f"SELECT setval('\"{name}\"', {int(last)})"
            for name, last in sequences
            if last is not None
        ]
        _copy_scripts[template] = ";\n".join(statements)
    return _copy_scripts[template]


async def _copy_postgres_schema(store: Store, template: str) -> None:
    """Copy every row of ``template``'s tables into the store's (migrated, empty) schema, as
    they are, in one round trip: triggers and foreign keys are off while copying
    (``session_replication_role``), generated columns are left to PostgreSQL, identity
    sequences continue where the template's stand."""
    pool = store.pool  # type: ignore[attr-defined]
    async with pool.acquire() as conn, conn.transaction():
        script = await _copy_script(conn, template)
        replica = "SET LOCAL session_replication_role = replica"
        await conn.execute(";\n".join([replica, script]))


@pytest.fixture
async def curated_store(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Store]:
    """A fresh store of ``backend`` with the curated data/ loaded (whatever data/ holds so far),
    as ``load_curated`` loads it: a copy of the session's template for that backend."""
    if backend == "postgres":
        await require_postgres()
        template: str = request.getfixturevalue("postgres_template")
        async with _pooled_postgres_store(request, template) as pooled:
            yield pooled
        return
    source: Path = request.getfixturevalue("sqlite_template")
    if backend == "sqlite-file":
        path = tmp_path / "store.db"
        shutil.copyfile(source, path)
        opened = await open_store(f"sqlite:///{path}")
    elif backend == "sqlite-memory":
        opened = await open_store("sqlite://:memory:")
        assert isinstance(opened, SqliteStore)
        await opened.copy_from(source)
    else:
        raise ValueError(f"unknown test backend {backend!r}")
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """The URL of an empty PostgreSQL store in a throwaway schema (skips without a server)."""
    async with postgres_schema_url() as url:
        yield url


# -- the app, for tests that drive the bot (tests/test_*_e2e.py) --------------------------------


@pytest.fixture
def settings(tmp_path: Path, sqlite_template: Path) -> Settings:
    """A bot on a fresh SQLite store of its own, with its command hash in the test's folder.
    The store is a copy of the session's template, so ``build_app`` finds the curated data
    already loaded and unchanged (its load still runs, and would catch a difference)."""
    path = tmp_path / "bot.db"
    shutil.copyfile(sqlite_template, path)
    return Settings(
        discord_token="fake-token",
        database_url=f"sqlite:///{path}",
        command_hash_file=tmp_path / "command-hash",
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[App]:
    async with build_app(settings) as built:
        yield built
