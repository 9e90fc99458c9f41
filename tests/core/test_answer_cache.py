"""The answer cache around a service: kept per (method, arguments, version), never for random
answers, shared by identical calls arriving together, dropped when the version moves."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import App
from bot.core.answer_cache import AnswerCache, cached_class
from bot.core.errors import NotFound


class Service:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []
        self.gate: asyncio.Event | None = None

    async def member(self, country: str | None = None, guild_id: int | None = None) -> list[str]:
        self.calls.append(("member", country))
        if self.gate is not None:
            await self.gate.wait()
        if country == "atlantis":
            raise NotFound("No country called Atlantis")
        return [f"{country} in {guild_id}"]

    async def fact(self, topic: str | None = None, *, seed: float | None = None) -> str:
        self.calls.append(("fact", seed))
        return f"fact {seed}"

    def plain(self) -> str:
        return "not a coroutine"


class Counted(Service):
    """A subclass with work of its own on every call, as ``CountedFacts`` counts."""

    counted = 0

    async def member(self, country: str | None = None, guild_id: int | None = None) -> list[str]:
        Counted.counted += 1
        return await super().member(country, guild_id)


def _build() -> tuple[Service, Service, dict[int | None, int], AnswerCache]:
    versions: dict[int | None, int] = {}
    cache = AnswerCache(size=8)
    base = cached_class(
        Service,
        lambda guild: versions.get(guild, 0),
        random={"fact": lambda arguments: arguments.get("seed") is None},
        cache=cache,
    )
    service = base()
    return service, service, versions, cache


async def test_a_subclass_keeps_its_own_work_on_every_call() -> None:
    cache = AnswerCache()
    counted = type(
        "CountedCached", (Counted, cached_class(Service, lambda guild: 0, cache=cache)), {}
    )()
    Counted.counted = 0
    for _ in range(3):
        assert await counted.member("china") == ["china in None"]
    assert Counted.counted == 3 and len(counted.calls) == 1


async def test_answers_are_kept_per_arguments_and_version() -> None:
    service, cached, versions, cache = _build()
    first = await cached.member("china", guild_id=5)
    assert await cached.member("china", guild_id=5) is first
    assert await cached.member(guild_id=5, country="china") == first  # another key, same answer
    assert len(service.calls) == 2 and cache.hits == 1
    assert await cached.member("china", guild_id=6) == ["china in 6"]  # another server
    assert await cached.member("india", 5) == ["india in 5"]  # the server by position
    assert len(service.calls) == 4
    versions[5] = 1  # a write in server 5
    assert await cached.member("china", guild_id=5) == first
    assert await cached.member("india", 5) == ["india in 5"]
    assert len(service.calls) == 6
    assert cached.plain() == "not a coroutine"


async def test_random_answers_are_never_kept() -> None:
    service, cached, _, _ = _build()
    await cached.fact()
    await cached.fact()
    assert [c for c in service.calls if c[0] == "fact"] == [("fact", None), ("fact", None)]
    assert await cached.fact(seed=0.5) == await cached.fact(seed=0.5)
    assert service.calls.count(("fact", 0.5)) == 1


async def test_not_found_is_kept_and_raised_afresh() -> None:
    service, cached, _, _ = _build()
    for _ in range(3):
        with pytest.raises(NotFound, match="Atlantis"):
            await cached.member("atlantis")
    assert len(service.calls) == 1


async def test_identical_calls_together_share_one_computation() -> None:
    service, cached, _, _ = _build()
    service.gate = asyncio.Event()
    calls = [asyncio.create_task(cached.member("china")) for _ in range(20)]
    await asyncio.sleep(0)
    service.gate.set()
    answers = await asyncio.gather(*calls)
    assert len(service.calls) == 1 and all(a is answers[0] for a in answers)


async def test_an_answer_computed_while_the_version_moved_is_not_kept() -> None:
    service, cached, versions, _ = _build()
    service.gate = asyncio.Event()
    call = asyncio.create_task(cached.member("china", guild_id=5))
    await asyncio.sleep(0)
    versions[5] = 1  # a write lands while the answer is being computed
    service.gate.set()
    await call
    await cached.member("china", guild_id=5)
    assert len(service.calls) == 2


async def test_the_least_recently_used_answers_go_first() -> None:
    service, cached, _, cache = _build()
    for n in range(10):
        await cached.member(f"country{n}")
    assert len(cache.entries) == 8
    await cached.member("country9")
    await cached.member("country0")
    assert len(service.calls) == 11


async def test_a_random_pick_reuses_the_kept_answer_for_the_fact_or_quote_it_drew(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/fact and /quote pick at random, but the answer for the fact or quote picked is kept:
    drawing the same one again gives the same answer, so its rendered reply is reused too."""
    facts = app.facts
    monkeypatch.setattr(facts._rng, "random", lambda: 0.25)  # the same draw each time
    first = await facts.fact()
    assert await facts.fact() is first
    assert await facts.answer(first.ask) is first  # a button pressed on it later
    quote = await facts.quote()
    assert await facts.quote() is quote and await facts.answer(quote.ask) is quote
    monkeypatch.setattr(facts._rng, "random", lambda: 0.75)
    assert (await facts.fact()).fact.id != first.fact.id
