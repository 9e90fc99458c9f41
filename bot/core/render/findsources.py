"""The Find sources answer: the search answer's rendering (the same items, citations and
limits as every answer) under its own heading, shown privately to whoever asked."""

from __future__ import annotations

from bot.core.answers import SearchAnswer
from bot.core.findsources import FindSourcesAnswer
from bot.core.render.answers import render
from bot.core.render.embeds import LIMITS, Reply, inert, truncate

__all__ = ["FIND_SOURCES_TITLE", "NOTHING_FOUND"]

FIND_SOURCES_TITLE = "Find sources"
NOTHING_FOUND = (
    "The store has nothing on this message: no sourced entry matches its words. "
    "That does not make it wrong, only unsourced here."
)


@render.register
def _(answer: FindSourcesAnswer) -> Reply:
    reply = render.dispatch(SearchAnswer)(answer)
    quoted = inert(truncate(answer.query, 120))
    shown = len(answer.hits)
    if shown:
        lead = (
            f"The {'best ' if answer.total > shown else ''}{shown} sourced "
            f"entr{'ies' if shown != 1 else 'y'} matching the words of “{quoted}”, best first. "
            "Each names its source; check that it says what the message claims."
        )
    else:
        lead = f"“{quoted}”\n{NOTHING_FOUND}"
    for number, page in enumerate(reply.pages):
        for embed in page["embeds"]:
            suffix = embed["title"][len(f"Search: {truncate(answer.query, 200)}") :]
            embed["title"] = truncate(FIND_SOURCES_TITLE + suffix, LIMITS.title)
            if number == 0:
                embed["description"] = truncate(lead, LIMITS.description)
            footer = embed.get("footer")
            if footer:
                footer["text"] = footer["text"].replace("/search", "Find sources")
    reply.ephemeral = True
    return reply
