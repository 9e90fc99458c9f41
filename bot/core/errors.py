"""Typed errors with user-safe messages.

The core raises these; one place in each adapter turns them into replies. Anything else that
escapes is a bug: the adapter logs it with an id and apologises.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "BotError",
    "Conflict",
    "Forbidden",
    "Invalid",
    "NearDuplicate",
    "NotFound",
    "RateLimited",
]


class BotError(Exception):
    """Base of every error whose ``message`` may be shown to a user as it is."""

    title = "Something is off"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class NotFound(BotError):
    """Nothing matches; ``suggestions`` are the closest known names, best first."""

    title = "Not found"

    def __init__(
        self, message: str, *, suggestions: Sequence[str] = (), hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.suggestions = list(suggestions)


class Invalid(BotError):
    """The input cannot be used as given (wrong type, too long, malformed)."""

    title = "That input doesn't work"


class Forbidden(BotError):
    """The caller may not do this."""

    title = "Not allowed"


class Conflict(BotError):
    """Someone else changed the thing first."""

    title = "Changed meanwhile"


class NearDuplicate(Conflict):
    """What was typed is very close to an existing entry; saving needs a confirmation."""

    title = "Possible duplicate"

    def __init__(self, message: str, *, key: str, text: str, score: float) -> None:
        super().__init__(message, hint="Save it anyway only if it says something new.")
        self.key = key
        self.text = text
        self.score = score


class RateLimited(BotError):
    title = "Slow down"
