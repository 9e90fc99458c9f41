"""Answering within Discord's window even when the database does not answer.

Discord drops an interaction that gets no first answer within 3 s. ``answer_in_time`` runs an
interaction's work and, when it is still unanswered after ``ANSWER_BUDGET`` (the database is
frozen, locked by another process, or its pool is exhausted), cancels the work and lets the
caller answer "the database is not answering, try again shortly" while there is still time;
work that answered (or deferred) in time is never cut short. The store's own timeouts
(``bot.store.faults``) end a stuck statement too; this is the bound that holds whatever the
backend does.

A slash command's or autocomplete's work is the whole task discord.py runs it in, so it gets a
``Deadline`` instead: set when the task begins, it cancels the task itself, and whoever watches
the task's end answers in its place (``FactTree``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import discord

__all__ = ["ANSWER_BUDGET", "Deadline", "Overdue", "answer_in_time"]

log = logging.getLogger(__name__)

ANSWER_BUDGET = 2.4  # seconds; Discord allows 3 for the first answer, less the round trip


class Overdue(Exception):
    """The interaction's work was cancelled, unanswered, when its budget ran out."""


@contextlib.asynccontextmanager
async def answer_in_time(
    interaction: discord.Interaction[Any], budget: float | None = None
) -> AsyncIterator[None]:
    """Cancel the body if ``interaction`` is still unanswered after ``budget`` seconds
    (``ANSWER_BUDGET`` by default), and raise ``Overdue`` instead (so the caller can still
    answer)."""
    budget = ANSWER_BUDGET if budget is None else budget
    task = asyncio.current_task()
    assert task is not None
    fired = False

    def overdue() -> None:
        nonlocal fired
        if not interaction.response.is_done():
            fired = True
            task.cancel()

    handle = asyncio.get_running_loop().call_later(budget, overdue)
    try:
        yield
    except asyncio.CancelledError:
        if not fired:
            raise
        task.uncancel()
        log.warning(
            "interaction %s unanswered after %.1f s (the database is slow or not answering)",
            interaction.id,
            budget,
        )
        raise Overdue from None
    finally:
        handle.cancel()


class Deadline:
    """Cancel ``task`` if ``interaction`` is still unanswered after ``budget`` seconds
    (``ANSWER_BUDGET`` by default); ``fired`` then says the cancellation was this deadline's,
    so the task's watcher can still answer. ``cancel`` once the task has ended."""

    __slots__ = ("_handle", "fired")

    def __init__(
        self,
        interaction: discord.Interaction[Any],
        task: asyncio.Task[Any],
        budget: float | None = None,
    ) -> None:
        self.fired = False
        budget = ANSWER_BUDGET if budget is None else budget
        self._handle = asyncio.get_running_loop().call_later(
            budget, self._expire, interaction, task, budget
        )

    def _expire(
        self, interaction: discord.Interaction[Any], task: asyncio.Task[Any], budget: float
    ) -> None:
        if task.done() or interaction.response.is_done():
            return
        self.fired = True
        task.cancel()
        log.warning(
            "interaction %s unanswered after %.1f s (the database is slow or not answering)",
            interaction.id,
            budget,
        )

    def cancel(self) -> None:
        self._handle.cancel()
