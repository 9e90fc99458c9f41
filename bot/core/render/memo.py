"""Render an answer once while it is the same object.

The answer cache (``bot.core.answer_cache``) hands out one answer object per question and
store version, so the reply built from it can be kept beside it and sent again: rendering, not
the store, was what a cached ``/member china`` spent its time on. Keyed by identity, holding the
answer itself so that its ``id`` cannot be reused by another object while the entry lives.
Replies are never changed after rendering (``Reply.view`` and ``payload`` build new dicts).
"""

from __future__ import annotations

from collections import OrderedDict

from bot.core.i18n import current
from bot.core.render.answers import render
from bot.core.render.embeds import Reply

__all__ = ["RenderedReplies"]


class RenderedReplies:
    """``render`` with the replies of the ``size`` answers rendered last kept for reuse."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._kept: OrderedDict[tuple[int, str], tuple[object, Reply]] = OrderedDict()

    def __call__(self, answer: object) -> Reply:
        key = (id(answer), current().code)  # one reply per language it was read in
        kept = self._kept.get(key)
        if kept is not None and kept[0] is answer:
            self._kept.move_to_end(key)
            return kept[1]
        reply = render(answer)
        self._kept[key] = (answer, reply)
        self._kept.move_to_end(key)
        if len(self._kept) > self._size:
            self._kept.popitem(last=False)
        return reply
