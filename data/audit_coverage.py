"""Coverage of the five sources by the curated store, as data/AUDIT.md reports it.

    .venv/bin/python data/audit_coverage.py                      # this checkout's data/
    git archive c0766d9 data | tar -x -C /tmp/before
    .venv/bin/python data/audit_coverage.py /tmp/before/data     # an older data/ (before)

A source is split into sentences. Not claims: the sentences no excerpt of this checkout's
data/ touches (headings, navigation, disclaimers, framing: listed in AUDIT.md) and the few in
NOT_CLAIMS. A claim "has an entry" when an entry citing it states at least half of its words,
or an entry's text holds it whole; "only in an excerpt" claims are cited but stated in other
words (AUDIT.md lists the hand judgement of each). Run with -v to print them.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from pydantic import BaseModel

from bot.store.curated import DEFAULT_DATA_DIR, Catalog, load_catalog

NOT_CLAIMS = {
    "The success of the SCO stems from the powerful attraction of the Shanghai Spirit",
    "Photo: Максим Платонов",
    "No mountain or ocean can distance people with shared aspirations.",
    "China",
    "XINHUA | Updated: 2025-09-01 08:13",
    ".",
}
STOP = {
    *("the", "a", "an", "of", "and", "in", "to", "for", "on", "with", "by", "at", "as", "is"),
    *("was", "are", "were", "be", "been", "has", "have", "had", "its", "it", "this", "that"),
    *("which", "from", "or", "their", "his", "her", "he", "she", "they", "we", "our", "not"),
    *("but", "also", "all", "more", "than", "into", "over", "such"),
}


def norm(text: str) -> str:
    return " ".join(text.split())


def words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP and len(w) > 2}


def sentences(text: str) -> list[str]:
    out: list[str] = []
    for line in (norm(p) for p in text.split("\n")):
        if line:
            out += [s for s in re.split(r'(?<=[.!?])["”’]?\s+(?=[“"A-Z0-9‘—-])', line) if s]
    return out


def inside(sentence: str, excerpt: str) -> bool:
    return (
        sentence in excerpt
        or (len(excerpt) >= 0.5 * len(sentence) and excerpt in sentence)
        or (len(sentence) > 60 and sentence[:60] in excerpt)
    )


def stated(entry: BaseModel) -> str:
    parts = [
        str(getattr(entry, a, "") or "")
        for a in ("text", "lead", "membership", "role", "label", "name")
    ]
    return " ".join(parts + list(getattr(entry, "highlights", []) or []))


def cited(catalog: Catalog, source_id: str) -> list[tuple[str, BaseModel]]:
    return [
        (norm(c.excerpt), entry)
        for entry in catalog.entries()
        for c in getattr(entry, "citations", [])
        if c.source == source_id
    ]


def not_claims(current: Catalog) -> set[tuple[str, str]]:
    found = {
        (sid, s)
        for sid, text in current.texts.items()
        for s in sentences(text)
        if not any(inside(s, x) for x, _ in cited(current, sid))
    }
    return found | {(sid, s) for sid in current.texts for s in NOT_CLAIMS}


def report(catalog: Catalog, skip: set[tuple[str, str]], verbose: bool) -> None:
    texts = [norm(stated(e)) for e in catalog.entries()]
    total = [0, 0, 0]
    for sid, text in catalog.texts.items():
        claims = [s for s in sentences(text) if (sid, s) not in skip]
        entry = excerpt = 0
        for s in claims:
            hits = [e for x, e in cited(catalog, sid) if inside(s, x)]
            best = max(
                (len(words(s) & words(stated(e))) / max(1, len(words(s))) for e in hits),
                default=0.0,
            )
            if best >= 0.5 or any(s in t for t in texts):
                entry += 1
            elif hits:
                excerpt += 1
                if verbose:
                    print(f"    only in an excerpt: {s[:100]}")
        n = len(claims)
        print(
            f"{sid:34s} sentences {len(sentences(text)):3d} claims {n:3d}"
            f" with an entry {entry:3d} ({100 * entry / n:5.1f}%)"
            f" only in an excerpt {excerpt:2d} none {n - entry - excerpt:2d}"
        )
        total = [total[0] + n, total[1] + entry, total[2] + excerpt]
    n, entry, excerpt = total
    print(
        f"{'all':34s}               claims {n:3d}"
        f" with an entry {entry:3d} ({100 * entry / n:5.1f}%)"
        f" only in an excerpt {excerpt:2d} none {n - entry - excerpt:2d}"
    )


def main(argv: list[str]) -> None:
    verbose = "-v" in argv
    dirs = [a for a in argv if not a.startswith("-")]
    current = load_catalog(DEFAULT_DATA_DIR)
    report(load_catalog(Path(dirs[0])) if dirs else current, not_claims(current), verbose)


if __name__ == "__main__":
    main(sys.argv[1:])
