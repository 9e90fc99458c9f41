"""Behaviour of the store through the ``Store`` protocol, run against every backend.

Guild documents are written with ``store.put`` / ``store.delete``, which the backends provide
but the protocol does not list yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.core.documents import from_document, to_document
from bot.core.models import Citation, Country, CountryStatus, Document, Fact, Kind, Person
from bot.core.ports import Store
from bot.store import CachedStore, UnsupportedBackend, open_store, sqlite_path
from bot.store.common import SEARCH_COUNT_CAP
from bot.store.curated import load_catalog
from bot.store.migrations import MigrationError, load_migrations
from bot.store.sqlite import fts_query

GUILD = 111
OTHER_GUILD = 222
CITE = [Citation(source="test-source", excerpt="a passage of the test source")]


def fact(ident: str, text: str, guild: int = 0, **fields: Any) -> Document:
    return to_document(Fact(id=ident, text=text, citations=CITE, **fields), guild)


def country(slug: str, name: str, guild: int = 0, **fields: Any) -> Document:
    entry = Country(
        slug=slug,
        name=name,
        status=CountryStatus.MEMBER,
        membership=f"{name} is a member state.",
        citations=CITE,
        **fields,
    )
    return to_document(entry, guild)


def person(slug: str, name: str, role: str, guild: int = 0) -> Document:
    return to_document(Person(slug=slug, name=name, role=role, citations=CITE), guild)


async def put(store: Store, doc: Document) -> None:
    await store.put(doc)


def keys(docs: list[Document]) -> list[str]:
    return [d.key for d in docs]


# -- migrations and opening ---------------------------------------------------------------


async def test_migrate_is_idempotent_and_reports_the_version(store: Store, backend: str) -> None:
    latest = len(load_migrations("postgres" if backend == "postgres" else "sqlite"))
    assert await store.migrate() == latest
    assert await store.migrate() == latest


async def test_reopening_a_file_keeps_data_and_version(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    first = await open_store(url)
    await first.sync_curated([fact("a", "Alpha fact.")])
    await first.close()
    again = await open_store(url)
    try:
        assert await again.migrate() == len(load_migrations("sqlite"))
        assert keys(await again.list(Kind.FACT)) == ["a"]
    finally:
        await again.close()


async def test_a_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    await (await open_store(f"sqlite:///{path}")).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_version (version, name) VALUES (999, 'future')")
    conn.close()
    with pytest.raises(MigrationError, match="newer"):
        await open_store(str(path))


async def test_processes_migrating_at_once_agree(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    stores = await asyncio.gather(*(open_store(url) for _ in range(4)))
    try:
        versions = {await store.migrate() for store in stores}
        assert versions == {len(load_migrations("sqlite"))}
        await stores[0].sync_curated([fact("a", "Alpha fact.")])
        assert keys(await stores[3].list(Kind.FACT)) == ["a"]
    finally:
        for store in stores:
            await store.close()


def test_migrations_are_numbered_from_one() -> None:
    migrations = load_migrations("sqlite")
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert migrations[0].name == "initial"


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///bot.db", "bot.db"),
        ("sqlite:////var/lib/bot.db", "/var/lib/bot.db"),
        ("sqlite://:memory:", ":memory:"),
        ("sqlite:///:memory:", ":memory:"),
        ("sqlite://", ":memory:"),
        ("data/bot.db", "data/bot.db"),
        (":memory:", ":memory:"),
    ],
)
def test_sqlite_urls(url: str, path: str) -> None:
    assert sqlite_path(url) == path


async def test_postgres_without_asyncpg_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "asyncpg", None)  # import asyncpg -> ImportError
    for url in ("postgresql://bot@localhost/bot", "postgres://localhost/bot"):
        with pytest.raises(UnsupportedBackend, match=re.escape("pip install '.[postgres]'")):
            await open_store(url)
    assert issubclass(UnsupportedBackend, NotImplementedError)


async def test_unknown_schemes_are_refused() -> None:
    with pytest.raises(ValueError, match="scheme"):
        await open_store("mysql://localhost/bot")


# -- curated sync -------------------------------------------------------------------------


async def test_sync_adds_updates_removes_and_leaves_unchanged(store: Store) -> None:
    first = await store.sync_curated(
        [fact("a", "Alpha fact."), fact("b", "Beta fact."), fact("c", "Gamma fact.")]
    )
    assert (first.added, first.updated, first.removed, first.unchanged) == (3, 0, 0, 0)

    second = await store.sync_curated(
        [fact("a", "Alpha fact."), fact("b", "Beta fact, revised."), fact("d", "Delta fact.")]
    )
    assert (second.added, second.updated, second.removed, second.unchanged) == (1, 1, 1, 1)
    assert keys(await store.list(Kind.FACT)) == ["a", "b", "d"]
    revised = await store.get(Kind.FACT, "b")
    assert revised is not None and revised.data["text"] == "Beta fact, revised."
    assert (await store.search(["revised"])).total == 1
    assert (await store.search(["gamma"])).total == 0

    third = await store.sync_curated(
        [fact("a", "Alpha fact."), fact("b", "Beta fact, revised."), fact("d", "Delta fact.")]
    )
    assert (third.added, third.updated, third.removed, third.unchanged) == (0, 0, 0, 3)


async def test_sync_writes_in_batches_in_one_transaction(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.store import documents

    monkeypatch.setattr(documents, "SYNC_BATCH", 2)  # 7 documents: four batches
    docs = [fact(f"f{n}", f"Fact number {n}.") for n in range(7)]
    first = await store.sync_curated(docs)
    assert (first.added, first.updated, first.removed, first.unchanged) == (7, 0, 0, 0)
    assert keys(await store.list(Kind.FACT)) == [f"f{n}" for n in range(7)]
    second = await store.sync_curated(
        [*docs[:4], fact("f4", "Fact number four, revised."), fact("g", "Another fact.")]
    )
    assert (second.added, second.updated, second.removed, second.unchanged) == (1, 1, 2, 4)
    assert (await store.search(["revised"])).total == 1
    # A duplicate found after batches were written refuses the whole load: nothing changes.
    with pytest.raises(ValueError, match="duplicate"):
        await store.sync_curated([*docs, fact("h", "New fact."), fact("f0", "Again.")])
    assert keys(await store.list(Kind.FACT)) == ["f0", "f1", "f2", "f3", "f4", "g"]


async def test_a_change_of_links_alone_is_an_update(store: Store) -> None:
    await store.sync_curated([fact("a", "Alpha fact.", countries=["china"])])
    report = await store.sync_curated([fact("a", "Alpha fact.", countries=["india"])])
    assert (report.updated, report.unchanged) == (1, 0)
    assert await store.linked(Kind.FACT, "country", "china") == []
    assert keys(await store.linked(Kind.FACT, "country", "india")) == ["a"]


async def test_documents_round_trip(store: Store) -> None:
    docs = [
        fact("a", "Alpha fact about Türkiye.", countries=["china", "india"], topics=["trade"]),
        country("kazakhstan", "Kazakhstan", aliases=["Qazaqstan"], names={"ru": "Казахстан"}),
        person("fan-xianrong", "Fan Xianrong", "A person in the tests."),
    ]
    await store.sync_curated(docs)
    for doc in docs:
        assert await store.get(doc.kind, doc.key) == doc
    loaded = await store.get(Kind.COUNTRY, "kazakhstan")
    assert loaded is not None and from_document(loaded, Country).names == {"ru": "Казахстан"}


async def test_sync_refuses_guild_documents_and_duplicates(store: Store) -> None:
    with pytest.raises(ValueError, match="curated"):
        await store.sync_curated([fact("a", "Alpha fact.", guild=GUILD)])
    with pytest.raises(ValueError, match="duplicate"):
        await store.sync_curated([fact("a", "Alpha fact."), fact("a", "Alpha again.")])
    assert await store.count(Kind.FACT) == 0


async def test_curated_data_loads_and_reloads_as_unchanged(curated_store: Store) -> None:
    catalog = load_catalog()
    expected = len(catalog.documents())
    assert sum([await curated_store.count(kind) for kind in Kind]) == expected
    report = await curated_store.sync_curated(catalog.documents())
    assert (report.added, report.updated, report.removed) == (0, 0, 0)
    assert report.unchanged == expected


# -- guild documents ----------------------------------------------------------------------


async def test_guild_documents_are_private_survive_sync_and_shadow(store: Store) -> None:
    await store.sync_curated([fact("a", "Curated alpha."), fact("b", "Curated beta.")])
    await put(store, fact("a", "Guild alpha.", guild=GUILD))
    await put(store, fact("z", "Guild zeta.", guild=GUILD))

    report = await store.sync_curated([fact("a", "Curated alpha."), fact("c", "Curated gamma.")])
    assert (report.added, report.removed, report.unchanged) == (1, 1, 1)

    assert keys(await store.list(Kind.FACT)) == ["a", "c"]
    assert keys(await store.list(Kind.FACT, OTHER_GUILD)) == ["a", "c"]
    mine = await store.list(Kind.FACT, GUILD)
    assert [(d.key, d.guild_id) for d in mine] == [("a", GUILD), ("c", 0), ("z", GUILD)]

    curated_a = await store.get(Kind.FACT, "a")
    assert curated_a is not None and curated_a.data["text"] == "Curated alpha."
    guild_a = await store.get(Kind.FACT, "a", GUILD)
    assert guild_a is not None and guild_a.data["text"] == "Guild alpha."
    assert await store.get(Kind.FACT, "z") is None
    assert await store.get(Kind.FACT, "z", OTHER_GUILD) is None

    assert await store.count(Kind.FACT) == 2
    assert await store.count(Kind.FACT, GUILD) == 3
    assert await store.count(Kind.FACT, OTHER_GUILD) == 2

    assert keys((await store.search(["alpha"], GUILD)).hits) == ["a"]
    assert (await store.search(["curated", "alpha"], GUILD)).total == 0
    assert (await store.search(["zeta"])).total == 0
    assert (await store.search(["zeta"], GUILD)).total == 1


async def test_guild_documents_can_be_replaced_and_deleted(store: Store) -> None:
    await put(store, fact("z", "Guild zeta.", guild=GUILD, topics=["one"]))
    await put(store, fact("z", "Guild zeta, edited.", guild=GUILD, topics=["two"]))
    assert await store.count(Kind.FACT, GUILD) == 1
    assert await store.link_keys("topic", GUILD) == ["two"]
    assert keys((await store.search(["edited"], GUILD)).hits) == ["z"]
    assert await store.delete(Kind.FACT, "z", GUILD) is True
    assert await store.delete(Kind.FACT, "z", GUILD) is False
    assert await store.count(Kind.FACT, GUILD) == 0
    assert await store.link_keys("topic", GUILD) == []
    assert (await store.search(["zeta"], GUILD)).total == 0


async def test_put_refuses_curated_documents(store: Store) -> None:
    with pytest.raises(ValueError, match="sync_curated"):
        await put(store, fact("a", "Alpha fact."))


# -- reads --------------------------------------------------------------------------------


@pytest.fixture
async def world(store: Store) -> Store:
    await store.sync_curated(
        [
            country("china", "China", aliases=["PRC"]),
            country("india", "India"),
            person("xi-jinping", "Xi Jinping", "A head of state in the tests."),
            fact("f1", "First fact.", countries=["china"], topics=["trade"]),
            fact("f2", "Second fact.", countries=["china", "india"], topics=["energy"]),
            fact("f3", "Third fact.", countries=["india"], topics=["trade", "security"]),
            fact("f4", "Fourth fact.", topics=["security"]),
        ]
    )
    await put(store, fact("g1", "Guild fact.", guild=GUILD, countries=["india"], topics=["art"]))
    await put(store, fact("f1", "Guild's first fact.", guild=GUILD, topics=["art"]))
    return store


async def test_get_list_and_count(world: Store) -> None:
    china = await world.get(Kind.COUNTRY, "china")
    assert china is not None and china.title == "China"
    assert await world.get(Kind.COUNTRY, "atlantis") is None
    assert await world.get(Kind.PERSON, "china") is None
    assert keys(await world.list(Kind.FACT)) == ["f1", "f2", "f3", "f4"]
    assert keys(await world.list(Kind.FACT, limit=2, offset=1)) == ["f2", "f3"]
    assert await world.list(Kind.FACT, limit=0) == []
    assert keys(await world.list(Kind.FACT, GUILD)) == ["f1", "f2", "f3", "f4", "g1"]
    assert keys(await world.list(Kind.FACT, GUILD, limit=2, offset=1)) == ["f2", "f3"]
    assert keys(await world.list(Kind.FACT, GUILD, limit=9, offset=3)) == ["f4", "g1"]
    assert await world.list(Kind.SUMMIT) == []
    assert await world.count(Kind.FACT) == 4
    assert await world.count(Kind.FACT, GUILD) == 5
    assert await world.count(Kind.COUNTRY, GUILD) == 2
    assert await world.count(Kind.SUMMIT) == 0


async def test_linked(world: Store) -> None:
    assert keys(await world.linked(Kind.FACT, "country", "china")) == ["f1", "f2"]
    assert keys(await world.linked(Kind.FACT, "country", "india")) == ["f2", "f3"]
    assert keys(await world.linked(Kind.FACT, "country", "india", limit=1)) == ["f2"]
    # The guild's f1 no longer links to China; its g1 links to India.
    assert keys(await world.linked(Kind.FACT, "country", "china", GUILD)) == ["f2"]
    assert keys(await world.linked(Kind.FACT, "country", "india", GUILD)) == ["f2", "f3", "g1"]
    assert keys(await world.linked(Kind.FACT, "topic", "art", GUILD, limit=1)) == ["f1"]
    assert keys(await world.linked(Kind.FACT, "topic", "trade", GUILD)) == ["f3"]
    assert await world.linked(Kind.FACT, "country", "atlantis") == []
    assert await world.linked(Kind.PERSON, "country", "china") == []
    assert await world.count_linked("topic", "trade") == 2
    assert await world.count_linked("topic", "trade", GUILD) == 1
    assert await world.count_linked("source", "test-source") == 7


async def test_names_and_link_keys(world: Store) -> None:
    names = await world.names(Kind.COUNTRY)
    assert ("china", "China") in names and ("china", "PRC") in names
    assert {key for key, _ in names} == {"china", "india"}
    assert await world.names(Kind.FACT) == []
    assert await world.names(Kind.PERSON) == [
        ("xi-jinping", "Xi Jinping"),
        ("xi-jinping", "xi-jinping"),
    ]
    assert await world.link_keys("topic") == ["energy", "security", "trade"]
    assert await world.link_keys("topic", GUILD) == ["art", "energy", "security", "trade"]
    assert await world.link_keys("topic", OTHER_GUILD) == ["energy", "security", "trade"]
    assert await world.link_keys("summit") == []


# -- random -------------------------------------------------------------------------------

SWEEP = [i / 600 for i in range(600)]


async def sweep(store: Store, kind: Kind, guild: int | None, link: Any = None) -> Counter[Any]:
    picks: Counter[Any] = Counter()
    for seed in SWEEP:
        doc = await store.random(kind, guild, link=link, seed=seed)
        assert doc is not None
        picks[(doc.key, doc.guild_id)] += 1
    return picks


async def test_random_is_uniform_over_a_seed_sweep(world: Store) -> None:
    picks = await sweep(world, Kind.FACT, None)
    assert picks == {(k, 0): 150 for k in ("f1", "f2", "f3", "f4")}


async def test_random_respects_the_link(world: Store) -> None:
    picks = await sweep(world, Kind.FACT, None, ("topic", "security"))
    assert picks == {("f3", 0): 300, ("f4", 0): 300}
    assert await world.random(Kind.FACT, link=("topic", "nothing"), seed=0.5) is None
    assert await world.random(Kind.SUMMIT, seed=0.5) is None


async def test_random_sees_what_the_guild_sees(world: Store) -> None:
    picks = await sweep(world, Kind.FACT, GUILD)
    expected = [("f1", GUILD), ("f2", 0), ("f3", 0), ("f4", 0), ("g1", GUILD)]
    assert picks == {pick: 120 for pick in expected}
    linked = await sweep(world, Kind.FACT, GUILD, ("country", "india"))
    assert linked == {("f2", 0): 200, ("f3", 0): 200, ("g1", GUILD): 200}
    assert await sweep(world, Kind.FACT, GUILD, ("country", "china")) == {("f2", 0): 600}


async def test_random_skips_many_shadowed_documents_exactly(store: Store) -> None:
    curated = [fact(f"k{i:02d}", f"Fact number {i}.", topics=["all"]) for i in range(20)]
    await store.sync_curated(curated)
    shadowed = [0, 1, 2, 7, 8, 13, 19]
    for i in shadowed:
        topics = ["all"] if i % 2 else ["other"]
        await put(store, fact(f"k{i:02d}", f"Guild fact {i}.", guild=GUILD, topics=topics))
    picks: Counter[tuple[str, int]] = Counter()
    for seed in (i / 680 for i in range(680)):  # 17 visible documents, 40 seeds each
        doc = await store.random(Kind.FACT, GUILD, link=("topic", "all"), seed=seed)
        assert doc is not None
        picks[(doc.key, doc.guild_id)] += 1
    expected = {(f"k{i:02d}", 0) for i in range(20) if i not in shadowed}
    expected |= {(f"k{i:02d}", GUILD) for i in shadowed if i % 2}
    assert picks == {pick: 40 for pick in expected}
    assert await store.random(Kind.FACT, GUILD) is not None


async def test_random_rejects_a_seed_out_of_range(world: Store) -> None:
    with pytest.raises(ValueError, match="seed"):
        await world.random(Kind.FACT, seed=1.0)


# -- search -------------------------------------------------------------------------------

LONG_PREFIX = (
    "This statement opens with a long run of plain words, long enough to push its subject "
    "past the title, which keeps only the first 120 characters of a fact, "
)


@pytest.fixture
async def library(store: Store) -> Store:
    await store.sync_curated(
        [
            fact("title-hit", "Energy pipelines were discussed."),
            fact("body-hit", LONG_PREFIX + "then names energy, energy and energy again."),
            fact("both", "Energy and trade were both on the agenda."),
            fact("trade", "Trade grew near the border."),
            fact("hostile", "Someone typed drop table documents; x marks col val here."),
            fact("turkey", "Türkiye became a dialogue partner."),
            fact("plain", "Turkiye spelled plainly."),
            fact("scripts", "Шанхай hosted 上海合作组织 meetings."),
            country("china", "China"),
        ]
    )
    return store


async def test_search_ranks_title_matches_first(library: Store) -> None:
    page = await library.search(["energy"])
    assert page.total == 3
    assert keys(page.hits)[-1] == "body-hit"
    assert set(keys(page.hits)) == {"title-hit", "body-hit", "both"}


async def test_search_ands_terms(library: Store) -> None:
    assert keys((await library.search(["energy", "trade"])).hits) == ["both"]
    assert (await library.search(["energy", "nothing"])).total == 0
    assert keys((await library.search(["near the border"])).hits) == ["trade"]
    assert (await library.search(["the near border"])).total == 0  # a term is a phrase


async def test_search_pages(library: Store) -> None:
    everything = await library.search(["energy"], limit=10)
    first = await library.search(["energy"], limit=2)
    rest = await library.search(["energy"], limit=2, offset=2)
    assert first.total == rest.total == 3
    assert keys(first.hits) + keys(rest.hits) == keys(everything.hits)
    assert (await library.search(["energy"], offset=5)).hits == []


async def test_search_filters_kinds(library: Store) -> None:
    assert keys((await library.search(["china"], kinds=[Kind.COUNTRY])).hits) == ["china"]
    assert (await library.search(["energy"], kinds=[Kind.COUNTRY])).total == 0
    assert (await library.search(["energy"], kinds=[])).total == 0


async def test_search_total_is_capped(store: Store) -> None:
    many = [fact(f"n{i:04d}", f"Numbered fact {i}.") for i in range(SEARCH_COUNT_CAP + 5)]
    await store.sync_curated(many)
    page = await store.search(["numbered"], limit=5)
    assert page.total == SEARCH_COUNT_CAP
    assert len(page.hits) == 5
    beyond = await store.search(["numbered"], limit=10, offset=SEARCH_COUNT_CAP)
    assert len(beyond.hits) == 5


async def test_search_without_terms_is_empty(library: Store) -> None:
    assert await library.search([]) == await library.search(["", "  ", "*", '"'])
    assert (await library.search([])).total == 0


HOSTILE = [
    '"',
    '""',
    "*",
    "AND",
    "OR",
    "NOT",
    "NEAR(",
    "NEAR(a b, 2)",
    "'; DROP TABLE documents; --",
    "-x",
    "col:val",
    "title:energy",
    "^",
    "^energy",
    "energy*",
    "(",
    ")",
    "{title body}: energy",
    "\\",
    "\x00",
    "\ud800",
    "🙂",
    "Шанхай",
    "上海合作组织",
    "a" * 2000,
]


@pytest.mark.parametrize("term", HOSTILE)
async def test_hostile_terms_never_raise(library: Store, term: str) -> None:
    page = await library.search([term])
    assert page.total == len(page.hits) <= 10
    await library.search(["energy", term], guild_id=GUILD, kinds=[Kind.FACT])
    assert await library.count(Kind.FACT) == 8


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("AND", {"both", "body-hit"}),
        ("NEAR(", {"trade"}),
        ("'; DROP TABLE documents; --", {"hostile"}),
        ("-x", {"hostile"}),
        ("col:val", {"hostile"}),
        ("title:energy", set()),
        ("^energy", {"title-hit", "body-hit", "both"}),
        ("Шанхай", {"scripts"}),
        ("上海合作组织", {"scripts"}),
    ],
)
async def test_hostile_terms_find_their_words(library: Store, term: str, found: set[str]) -> None:
    assert set(keys((await library.search([term])).hits)) == found


async def test_search_ignores_diacritics(library: Store) -> None:
    assert set(keys((await library.search(["turkiye"])).hits)) == {"turkey", "plain"}
    assert set(keys((await library.search(["TÜRKIYE"])).hits)) == {"turkey", "plain"}


def test_fts_query_quotes_every_term() -> None:
    assert fts_query(['say "hi"', "NEAR("]) == '"say ""hi""" AND "NEAR("'
    assert fts_query(["*", "-"]) is None
    assert fts_query(["\ue000", "rail\ue000way"]) == '"rail way"'


async def test_private_use_characters_separate_words_on_every_backend(library: Store) -> None:
    # U+E000, U+F8FF and U+F0000 are private-use characters (Unicode category Co): PostgreSQL's
    # search_words makes them spaces, and so does the one tokeniser both backends share.
    energy = keys((await library.search(["energy"])).hits)
    assert len(energy) == 3
    assert keys((await library.search(["energy", "\ue000"])).hits) == energy
    assert keys((await library.search(["energy", "\U000f0000\uf8ff"])).hits) == energy
    assert keys((await library.search(["near\ue000the border"])).hits) == ["trade"]
    assert (await library.search(["\ue000"])).total == 0


async def test_private_use_characters_in_stored_text_separate_words_on_every_backend(
    store: Store,
) -> None:
    # Stored text, not only the query: FTS5's unicode61 keeps private-use characters inside
    # its tokens (one token "\ue000railway\ue001"), while PostgreSQL's search_words makes
    # them spaces; so the text a document gives search has them as spaces (to_document).
    await store.sync_curated([fact("curated", "A \ue000railway\ue001 line.")])
    await put(store, fact("own", "The \uf8ffrailway\U000f0000 depot.", GUILD))
    assert set(keys((await store.search(["railway"], GUILD)).hits)) == {"curated", "own"}
    assert keys((await store.search(["railway"])).hits) == ["curated"]
    for private in ("\ue000", "\ue001", "\uf8ff", "\U000f0000", "\ue000\ue001"):
        assert (await store.search([private], GUILD)).total == 0


async def test_a_task_cancelled_mid_transaction_leaves_the_store_usable(tmp_path: Path) -> None:
    store = await open_store(f"sqlite:///{tmp_path / 'cancel.db'}")
    try:
        for _ in range(20):
            task = asyncio.create_task(store.search(["railway"]))
            await asyncio.sleep(0)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        assert await store.count(Kind.FACT) == 0
        await store.sync_curated([])
    finally:
        await store.close()


async def test_count_linked_follows_every_kind_of_write(store: Store) -> None:
    async def counted(key: str, guild: int | None = None) -> tuple[int, int]:
        linked = await store.linked(Kind.FACT, "country", key, guild, limit=1000)
        return await store.count_linked("country", key, guild), len(linked)

    await store.sync_curated([fact(f"f{i}", "t", countries=["belarus"]) for i in range(5)])
    assert await counted("belarus") == (5, 5)
    # An update moves two facts' links to another country; a removal drops one.
    moved = [fact(f"f{i}", "t", countries=["china"]) for i in range(2)]
    kept = [fact(f"f{i}", "t", countries=["belarus"]) for i in range(2, 4)]
    await store.sync_curated(moved + kept)
    assert await counted("belarus") == (2, 2) and await counted("china") == (2, 2)
    # A guild's twin of a curated fact shadows it; deleting the twin brings it back.
    put = getattr(store, "put", None)
    delete = getattr(store, "delete", None)
    if put is None or delete is None:
        pytest.skip("this backend has no guild writes")
    await put(fact("f2", "t", guild=7, countries=["china"]))
    assert await counted("belarus", 7) == (1, 1) and await counted("china", 7) == (3, 3)
    await delete(Kind.FACT, "f2", 7)
    assert await counted("belarus", 7) == (2, 2) and await counted("china", 7) == (2, 2)


async def test_scope_keys_read_one_scope_through_the_cache_too(store: Store) -> None:
    """The keys the digest's rotation goes through: one scope exactly, never merged."""
    curated = [to_document(Fact(id=f"c{i}", text=f"curated {i}", citations=CITE)) for i in range(3)]
    await store.sync_curated(curated)
    await store.put(to_document(Fact(id="s1", text="own", citations=CITE), GUILD))
    cached = CachedStore(store)  # type: ignore[arg-type]
    for reader in (store, cached):
        assert await reader.scope_keys(Kind.FACT, 0) == ["c0", "c1", "c2"]
        assert await reader.scope_keys(Kind.FACT, GUILD) == ["s1"]
        assert await reader.scope_keys(Kind.FACT, OTHER_GUILD) == []
        assert await reader.scope_keys(Kind.QUOTE, 0) == []
