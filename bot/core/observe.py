"""What the core reports about itself while it works: the ``Metrics`` port.

The core counts things (a cache hit, a digest posted, a database call and how long it took)
through this small protocol and never imports a metrics library. The composition root
(``bot.app``) hands the services an implementation: ``NO_METRICS`` when nothing listens,
``bot.adapters.http.metrics.PrometheusMetrics`` in the running bot.

A cache in the core reports each lookup with ``metrics.cache("answers", hit=True)``; a digest
outcome with ``metrics.digest(DigestEvent.POSTED)``.
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from bot.core.errors import BotError

__all__ = ["NO_METRICS", "DigestEvent", "Metrics", "NullMetrics", "Outcome", "time_calls"]

T = TypeVar("T")


class Outcome(StrEnum):
    """How an interaction ended."""

    ANSWERED = "answered"
    USER_ERROR = "user_error"
    INTERNAL_ERROR = "internal_error"


class DigestEvent(StrEnum):
    """What happened to one server's daily digest at one attempt."""

    POSTED = "posted"
    CAUGHT_UP = "caught_up"  # posted late (the bot was down at the due time) or found posted
    PAUSED = "paused"
    FAILED = "failed"
    SKIPPED_BY_CLAIM = "skipped_by_claim"  # another process holds the day's claim


class Metrics(Protocol):
    """Counters the core and the adapters report to. Every method is cheap and never raises."""

    def interaction(self, command: str, outcome: Outcome, seconds: float) -> None:
        """A command ended (``command`` is its full name, e.g. ``entry add``)."""

    def autocomplete(self, command: str, seconds: float) -> None: ...

    def digest(self, event: DigestEvent) -> None: ...

    def database(self, operation: str, seconds: float, *, failed: bool) -> None:
        """One store call: its method name, its duration and whether it raised."""

    def cache(self, name: str, *, hit: bool) -> None: ...

    def gateway(self, event: str) -> None:
        """A gateway connection event: ``connect``, ``reconnect``, ``resume``, ``disconnect``."""


class NullMetrics:
    """Counts nothing: the default when no metrics are wanted (tests, the console)."""

    def interaction(self, command: str, outcome: Outcome, seconds: float) -> None:
        pass

    def autocomplete(self, command: str, seconds: float) -> None:
        pass

    def digest(self, event: DigestEvent) -> None:
        pass

    def database(self, operation: str, seconds: float, *, failed: bool) -> None:
        pass

    def cache(self, name: str, *, hit: bool) -> None:
        pass

    def gateway(self, event: str) -> None:
        pass


NO_METRICS: Metrics = NullMetrics()


def _timed(
    method: Callable[..., Awaitable[Any]], name: str, metrics: Metrics
) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(method)
    async def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        failed = False
        try:
            return await method(*args, **kwargs)
        except BotError:
            raise  # a refusal the store worded for the user: the database answered
        except LookupError:
            raise  # "nothing there" is an answer too
        except BaseException:
            failed = True
            raise
        finally:
            metrics.database(name, time.perf_counter() - started, failed=failed)

    return timed


def time_calls(target: T, metrics: Metrics, *, prefix: str = "") -> T:
    """Report every public coroutine method of ``target`` (a store) to ``metrics.database``,
    by wrapping the bound methods on the instance itself: the object keeps its class, so
    whoever checks its type (``digest_store``, ``moderation_store``) still sees a backend."""
    if metrics is NO_METRICS:
        return target
    for name, _ in inspect.getmembers(type(target), inspect.iscoroutinefunction):
        if name.startswith("_") or name in {"close", "migrate"}:
            continue
        bound = getattr(target, name)
        setattr(target, name, _timed(bound, prefix + name, metrics))
    return target
