"""Tab completion in the console: command names, then the names Discord's autocomplete offers."""

from __future__ import annotations

import pytest

from bot.adapters.console import COMMANDS
from bot.adapters.console.complete import Completer
from bot.core.ports import Store
from bot.core.reading.service import Completion, FactService


async def _lines(store: Store, typed: str) -> list[str]:
    return [c.line for c in await Completer(FactService(store)).complete(typed)]


async def test_command_names(curated_store: Store) -> None:
    assert await _lines(curated_store, "/me") == ["/member "]
    assert await _lines(curated_store, "/ab") == ["/about"]  # no option: nothing to type after
    assert await _lines(curated_store, "he") == ["help"]
    assert sorted(await _lines(curated_store, "/s")) == ["/search ", "/source ", "/summit "]
    assert len(await _lines(curated_store, "/")) == len(COMMANDS)
    assert await _lines(curated_store, "what") == []  # plain text is a search: nothing to offer


@pytest.mark.parametrize(
    ("command", "completion"),
    [
        ("member", Completion.COUNTRY),
        ("quote", Completion.PERSON),
        ("fact", Completion.TOPIC),
        ("source", Completion.SOURCE),
    ],
)
async def test_with_nothing_typed_the_same_names_as_discord_in_its_order(
    curated_store: Store, command: str, completion: Completion
) -> None:
    facts = FactService(curated_store)
    discord_offers = [c.key for c in await facts.complete(completion, "")]
    assert discord_offers, "the curated store has names to offer"
    assert await _lines(curated_store, f"/{command} ") == [
        f"/{command} {key}" for key in discord_offers
    ]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("/member bel", "/member belarus"),
        ("/member Kyrg", "/member Kyrgyzstan"),  # the typed letters stay as typed
        ("/member country:bel", "/member country:belarus"),
        ("/quote xi", "/quote xi-jinping"),
        ("/fact tra", "/fact trade"),
        ("/source xin", "/source xinhua-grand-plan-2025"),
    ],
)
async def test_what_is_typed_is_completed_never_cut(
    curated_store: Store, typed: str, expected: str
) -> None:
    lines = await _lines(curated_store, typed)
    assert expected in lines
    assert all(line.startswith(typed) for line in lines)  # readline would cut it otherwise


async def test_no_name_starts_so_the_best_match_replaces_it(curated_store: Store) -> None:
    best = (await FactService(curated_store).complete(Completion.PERSON, "jinping"))[0].key
    assert await _lines(curated_store, "/quote jinping") == [f"/quote {best}"]


async def test_years_are_the_summit_years(curated_store: Store) -> None:
    years = await FactService(curated_store).summit_years()
    assert await _lines(curated_store, "/summit ") == [f"/summit {y}" for y in years]
    assert all(line.startswith("/summit 20") for line in await _lines(curated_store, "/summit 20"))


async def test_nothing_for_commands_without_names(curated_store: Store) -> None:
    assert await _lines(curated_store, "/about ") == []
    assert await _lines(curated_store, "/search rail") == []
    assert await _lines(curated_store, "/nonsense x") == []
