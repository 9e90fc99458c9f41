"""Logging set-up: ``LOG_FORMAT=text`` (a line of text) or ``json`` (one JSON object a line).

Whatever runs on behalf of an interaction binds its id, command, server and shard with
``bind`` (a context variable, so each interaction's task carries its own); every line logged
meanwhile carries them, in both formats. An unexpected error's line carries ``error_id``, the
id the user is shown in the apology.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

__all__ = ["JsonFormatter", "bind", "bind_task", "configure_logging", "context"]

_CONTEXT: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "log_context", default=None
)
# What every LogRecord has; anything else on a record came through ``extra=``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def context() -> dict[str, Any]:
    """The fields bound for the current task (empty outside an interaction)."""
    return dict(_CONTEXT.get() or {})


@contextmanager
def bind(**fields: Any) -> Iterator[None]:
    """Add ``fields`` to every line logged inside the block (in this task and those it starts)."""
    token = _CONTEXT.set({**(_CONTEXT.get() or {}), **fields})
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def bind_task(**fields: Any) -> None:
    """Add ``fields`` to every line logged from here to the end of the current task (and in the
    tasks and callbacks it starts): each asyncio task runs in its own copy of the context, so
    nothing is left behind for the next interaction. For hooks that run at the start of a task
    and have no block to wrap (``FactTree.interaction_check``)."""
    _CONTEXT.set({**(_CONTEXT.get() or {}), **fields})


class _ContextFilter(logging.Filter):
    """Copies the bound fields onto each record (before formatting, in the logging task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in (_CONTEXT.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ``time`` (UTC), ``level``, ``logger``, ``message``, the bound
    fields and ``extra`` fields, and ``exc`` (the traceback) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class _TextFormatter(logging.Formatter):
    """The text format, with the bound fields appended as ``key=value``."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        bound = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        if not bound:
            return text
        first, sep, rest = text.partition("\n")
        fields = " ".join(f"{k}={v}" for k, v in bound.items() if not k.startswith("_"))
        return f"{first} [{fields}]{sep}{rest}"


def configure_logging(level: str, fmt: str = "text") -> None:
    """Log to standard error at ``level`` in ``fmt`` (``text`` or ``json``)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ContextFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else _TextFormatter(TEXT_FORMAT))
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO), handlers=[handler], force=True
    )
