"""The Find sources answer: the search answer's rendering (the same items, footnotes and
limits as every answer, ``search_reply``) under its own heading and lead, shown privately to
whoever asked."""

from __future__ import annotations

from bot.core.i18n import N_, _
from bot.core.reading.findsources import FindSourcesAnswer
from bot.core.render.answers import render
from bot.core.render.embeds import Reply, inert, truncate
from bot.core.render.listing import search_reply

__all__ = ["FIND_SOURCES_TITLE", "NOTHING_FOUND"]

FIND_SOURCES_TITLE = N_("Find sources")
NOTHING_FOUND = N_(
    "The store has nothing on this message: no sourced entry matches its words. "
    "That does not make it wrong, only unsourced here."
)


@render.register
def _render_findsourcesanswer(answer: FindSourcesAnswer) -> Reply:
    quoted = inert(truncate(answer.query, 120))
    shown = len(answer.hits)
    if shown:
        lead = _(
            "The sourced entries that best match the words of “{quoted}”, best first. Each "
            "is footnoted to its source; check that it says what the message claims."
        ).format(quoted=quoted)
    else:
        lead = f"“{quoted}”\n{_(NOTHING_FOUND)}"
    reply = search_reply(answer, _(FIND_SOURCES_TITLE), lead)
    reply.ephemeral = True
    return reply
