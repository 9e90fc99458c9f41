"""Interaction callbacks that survive a connection reset.

discord.py sends an interaction's first answer (the callback) through its webhook adapter,
which retries a reset connection only for the macOS and Windows error numbers (54, 10054), not
Linux's (104), nor a server that disconnects before answering. A reset on the first attempt
then loses the answer, and the error handler's apology takes its place. ``ResilientAdapter``
sends the callback once more after such a reset: the request never got an answer, and Discord
refuses a second first answer anyway (40060), so nothing is answered twice.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from discord.webhook.async_ import AsyncWebhookAdapter, async_context

__all__ = ["ResilientAdapter", "install"]

log = logging.getLogger(__name__)

RETRY_PAUSE = 0.2
_RESETS = (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError, ConnectionResetError)


class ResilientAdapter(AsyncWebhookAdapter):
    async def create_interaction_response(
        self, interaction_id: int, token: str, **kwargs: Any
    ) -> Any:
        try:
            return await super().create_interaction_response(interaction_id, token, **kwargs)
        except _RESETS as exc:
            log.warning(
                "the answer to interaction %s met a connection reset (%r); sending it again",
                interaction_id,
                exc,
            )
        params = kwargs.get("params")
        for file in getattr(params, "files", None) or []:
            file.reset(seek=True)  # the first attempt read them
        await asyncio.sleep(RETRY_PAUSE)
        return await super().create_interaction_response(interaction_id, token, **kwargs)


def install() -> None:
    """Make discord.py answer interactions through ``ResilientAdapter`` in this context (and
    the tasks started from it: call before the client starts)."""
    async_context.set(ResilientAdapter())  # type: ignore[no-untyped-call]
