"""What a search must find, worked out apart from the store: the visible documents whose title
and body contain every word of the query (``\\w+``, case and accents folded). Nothing typed is
syntax: ``NEAR(``, ``AND``, ``*``, quotes and SQL are words or nothing."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from bot.core.models import Document

_WORD = re.compile(r"\w+")


@functools.cache
def words(text: str) -> frozenset[str]:
    """Cached: each test asks it of the same documents' text for every query."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return frozenset(_WORD.findall(plain))


def expected_hits(docs: Iterable[Document], query: str) -> set[tuple[str, str]]:
    """(kind, key) of every document holding all the words of ``query``."""
    wanted = words(query)
    return {(doc.kind.value, doc.key) for doc in docs if wanted <= words(f"{doc.title} {doc.body}")}
