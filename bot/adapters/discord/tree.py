"""The command tree: the one place that turns failures into replies."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
import uuid
from collections.abc import Coroutine
from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord.deadline import Deadline
from bot.adapters.discord.edge import refusal
from bot.adapters.discord.installs import scope
from bot.adapters.discord.members import moderates
from bot.adapters.discord.ops.observe import InteractionObserver, Trace, typed_command_name
from bot.adapters.discord.respond import send_reply
from bot.core.cooldown import Cooldowns
from bot.core.errors import (
    OVERDUE,
    BotError,
    Forbidden,
    Invalid,
    RateLimited,
    Unavailable,
    as_unavailable,
)
from bot.core.i18n import N_, _
from bot.core.observe import Outcome
from bot.core.render import Reply, render_apology, render_error
from bot.core.usage.service import Usage

__all__ = ["FactTree", "answer_error"]

log = logging.getLogger(__name__)


def _as_bot_error(error: app_commands.AppCommandError) -> BotError | None:
    """The user-safe error behind ``error``, if it has one."""
    if isinstance(error, app_commands.CommandInvokeError) and isinstance(error.original, BotError):
        return error.original
    if isinstance(error, app_commands.CommandInvokeError):
        return as_unavailable(error.original)  # the database failed for now
    if isinstance(error, app_commands.TransformerError):
        return Invalid(
            _("“{value}” is not a valid {kind} here.").format(
                value=str(error.value)[:60], kind=error.type.name.lower()
            )
        )
    if isinstance(error, app_commands.MissingPermissions | app_commands.CheckFailure):
        return Forbidden(str(error) or N_("You don't have permission to use this command."))
    if isinstance(error, app_commands.CommandNotFound):
        return Invalid(
            N_("That command no longer exists here; Discord may still be updating its list.")
        )
    if isinstance(error, app_commands.CommandSignatureMismatch):
        return Invalid(
            N_("This command changed since Discord last synced it; try again in a minute.")
        )
    return None


async def answer_error(interaction: discord.Interaction[Any], error: Exception) -> str | None:
    """The one error handler: every failure of a command, button or menu ends here.

    In order: a ``BotError`` (or an app-command error standing for one) is answered with its
    message, privately, with the "add an entry" hint for moderators only; anything else is
    logged with an id and apologised for with that id; if even that reply fails, it is logged.
    Returns the id of an unexpected error (``None`` for a user's error), for the metrics.
    """
    error_id: str | None = None
    original = getattr(error, "original", error)
    known = (
        _as_bot_error(error)
        if isinstance(error, app_commands.AppCommandError)
        else original
        if isinstance(original, BotError)
        else None
    )
    if known is None:
        known = as_unavailable(original)  # the database failed for now: temporary, said so
    if known is not None:
        reply: Reply = render_error(known, moderator=await _moderates(interaction))
    else:
        error_id = uuid.uuid4().hex[:8]
        what = (
            f"/{interaction.command.qualified_name}"
            if interaction.command
            else f"component {dict(interaction.data or {}).get('custom_id', '?')}"
        )
        log.error(
            "unexpected error %s in %s (guild %s, user %s)",
            error_id,
            what,
            interaction.guild_id,
            interaction.user.id,
            exc_info=original,
            extra={"error_id": error_id},
        )
        reply = render_apology(error_id)
    outcome = Outcome.USER_ERROR if error_id is None else Outcome.INTERNAL_ERROR
    InteractionObserver.ended(outcome, error_id=error_id)  # counted so, command or button
    try:
        await send_reply(interaction, reply)
    except discord.HTTPException:
        log.exception("could not deliver the error reply for interaction %s", interaction.id)
    return error_id


async def _moderates(interaction: discord.Interaction[Any]) -> bool:
    """Whether to remind the caller that they can add an entry: a moderator of a server that
    installed the bot (where only a user's own install answers, there are no entries to add)."""
    if scope(interaction) is None:
        return False
    try:
        return await moderates(interaction)
    except Exception:  # the hint is a courtesy: never fail the error reply over it
        log.warning("could not tell whether %s moderates", interaction.user.id, exc_info=True)
        return False


async def _answer_autocomplete(interaction: discord.Interaction[Any]) -> None:
    """An autocomplete left unanswered (its handler failed) gets no choices, not silence."""
    if interaction.type is not discord.InteractionType.autocomplete:
        return
    if interaction.response.is_done():
        return
    try:
        await interaction.response.autocomplete([])
    except discord.HTTPException:
        log.info("could not answer autocomplete %s", interaction.id)


class FactTree(app_commands.CommandTree[Any]):
    """Adds one ``on_error``, and watches each command and autocomplete from its start to its
    end: counted in flight (for graceful shutdown), observed (metrics, log fields, usage),
    answered within Discord's window (``Deadline``), and an autocomplete left unanswered gets
    no choices.

    Only discord.py's public hooks are used. discord.py runs each command and autocomplete in
    a task of its own (``CommandTree._from_interaction``), and the first thing that task does is
    ``interaction_check`` (``CommandTree._call``), before the command is looked up; so that is
    where the interaction starts: what it binds in context variables (the trace, the log
    fields, the usage tally) holds for the rest of the task, the command included, and a done
    callback on ``asyncio.current_task()`` sees the task end however it ends (answered, an
    error ``on_error`` answered, an exception, cancelled by the deadline or at shutdown).
    What must still be sent then (the overdue notice, an autocomplete's empty choices) is sent
    from a task of its own, still counted in flight.
    """

    def __init__(self, client: discord.Client) -> None:
        super().__init__(client)
        self.in_flight = 0
        self.accepting = True
        self.idle = asyncio.Event()
        self.idle.set()
        self.idle_since = time.monotonic()  # when the last interaction in flight ended
        self.observer = InteractionObserver()  # FactBot gives it the app's metrics
        self.cooldowns: Cooldowns | None = None  # FactBot sets the one policy from settings

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        self._begin(interaction)
        if not self.accepting:
            if interaction.type is discord.InteractionType.application_command:
                self.observer.ended(Outcome.USER_ERROR, ran=False)
                await interaction.response.send_message(
                    _("I'm restarting; please try again in a moment."), ephemeral=True
                )
            return False
        refused = refusal(self, interaction)  # a payload Discord's client wouldn't send
        if refused is None:
            return await self._cooled(interaction)
        log.info("refused a malformed payload for interaction %s: %s", interaction.id, refused)
        if interaction.type is discord.InteractionType.autocomplete:
            await interaction.response.autocomplete([])
        else:
            self.observer.ended(Outcome.USER_ERROR, ran=False)
            await send_reply(interaction, render_error(refused))
        return False

    def _begin(self, interaction: discord.Interaction[Any]) -> None:
        """Count, observe and time the interaction whose task is running (see the class)."""
        task = asyncio.current_task()
        assert task is not None  # discord.py runs the check in the interaction's task
        self._enter()
        trace = self.observer.start(interaction)
        deadline = Deadline(interaction, task)
        task.add_done_callback(functools.partial(self._ended, interaction, trace, deadline))

    def _enter(self) -> None:
        self.in_flight += 1
        self.idle.clear()

    def _leave(self, *_: object) -> None:
        self.in_flight -= 1
        if not self.in_flight:
            self.idle.set()
            self.idle_since = time.monotonic()

    def _ended(
        self,
        interaction: discord.Interaction[Any],
        trace: Trace,
        deadline: Deadline,
        task: asyncio.Task[Any],
    ) -> None:
        """The interaction's task is done (a done callback: runs in that task's context)."""
        deadline.cancel()
        try:
            failed = task.cancelled() and not deadline.fired
            error = None if task.cancelled() else task.exception()
            if error is not None:  # not an ``AppCommandError``: those went to ``on_error``
                failed = True
                log.error("unexpected error in interaction %s", interaction.id, exc_info=error)
            unanswered = not interaction.response.is_done()
            if unanswered and (deadline.fired or trace.autocomplete):
                self._spawn(self._answer_late(interaction, trace, failed=failed))
                return
            self._finish(interaction, trace, failed=failed)
        finally:
            self._leave()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` in a task of its own (the current context's copy), counted in flight."""
        self._enter()
        task = asyncio.get_running_loop().create_task(work)
        task.add_done_callback(self._leave)

    async def _answer_late(
        self, interaction: discord.Interaction[Any], trace: Trace, *, failed: bool
    ) -> None:
        """What the ended task left unanswered: an autocomplete gets no choices (Discord
        takes only choices there), a command the overdue notice."""
        try:
            if trace.autocomplete:
                await _answer_autocomplete(interaction)
            else:
                await self._overdue(interaction)
        finally:
            self._finish(interaction, trace, failed=failed)

    def _finish(self, interaction: discord.Interaction[Any], trace: Trace, *, failed: bool) -> None:
        try:
            if self.observer.finish(trace, interaction, failed=failed) and self.observer.usage:
                self._spawn(self._flush_usage(self.observer.usage))
        finally:
            _release(interaction)

    @staticmethod
    async def _flush_usage(usage: Usage) -> None:
        try:
            await usage.flush()
        except Exception:
            log.warning("could not write the usage counts", exc_info=True)

    async def _cooled(self, interaction: discord.Interaction[Any]) -> bool:
        """Whether the command may run now (``Cooldowns``); else say when, privately.
        Autocomplete is never limited."""
        if (
            self.cooldowns is None
            or interaction.type is not discord.InteractionType.application_command
        ):
            return True
        try:
            self.cooldowns.check(interaction.user.id, typed_command_name(interaction))
        except RateLimited as limited:
            self.observer.ended(Outcome.USER_ERROR, ran=False)
            await send_reply(interaction, render_error(limited))
            return False
        return True

    async def _overdue(self, interaction: discord.Interaction[Any]) -> None:
        self.observer.ended(Outcome.INTERNAL_ERROR)
        try:
            await send_reply(interaction, render_error(Unavailable(OVERDUE)))
        except discord.HTTPException as exc:  # the cut-off answer had got through
            log.info("no overdue notice for interaction %s: %s", interaction.id, exc)

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError, /
    ) -> None:
        if interaction.type is discord.InteractionType.autocomplete:
            log.warning("autocomplete failed (interaction %s): %s", interaction.id, error)
            await _answer_autocomplete(interaction)  # Discord takes only choices here
            return
        error_id = await answer_error(interaction, error)
        if error_id is None:
            self.observer.ended(Outcome.USER_ERROR)
        else:
            self.observer.ended(Outcome.INTERNAL_ERROR, error_id=error_id)


def _release(interaction: discord.Interaction[Any]) -> None:
    """Break the reference cycle between a finished interaction and its response.

    discord.py keeps ``interaction.response`` on the interaction, and the response points
    back at it, so an answered interaction (with its member, user, namespace and payload,
    some 30 objects) is freed only by a full run of the cyclic collector. Under load each one
    outlives a few young collections while it is answered, so they pile up in the oldest
    generation: measured at 100,000 facts (``bench.discord_bench``), 8,000 of them, 224,000
    objects, made one full collection take 265 ms. Dropping the cached response once the
    task has ended (nothing asks for it after; a ``delete_after`` task holds its own) lets
    reference counting free the interaction at once. The slot is discord.py's own
    (``Interaction._cs_response``); if a later version renames it, nothing breaks and the
    interactions wait for the collector again."""
    with contextlib.suppress(AttributeError):
        delattr(interaction, "_cs_response")
