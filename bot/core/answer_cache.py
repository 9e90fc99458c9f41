"""Answers computed once: a cache around a service object, invalidated by the store's versions.

``cached_class(Service, version)`` is a subclass of ``Service`` in which each public coroutine
method's answer is kept under (method, its arguments as given, the store's
``version(guild_id)``), so a change of the services' signatures (a new option, a locale)
changes the key by itself. ``version`` moves on every write that may change what
that server sees (``bot.store.cached``), so a kept answer is never stale. Answers that are
random by design (``random``: the method's name and when, from its arguments) are never kept;
nor are answers computed while the version moved. ``NotFound`` and ``Invalid`` answers are kept
too: they depend on the same state. Identical calls arriving together share one computation.
Answers are shared objects: callers read them and never change them.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import inspect
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Any, TypeVar, cast

from bot.core.errors import Invalid, NotFound
from bot.core.i18n import current

__all__ = ["AnswerCache", "Arguments", "cached_class"]

T = TypeVar("T")
Arguments = Mapping[str, Any]
Version = Callable[[int | None], Hashable]
KEPT_ERRORS = (NotFound, Invalid)
DEFAULT_SIZE = 4096


class AnswerCache:
    """The kept answers, least recently used dropped past ``size``; ``hits``/``misses`` count."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self.entries: OrderedDict[Hashable, tuple[bool, Any]] = OrderedDict()
        # Calls being computed; a waiter given None (the computation failed) computes itself.
        self.pending: dict[Hashable, asyncio.Future[tuple[bool, Any] | None]] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> tuple[bool, Any] | None:
        found = self.entries.get(key)
        if found is not None:
            self.entries.move_to_end(key)
            self.hits += 1
        return found

    def put(self, key: Hashable, outcome: tuple[bool, Any]) -> None:
        self.entries[key] = outcome
        self.entries.move_to_end(key)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)


def _answer(outcome: tuple[bool, Any]) -> Any:
    ok, value = outcome
    if ok:
        return value
    raise copy.copy(value)  # a fresh traceback each time, not one growing on a shared error


class _Methods:
    """The cached methods' shared parts: the version, which calls are random, the cache."""

    def __init__(
        self,
        version: Version,
        random: Mapping[str, Callable[[Arguments], bool]],
        cache: AnswerCache,
    ) -> None:
        self.version = version
        self.random = random
        self.cache = cache

    def wrap(self, name: str, function: Callable[..., Awaitable[Any]]) -> Any:
        """``function`` (a method of the base class) answered through the cache."""
        signature = inspect.signature(function)
        parameters = list(signature.parameters)  # "self" first
        guild_at = parameters.index("guild_id") - 1 if "guild_id" in parameters else None
        is_random = self.random.get(name)
        methods = self

        def guild_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
            if "guild_id" in kwargs:
                return kwargs["guild_id"]
            if guild_at is not None and guild_at < len(args):
                return args[guild_at]
            return None

        @functools.wraps(function)
        async def method(service: Any, *args: Any, **kwargs: Any) -> Any:
            if is_random is not None:
                bound = signature.bind(service, *args, **kwargs)
                bound.apply_defaults()
                if is_random(bound.arguments):
                    return await function(service, *args, **kwargs)
            guild = guild_of(args, kwargs)
            version = methods.version(guild)
            # The arguments as given: the same call written two ways is two keys (a second
            # computation, never a wrong answer), and no binding is paid on a hit.
            # The reader's language too: an answer's error messages are in it (bot.core.i18n).
            key = (name, args, tuple(sorted(kwargs.items())), version, current().code)
            try:
                hash(key)
            except TypeError:  # an argument that cannot be a key: answer without the cache
                return await function(service, *args, **kwargs)
            return await methods.through(
                key, version, guild, functools.partial(function, service, *args, **kwargs)
            )

        return method

    async def through(
        self,
        key: Hashable,
        version: Hashable,
        guild: Any,
        compute: Callable[[], Awaitable[Any]],
    ) -> Any:
        cache = self.cache
        found = cache.get(key)
        if found is None and key in cache.pending:
            found = await asyncio.shield(cache.pending[key])
        if found is not None:
            return _answer(found)
        cache.misses += 1
        future: asyncio.Future[tuple[bool, Any] | None] = asyncio.get_running_loop().create_future()
        cache.pending[key] = future
        outcome: tuple[bool, Any] | None = None
        try:
            try:
                outcome = (True, await compute())
            except KEPT_ERRORS as exc:
                outcome = (False, exc)
            if self.version(guild) == version:
                cache.put(key, outcome)
        finally:
            future.set_result(outcome)
            if cache.pending.get(key) is future:
                del cache.pending[key]
        return _answer(outcome)


def cached_class(
    base: type[T],
    version: Version,
    *,
    random: Mapping[str, Callable[[Arguments], bool]] | None = None,
    cache: AnswerCache | None = None,
) -> type[T]:
    """A subclass of ``base`` whose public coroutine methods answer through ``cache`` (a new
    one by default), keyed on ``version(guild_id)``; ``random[name](arguments)`` says when a
    call's answer is random. A subclass, not a wrapper: a class deriving from both it and
    another subclass of ``base`` (``class Counted(CountedFacts, cached_class(FactService, ...))``)
    keeps that subclass's work on every call and the base's computed once."""
    methods = _Methods(version, random or {}, cache or AnswerCache())
    namespace: dict[str, Any] = {"answer_cache": methods.cache}
    for name, function in inspect.getmembers(base, inspect.iscoroutinefunction):
        if not name.startswith("_"):
            namespace[name] = methods.wrap(name, function)
    return cast(type[T], type(f"Cached{base.__name__}", (base,), namespace))
