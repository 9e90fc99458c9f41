"""Name resolution: exact names and aliases, words of a name, typos, and refusals."""

from __future__ import annotations

import random
import re

import pytest

from bot.core.errors import Invalid, NotFound
from bot.core.lookup import Candidate, _normalise_any, best_matches, normalise, resolve

PEOPLE = [
    Candidate("fan-xianrong", "Fan Xianrong"),
    Candidate("fan-xianrong", "fan-xianrong"),
    Candidate("xi-jinping", "Xi Jinping"),
    Candidate("xi-jinping", "Xi"),
    Candidate("xi-jinping", "习近平"),
    Candidate("chen-xi", "Chen Xi"),
    Candidate("vladimir-putin", "Vladimir Putin"),
    Candidate("wang-yi", "Wang Yi"),
]


@pytest.mark.parametrize(
    "typed", ["fan-xianrong", "Fan Xianrong", "fan xianrong", "FAN_XIANRONG", "  fan   xianrong "]
)
def test_spellings_of_a_slug_or_name_resolve(typed: str) -> None:
    assert resolve(typed, PEOPLE, what="person") == "fan-xianrong"


def test_a_typo_resolves_to_the_close_name() -> None:
    assert resolve("fan xianrog", PEOPLE, what="person") == "fan-xianrong"


def test_a_surname_alone_resolves_when_unique() -> None:
    assert resolve("putin", PEOPLE, what="person") == "vladimir-putin"


def test_an_alias_in_another_script_resolves() -> None:
    assert resolve("习近平", PEOPLE, what="person") == "xi-jinping"


def test_exact_alias_beats_a_shared_word() -> None:
    # "Xi" is Xi Jinping's alias, although Chen Xi also has the word.
    assert resolve("xi", PEOPLE, what="person") == "xi-jinping"


def test_a_typo_equally_close_to_two_names_asks_instead_of_guessing() -> None:
    with pytest.raises(NotFound) as caught:
        resolve("wang yu", [*PEOPLE, Candidate("wang-yo", "Wang Yo")], what="person")
    assert set(caught.value.suggestions) == {"Wang Yi", "Wang Yo"}


def test_a_distant_spelling_is_suggested_not_accepted() -> None:
    with pytest.raises(NotFound) as caught:
        resolve("jinpin", PEOPLE, what="person")
    assert caught.value.suggestions[0] == "Xi Jinping"


def test_junk_gets_no_guess() -> None:
    with pytest.raises(NotFound) as caught:
        resolve("qqqqzzzz", PEOPLE, what="person")
    assert caught.value.suggestions == []


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", r"(?i)give a person"),
        ("   ", r"(?i)give a person"),
        ("<@123456789>", r"(?i)looks like a Discord mention.*type the name"),
        ("@everyone", r"(?i)looks like a Discord mention.*type the name"),
        ("!!!", r"“!!!” has no letters or digits"),
        ("x" * 101, r"101 characters.*at most 100"),
    ],
)
def test_unusable_input_is_invalid_with_a_reason(typed: str, reason: str) -> None:
    with pytest.raises(Invalid) as caught:
        resolve(typed, PEOPLE, what="person")
    assert re.search(reason, caught.value.message), caught.value.message


def test_normalise_folds_case_accents_and_punctuation() -> None:
    assert normalise("  Ürümqi—CITY's ") == "urumqi city s"


def test_normalise_of_ascii_text_is_the_same_as_for_any_text() -> None:
    """ASCII text skips the decomposition (a shortcut): every printable and control character,
    in random strings, normalises as the full path does."""
    chars = [chr(c) for c in range(128)]
    rnd = random.Random(7)
    texts = ["".join(rnd.choices(chars, k=rnd.randint(0, 40))) for _ in range(3000)]
    texts += ["SCO_Summit 2024", "Fan Xianrong's  WORDS", "a\tb\nc", "___", ""]
    assert all(normalise(text) == _normalise_any(text) for text in texts)


def test_best_matches_prefers_prefixes_and_dedupes_keys() -> None:
    ranked = best_matches("fa", PEOPLE)
    assert ranked[0].key == "fan-xianrong"
    assert len({c.key for c in ranked}) == len(ranked)


def test_best_matches_never_exceeds_the_limit() -> None:
    many = [Candidate(f"k{i}", f"name {i}") for i in range(100)]
    assert len(best_matches("name", many, limit=25)) == 25
    assert len(best_matches("", many, limit=25)) == 25
