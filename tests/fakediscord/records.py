"""What the fake records: requests, limit violations, injected API errors."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


@dataclass(frozen=True)
class ApiError:
    """An error answer in Discord's shape: ``{"message": ..., "code": ...}`` with a status.
    A 429 carries ``retry_after`` (seconds) in its body and headers, as Discord sends it."""

    status: int
    code: int
    message: str
    retry_after: float | None = None
    global_limit: bool = False


def rate_limited(retry_after: float, *, global_limit: bool = False) -> ApiError:
    """A 429 "You are being rate limited." with ``retry_after`` seconds to wait."""
    return ApiError(429, 0, "You are being rate limited.", retry_after, global_limit)


SERVER_ERROR = ApiError(500, 0, "500: Internal Server Error")
# Not an answer: the fake aborts the TCP connection before answering (``fake.fail`` with it).
CONNECTION_RESET = ApiError(0, 0, "connection reset")


MISSING_ACCESS = ApiError(403, 50001, "Missing Access")
MISSING_PERMISSIONS = ApiError(403, 50013, "Missing Permissions")
UNKNOWN_CHANNEL = ApiError(404, 10003, "Unknown Channel")
UNKNOWN_GUILD = ApiError(404, 10004, "Unknown Guild")
UNKNOWN_MEMBER = ApiError(404, 10007, "Unknown Member")
UNKNOWN_MESSAGE = ApiError(404, 10008, "Unknown Message")
UNKNOWN_USER = ApiError(404, 10013, "Unknown User")
UNKNOWN_WEBHOOK = ApiError(404, 10015, "Unknown Webhook")
UNKNOWN_INTERACTION = ApiError(404, 10062, "Unknown interaction")
ALREADY_ACKNOWLEDGED = ApiError(400, 40060, "Interaction has already been acknowledged.")
NOT_FOUND = ApiError(404, 0, "404: Not Found")
UNAUTHORIZED = ApiError(401, 0, "401: Unauthorized")


class Reject(Exception):
    """Raised by a handler to answer with an API error."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(error.message)
        self.error = error


@dataclass
class RecordedRequest:
    method: str
    path: str  # without /api/v10, e.g. "/channels/1/messages"
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    files: list[JSON] = field(default_factory=list)
    at: float = field(default_factory=time.perf_counter)
    status: int | None = None
    response_body: bytes | None = None  # the fake's answer, as sent

    @property
    def response(self) -> Any:
        """The fake's answer, decoded when asked for: few ever are, and decoding every one
        was a tenth of the fake's time under the benchmark's load."""
        return None if self.response_body is None else json.loads(self.response_body)


@dataclass
class Violation:
    kind: str
    request: RecordedRequest | None
    errors: list[str]

    def __str__(self) -> str:
        where = f"{self.request.method} {self.request.path}" if self.request else "(no request)"
        return f"{where} [{self.kind}]:\n    " + "\n    ".join(self.errors)


@dataclass
class Failure:
    method: str
    pattern: re.Pattern[str]
    error: ApiError
    times: int | None
