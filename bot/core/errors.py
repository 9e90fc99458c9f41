"""Typed errors with user-safe messages.

The core raises these; one place in each adapter turns them into replies. Anything else that
escapes is a bug: the adapter logs it with an id and apologises.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.core.i18n import N_

__all__ = [
    "OVERDUE",
    "Ambiguous",
    "BotError",
    "Conflict",
    "Forbidden",
    "Invalid",
    "NearDuplicate",
    "NotFound",
    "RateLimited",
    "Unavailable",
    "as_unavailable",
    "register_storage_fault",
]


class BotError(Exception):
    """Base of every error whose ``message`` may be shown to a user as it is.

    ``title``, and a ``message`` or ``hint`` that is a fixed string, are written in English
    within ``N_()`` and translated where the error is shown (``bot.core.render.render_error``);
    a message with values in it is translated where it is raised (``_("...").format()``)."""

    title = N_("Something is off")

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class NotFound(BotError):
    """Nothing matches; ``suggestions`` are the closest known names, best first."""

    title = N_("Not found")

    def __init__(
        self, message: str, *, suggestions: Sequence[str] = (), hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.suggestions = list(suggestions)


class Ambiguous(NotFound):
    """Several names match about as well: ``suggestions`` are the ones to choose from."""


class Invalid(BotError):
    """The input cannot be used as given (wrong type, too long, malformed)."""

    title = N_("That input doesn't work")


class Forbidden(BotError):
    """The caller may not do this."""

    title = N_("Not allowed")


class Conflict(BotError):
    """Someone else changed the thing first."""

    title = N_("Changed meanwhile")


class NearDuplicate(Conflict):
    """What was typed is very close to an existing entry; saving needs a confirmation."""

    title = N_("Possible duplicate")

    def __init__(self, message: str, *, key: str, text: str, score: float) -> None:
        super().__init__(message, hint=N_("Save it anyway only if it says something new."))
        self.key = key
        self.text = text
        self.score = score


class RateLimited(BotError):
    title = N_("Slow down")


OVERDUE = N_("The database did not answer in time. This is temporary; try again shortly.")


class Unavailable(BotError):
    """The database did not answer in time or failed for a while (stopped, frozen, disk full,
    locked by another process). Temporary: what was typed is kept to submit again."""

    title = N_("The database is not answering")

    def __init__(self, message: str = "", *, hint: str | None = None) -> None:
        super().__init__(
            message
            or N_("The database is not answering right now. This is temporary; try again shortly."),
            hint=hint,
        )


# What the storage backends count as a temporary failure of theirs (``bot.store.faults``
# registers them); timeouts and broken connections count whatever the backend.
_STORAGE_FAULTS: list[Callable[[BaseException], bool]] = []


def register_storage_fault(predicate: Callable[[BaseException], bool]) -> None:
    """Count exceptions ``predicate`` accepts as temporary storage failures."""
    if predicate not in _STORAGE_FAULTS:
        _STORAGE_FAULTS.append(predicate)


def as_unavailable(error: BaseException) -> Unavailable | None:
    """``error`` (or what caused it) as ``Unavailable`` when it is a temporary storage
    failure; None for anything else (a bug stays a bug)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, Unavailable):
            return current
        if isinstance(current, TimeoutError | ConnectionError) or any(
            accepts(current) for accepts in _STORAGE_FAULTS
        ):
            return Unavailable()
        current = current.__cause__ or current.__context__
    return None
