"""Names -> entities: normalisation, aliases, fuzzy matching and "did you mean".

Resolution order, stopping at the first that decides:
1. an exact match of the normalised text against any name, slug or alias;
2. the text equal to whole words of exactly one entity's name (``putin``, ``xianrong``);
3. a close spelling (``fan xianrog``) above ``ACCEPT_SCORE``.
Otherwise ``NotFound`` with the closest names as suggestions, never a guess.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.core.dates import plural_of
from bot.core.errors import Ambiguous, Invalid, NotFound
from bot.core.i18n import N_, _

__all__ = [
    "ACCEPT_SCORE",
    "MAX_NAME_LENGTH",
    "MENTION",
    "Candidate",
    "best_matches",
    "check_name_input",
    "normalise",
    "resolve",
    "search_terms",
]

ACCEPT_SCORE = 85.0
SUGGEST_SCORE = 55.0  # autocomplete: loose, the user is still typing
DID_YOU_MEAN_SCORE = 72.0  # "did you mean": only names spelled much like the text
MAX_NAME_LENGTH = 100
MENTION = re.compile(r"<(?:@[!&]?|#)\d+>|@(?:everyone|here)\b")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)

MAX_TERMS = 12
_WORD = re.compile(r"\w+", re.UNICODE)


def search_terms(query: str) -> list[str]:
    """Split user text into plain words. Operators, quotes and punctuation are not syntax here:
    ``NEAR(a b)`` searches the words ``NEAR``, ``a`` and ``b``. (Here rather than in the
    reading service: moderation's duplicate check words an entry the same way.)"""
    return list(dict.fromkeys(_WORD.findall(query)))[:MAX_TERMS]


@dataclass(frozen=True, slots=True)
class Candidate:
    key: str
    name: str


def normalise(text: str) -> str:
    """Casefolded, accent-free, punctuation-free, single-spaced form used for matching.

    ASCII text (almost every fact, name and query) has nothing to decompose and no accent to
    drop, and its casefold is its lower case: it skips the per-character walk, which was half
    of a duplicate check (``near_duplicate`` normalises every fact a server sees on each
    ``/entry add``: 14 ms on the curated store before, 7 ms after)."""
    if text.isascii():
        return " ".join(_NON_WORD.sub(" ", text.lower()).split())
    return _normalise_any(text)


def _normalise_any(text: str) -> str:
    """``normalise`` for any text: accents decomposed and dropped, then casefolded."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", stripped.casefold()).split())


# What a name may name, as the messages below say it (``_(WHAT[what])``).
WHAT = {
    "country": N_("country"),
    "person": N_("person"),
    "topic": N_("topic"),
    "source": N_("source"),
}
WHAT_PLURAL = {
    "country": N_("countries"),
    "person": N_("people"),
    "topic": N_("topics"),
    "source": N_("sources"),
}


def _what(what: str) -> str:
    return _(WHAT[what]) if what in WHAT else what


def check_name_input(text: str, what: str) -> str:
    """Reject input that cannot be a name before matching it, with a message saying why."""
    cleaned = text.strip()
    shown = _what(what)
    if not cleaned:
        raise Invalid(_("Please give a {what}.").format(what=shown))
    if len(cleaned) > MAX_NAME_LENGTH:
        raise Invalid(
            _("That {what} is {length} characters long; names are at most 100.").format(
                what=shown, length=len(cleaned)
            )
        )
    if MENTION.search(cleaned):
        raise Invalid(
            _("That looks like a Discord mention, not a {what}. Type the name instead.").format(
                what=shown
            )
        )
    if not normalise(cleaned):
        raise Invalid(
            _("“{text}” has no letters or digits, so it can't be a {what}.").format(
                text=cleaned[:40], what=shown
            )
        )
    return cleaned


def best_matches(text: str, candidates: Sequence[Candidate], *, limit: int = 25) -> list[Candidate]:
    """Candidates ranked by similarity to ``text`` (one per key), for autocomplete."""
    query = normalise(text)
    if not query:
        seen: dict[str, Candidate] = {}
        for cand in candidates:
            seen.setdefault(cand.key, cand)
        return list(seen.values())[:limit]
    choices = [normalise(c.name) for c in candidates]
    scored = process.extract(query, choices, scorer=fuzz.WRatio, limit=len(choices))
    ranked: dict[str, Candidate] = {}
    for _choice, score, index in sorted(
        scored, key=lambda r: (-_prefix_bonus(query, r[0], r[1]), r[2])
    ):
        if score < SUGGEST_SCORE and not choices[index].startswith(query):
            continue
        ranked.setdefault(candidates[index].key, candidates[index])
        if len(ranked) >= limit:
            break
    return list(ranked.values())


def _prefix_bonus(query: str, choice: str, score: float) -> float:
    # Autocomplete sees partial words: "bela" should put Belarus first.
    return score + (50.0 if choice.startswith(query) else 0.0)


def _display(candidates: Sequence[Candidate], keys: Sequence[str]) -> list[str]:
    first: dict[str, str] = {}
    for cand in candidates:
        first.setdefault(cand.key, cand.name)
    return [first[k] for k in keys]


def resolve(text: str, candidates: Sequence[Candidate], *, what: str) -> str:
    """Return the key ``text`` names, or raise ``NotFound`` with suggestions.

    ``candidates`` lists every name of every entity; the first name given for a key is its
    display name (used in suggestions).
    """
    cleaned = check_name_input(text, what)
    query = normalise(cleaned)
    norms = [normalise(c.name) for c in candidates]

    exact = {c.key for c, n in zip(candidates, norms, strict=True) if n == query}
    if len(exact) == 1:
        return exact.pop()

    words = set(query.split())
    by_words = {c.key for c, n in zip(candidates, norms, strict=True) if words <= set(n.split())}
    if len(by_words) == 1:
        return by_words.pop()
    if len(by_words) > 1:
        raise Ambiguous(
            _("Several {what} match “{text}”.").format(what=_plural_what(what), text=cleaned),
            suggestions=_display(candidates, sorted(by_words)),
        )

    scored = process.extract(query, norms, scorer=fuzz.ratio, limit=10)
    close = [r for r in scored if r[1] >= ACCEPT_SCORE]
    close_keys = list(dict.fromkeys(candidates[r[2]].key for r in close))
    if len(close_keys) == 1:
        return close_keys[0]
    if (
        len(close_keys) > 1
        and close[0][1] - close[1][1] >= 5
        and (candidates[close[0][2]].key != candidates[close[1][2]].key)
    ):
        return close_keys[0]
    if len(close_keys) > 1:
        # Two names are about as close: ask rather than guess.
        raise Ambiguous(
            _("“{text}” is close to several {what}.").format(text=cleaned, what=_plural_what(what)),
            suggestions=_display(candidates, close_keys),
        )
    nearby = [candidates[r[2]].key for r in scored if r[1] >= DID_YOU_MEAN_SCORE]
    nearby += [c.key for c, n in zip(candidates, norms, strict=True) if n.startswith(query)]
    suggestions = _display(candidates, list(dict.fromkeys(nearby))[:3])
    raise NotFound(
        _("No {what} called “{text}” is recorded.").format(what=_what(what), text=cleaned),
        suggestions=suggestions,
    )


def _plural_what(what: str) -> str:
    return _(WHAT_PLURAL[what]) if what in WHAT_PLURAL else plural_of(what)
