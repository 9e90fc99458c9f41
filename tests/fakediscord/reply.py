"""``Reply``: one interaction the fake sent, and everything the bot answered to it."""

# ruff: noqa: ASYNC109  (tests pass per-call deadlines that name what was awaited)

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .records import RecordedRequest

if TYPE_CHECKING:
    from .core import FakeBase

JSON = dict[str, Any]
EPHEMERAL = 1 << 6


@dataclass(eq=False)
class Reply:
    """One interaction the fake sent, and everything the bot answered to it (kept live)."""

    fake: FakeBase = field(repr=False)
    interaction: JSON = field(repr=False)  # the INTERACTION_CREATE payload
    what: str = ""
    source_message_id: int | None = None  # the message a component/modal came from
    sent_at: float = 0.0
    callback: JSON | None = None  # the accepted callback body: {"type": ..., "data": ...}
    status: int | None = None  # what the fake answered the (first) callback with
    latency: float | None = None  # seconds from INTERACTION_CREATE sent to callback received
    message_id: int | None = None  # the original response message (@original)
    followup_ids: list[int] = field(default_factory=list)
    edits: list[JSON] = field(default_factory=list)  # PATCH bodies on the bot's messages
    attempts: list[RecordedRequest] = field(default_factory=list, repr=False)
    rejected: list[list[str]] = field(default_factory=list)  # callbacks refused for limits
    # Set once the (first) callback has been answered, whatever the status: waiting on it
    # spares every waiter a wake-up on each request the fake receives.
    answered: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def id(self) -> str:
        return str(self.interaction["id"])

    @property
    def token(self) -> str:
        return str(self.interaction["token"])

    @property
    def kind(self) -> int:
        """The interaction type (2 command, 3 component, 4 autocomplete, 5 modal submit)."""
        return int(self.interaction["type"])

    @property
    def guild_id(self) -> int | None:
        gid = self.interaction.get("guild_id")
        return int(gid) if gid else None

    @property
    def channel_id(self) -> int:
        return int(self.interaction["channel_id"])

    @property
    def user_id(self) -> int:
        i = self.interaction
        return int((i["member"]["user"] if "member" in i else i["user"])["id"])

    @property
    def type(self) -> int:
        """The callback type the bot answered with (4 message, 5 deferred, 7 update, ...)."""
        if self.callback is None:
            raise AssertionError(f"{self.what}: no accepted callback (status {self.status})")
        return int(self.callback["type"])

    @property
    def data(self) -> JSON:
        return (self.callback or {}).get("data") or {}

    @property
    def message(self) -> JSON | None:
        """The current state of the original response (or of the message a component
        interaction updated), as Discord stores it."""
        return self.fake.messages.get(self.message_id) if self.message_id else None

    @property
    def followups(self) -> list[JSON]:
        return [self.fake.messages[i] for i in self.followup_ids if i in self.fake.messages]

    @property
    def ephemeral(self) -> bool:
        msg = self.message
        flags = msg["flags"] if msg else int(self.data.get("flags") or 0)
        return bool(flags & EPHEMERAL)

    @property
    def content(self) -> str:
        return str((self.message or {}).get("content") or "")

    @property
    def embeds(self) -> list[JSON]:
        return list((self.message or {}).get("embeds") or [])

    @property
    def choices(self) -> list[JSON]:
        """Autocomplete: the choices the bot offered."""
        return list(self.data.get("choices") or [])

    @property
    def modal(self) -> JSON | None:
        """The modal the bot opened (callback type 9): custom_id, title, components."""
        return self.data if self.callback and self.type == 9 else None

    @property
    def custom_ids(self) -> list[str]:
        return [c["custom_id"] for c in iter_components(self.message) if "custom_id" in c]

    async def wait_followups(self, count: int = 1, timeout: float | None = None) -> list[JSON]:
        await self.fake.wait_for(
            lambda: len(self.followup_ids) >= count, f"{count} followup(s) to {self.what}", timeout
        )
        return self.followups

    async def wait_edits(self, count: int = 1, timeout: float | None = None) -> JSON | None:
        await self.fake.wait_for(
            lambda: len(self.edits) >= count,
            f"{count} edit(s) of the reply to {self.what}",
            timeout,
        )
        return self.message


def iter_components(message: JSON | None) -> list[JSON]:
    found: list[JSON] = []
    stack = list((message or {}).get("components") or [])
    while stack:
        comp = stack.pop(0)
        found.append(comp)
        stack.extend(comp.get("components") or [])
        stack.extend(c for c in (comp.get("accessory"), comp.get("component")) if c)
    return found
