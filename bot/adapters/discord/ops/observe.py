"""One place that sees every command and autocomplete start and end: its outcome and latency
go to the metrics (``bot.core.observe.Metrics``); ``FactTree`` starts each interaction's
record (``observer.start``) in its ``interaction_check``, the first thing discord.py runs in
the interaction's task, and ends it (``observer.finish``) when that task is done; its
``on_error`` and ``interaction_check`` say how it ended (``observer.ended``).

Components (buttons, selects, forms) are counted too, by family (``button:excerpts``,
``form:entry``; ``component_family``) so that a custom id's server, owner and page never
become metric labels: ``bind_interaction_logs`` gives each one a ``Trace`` while discord.py
parses it, the tasks discord.py starts for it inherit that trace (the error path and the
refusals say how it ended through ``InteractionObserver.ended``), and the interaction is
counted when the last of those tasks ends (discord.py starts every one through its view
store's ``add_task``, which is wrapped for that, as the parser is for the log fields). A
press no handler takes (a forged or expired custom id) starts no task and is not counted, so
it cannot invent a label either.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

from bot.core.observe import NO_METRICS, Metrics, Outcome
from bot.core.usage.service import Tally, Usage
from bot.logs import bind, bind_task

log = logging.getLogger(__name__)

__all__ = [
    "InteractionObserver",
    "Trace",
    "bind_interaction_logs",
    "command_name",
    "component_family",
    "current_trace",
    "typed_command_name",
]


@dataclass
class Trace:
    """What is known of the interaction being handled (one per interaction task)."""

    interaction_id: int
    command: str
    guild_id: int | None
    user_id: int
    shard_id: int | None
    autocomplete: bool
    outcome: Outcome = Outcome.ANSWERED
    error_id: str | None = None
    ran: bool = True  # False when refused before running (a cooldown, a restart)
    started: float = 0.0  # time.perf_counter() when its task began (commands, autocomplete)
    tally: Tally | None = None  # what a command showed and missed, for ``Usage``


_TRACE: contextvars.ContextVar[Trace | None] = contextvars.ContextVar("trace", default=None)


def current_trace() -> Trace | None:
    """The interaction this task is handling, if any."""
    return _TRACE.get()


def _typed_name(data: Any) -> str:
    """The command's full name as the payload says (``entry add``), for the log lines."""
    parts = [str(data.get("name", "?"))]
    options = data.get("options") or []
    while options and isinstance(options[0], dict) and options[0].get("type") in (1, 2):
        parts.append(str(options[0].get("name", "?")))
        options = options[0].get("options") or []
    return " ".join(parts)[:100]


def typed_command_name(interaction: discord.Interaction[Any]) -> str:
    """The full command name the payload names (before discord.py resolves it)."""
    return _typed_name(interaction.data or {})


def command_name(interaction: discord.Interaction[Any]) -> str:
    """The command's full name (``entry add``) as this bot knows it, also when it was refused
    before discord.py resolved it (a cooldown); ``unknown`` when the bot has no such command,
    so a forged payload cannot invent metric labels."""
    command = interaction.command
    if command is not None:
        return command.qualified_name
    tree = getattr(interaction.client, "tree", None)
    parts = _typed_name(interaction.data or {}).split()
    found: Any = tree.get_command(parts[0]) if tree is not None and parts else None
    for part in parts[1:]:
        found = found.get_command(part) if isinstance(found, app_commands.Group) else None
    if isinstance(found, app_commands.Command | app_commands.Group):
        return found.qualified_name
    return "unknown"


def _shard(interaction: discord.Interaction[Any]) -> int | None:
    client = interaction.client
    count: int | None = client.shard_count
    if interaction.guild_id is not None and count:
        return (interaction.guild_id >> 22) % count
    shard: int | None = client.shard_id
    return shard


def _payload_fields(data: Any, shard_count: int | None) -> dict[str, Any]:
    """The log fields of an INTERACTION_CREATE payload: id, what it is, server, shard."""
    guild = data.get("guild_id")
    guild_id = int(guild) if isinstance(guild, str) and guild.isdigit() else None
    inner = data.get("data") if isinstance(data.get("data"), dict) else {}
    kind = data.get("type")
    if kind in (2, 4):
        command = _typed_name(inner)
    else:
        message = data.get("message") if isinstance(data.get("message"), dict) else {}
        origin = message.get("interaction_metadata") or message.get("interaction") or {}
        source = f"/{origin['name']}" if isinstance(origin, dict) and origin.get("name") else ""
        what = "form" if kind == 5 else "component"
        command = f"{what} {str(inner.get('custom_id', '?')).split(':')[0]} {source}".strip()
    ident = data.get("id")
    return {
        "interaction_id": int(ident) if isinstance(ident, str) and ident.isdigit() else ident,
        "command": command[:100],
        "guild_id": guild_id,
        "shard_id": (guild_id >> 22) % shard_count if guild_id and shard_count else None,
    }


_SELECTS = {3, 5, 6, 7, 8}  # string, user, role, mentionable and channel selects
# The actions of an answer's components (``bot.core.render.state.CUSTOM_ID_TEMPLATE``).
_ANSWER_ACTIONS = {
    "x": "excerpts",
    "s": "section",
    "r": "report",
    **dict.fromkeys("fpnl", "page"),  # first, previous, next, last
}


def component_family(kind: int, data: Any) -> str:
    """The metric label of a button, select or form: what it is and the fixed words of its
    custom id (``button:excerpts``, ``select:stats:gap``, ``form:entry``,
    ``button:review:approve``), never its server, owner or page numbers."""
    what = "form" if kind == 5 else "select" if data.get("component_type") in _SELECTS else "button"
    parts = str(data.get("custom_id", "")).split(":")
    name = parts[0]
    if name == "sco" and len(parts) > 1:
        name = _ANSWER_ACTIONS.get(parts[1], "answer")
    elif len(parts) > 1 and parts[1].isalpha():
        name = f"{name}:{parts[1]}"
    return f"{what}:{name[:40]}"


@dataclass
class _Pending:
    """The handler tasks discord.py started for one component interaction."""

    trace: Trace
    started: float
    tasks: int = 0


_PENDING: contextvars.ContextVar[_Pending | None] = contextvars.ContextVar("pending", default=None)


def bind_interaction_logs(client: discord.Client, metrics: Metrics = NO_METRICS) -> None:
    """Bind each interaction's log fields while discord.py parses it, so the tasks it starts
    for it (command, button, select, form) log with them. Commands rebind once resolved
    (``InteractionObserver.around``). Buttons, selects and forms are counted in ``metrics``
    by family when the tasks their handlers run in end."""
    parsers: dict[str, Any] = client._connection.parsers
    original = parsers["INTERACTION_CREATE"]
    store: Any = client._connection._view_store
    add_task = store.add_task

    def finished(pending: _Pending, _: Any) -> None:
        pending.tasks -= 1
        if not pending.tasks:
            trace = pending.trace
            metrics.interaction(trace.command, trace.outcome, time.perf_counter() - pending.started)

    def add_counted_task(task: Any) -> None:
        # Every button, select and form handler task goes through here (discord.py's
        # ``ViewStore``); those started while parsing a component interaction are counted.
        add_task(task)
        pending = _PENDING.get()
        if pending is not None:
            pending.tasks += 1
            task.add_done_callback(functools.partial(finished, pending))

    store.add_task = add_counted_task

    def parse(data: Any) -> None:
        try:
            fields = _payload_fields(data, client.shard_count)
        except Exception:  # a malformed payload: discord.py will say what is wrong with it
            fields = {}
        with bind(**fields), _component_trace(data):
            original(data)

    parsers["INTERACTION_CREATE"] = parse


def _number(value: Any) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


@contextlib.contextmanager
def _component_trace(data: Any) -> Iterator[None]:
    """For a button, select or form: a ``Trace`` the handler tasks started meanwhile inherit
    (``current_trace``), and the count of those tasks."""
    kind = data.get("type") if isinstance(data, dict) else None
    inner = data.get("data") if isinstance(data, dict) else None
    if kind not in (3, 5) or not isinstance(inner, dict):
        yield
        return
    member = data.get("member")
    user = member.get("user") if isinstance(member, dict) else data.get("user")
    trace = Trace(
        interaction_id=_number(data.get("id")) or 0,
        command=component_family(kind, inner),
        guild_id=_number(data.get("guild_id")),
        user_id=_number(user.get("id") if isinstance(user, dict) else None) or 0,
        shard_id=None,
        autocomplete=False,
    )
    trace_token = _TRACE.set(trace)
    pending_token = _PENDING.set(_Pending(trace, time.perf_counter()))
    try:
        yield
    finally:
        _PENDING.reset(pending_token)
        _TRACE.reset(trace_token)


class InteractionObserver:
    """Times each command and autocomplete and reports how it ended; counts each command's
    use in its server (``Usage``: what it showed, what it could not find).

    ``start`` runs first in the interaction's task (``FactTree.interaction_check``) and binds
    the trace, the log fields and the usage tally for the rest of that task; ``finish`` runs
    once the task has ended (its done callback), with no await: the metrics and the usage count
    are in memory, and a due write of the usage counts is left to the caller to schedule."""

    def __init__(self, metrics: Metrics = NO_METRICS, usage: Usage | None = None) -> None:
        self.metrics = metrics
        self.usage = usage

    def start(self, interaction: discord.Interaction[Any]) -> Trace:
        data: Any = interaction.data or {}
        autocomplete = interaction.type is discord.InteractionType.autocomplete
        trace = Trace(
            interaction_id=interaction.id,
            command=_typed_name(data),
            guild_id=interaction.guild_id,
            user_id=interaction.user.id,
            shard_id=_shard(interaction),
            autocomplete=autocomplete,
            started=time.perf_counter(),
        )
        _TRACE.set(trace)
        bind_task(
            interaction_id=trace.interaction_id,
            command=trace.command,
            guild_id=trace.guild_id,
            shard_id=trace.shard_id,
        )
        if self.usage is not None and not autocomplete:
            trace.tally = self.usage.begin_tally()
        return trace

    def finish(self, trace: Trace, interaction: discord.Interaction[Any], *, failed: bool) -> bool:
        """Record how ``trace``'s interaction ended (``failed``: its task raised or was
        cancelled, so it counts as an internal error and not as the server's usage). True when
        the usage counts held in memory should be written now (``Usage.flush``)."""
        seconds = time.perf_counter() - trace.started
        if failed:
            trace.outcome = Outcome.INTERNAL_ERROR
        trace.command = command_name(interaction)
        if trace.autocomplete:
            self.metrics.autocomplete(trace.command, seconds)
            return False
        self.metrics.interaction(trace.command, trace.outcome, seconds)
        usage = self.usage
        if usage is None or failed or not trace.ran or interaction.command is None:
            return False
        try:
            return usage.count(trace.guild_id, trace.command, trace.tally)
        except Exception:
            log.warning("could not count the use of /%s", trace.command, exc_info=True)
            return False

    @staticmethod
    def ended(outcome: Outcome, *, error_id: str | None = None, ran: bool = True) -> None:
        """Record how the current interaction ended (an error answered, a refusal); ``ran``
        False: refused before it ran, so it is not counted as the server's usage."""
        trace = _TRACE.get()
        if trace is not None:
            trace.outcome = outcome
            trace.error_id = error_id
            trace.ran = ran
