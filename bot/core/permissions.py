"""Who may moderate a server: one decision, shared by every command that needs it.

A moderator has Manage Server (administrators and the owner have it implicitly), or holds the
role the server chose with ``/config moderator-role``. Discord hides moderator commands from
everyone else (``default_member_permissions``), but server owners can override that and a call
can be stale or forged, so the bot decides again on every call, from what the interaction says
of the member now.

Every moderator use case (``/entry``, ``/digest``, ``/config``, ``/stats``, the review buttons
and forms) takes the calling ``Member`` and asks this policy itself, in the core, so an adapter
cannot skip the check by forgetting it: the adapters only say who is calling.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from bot.core.errors import Forbidden
from bot.core.i18n import N_, _
from bot.core.records import Actor

__all__ = ["ADMINISTRATOR", "MANAGE_GUILD", "Member", "Permissions"]

ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
SUGGEST = N_("Anyone can propose an entry with `/suggest`; moderators review suggestions.")


@dataclass(frozen=True, slots=True)
class Member:
    """The caller as the adapter sees them: ``permissions`` are Discord's permission bits for
    this member here, ``role_ids`` their roles; ``guild_id`` None outside a server."""

    user_id: int
    name: str
    guild_id: int | None
    permissions: int = 0
    role_ids: frozenset[int] = field(default_factory=frozenset)
    is_owner: bool = False

    @classmethod
    def of(
        cls,
        user_id: int,
        name: str,
        guild_id: int | None,
        permissions: int = 0,
        role_ids: Iterable[int] = (),
        *,
        is_owner: bool = False,
    ) -> Member:
        return cls(user_id, name, guild_id, permissions, frozenset(role_ids), is_owner)

    @property
    def actor(self) -> Actor:
        return Actor(id=self.user_id, name=self.name[:100] or str(self.user_id))

    @property
    def manages_server(self) -> bool:
        return self.is_owner or bool(self.permissions & (ADMINISTRATOR | MANAGE_GUILD))


class _RoleSource(Protocol):
    async def moderator_role(self, guild_id: int) -> int | None: ...


class Permissions:
    """Decides from the member's permission bits, their role ids and the server's configured
    moderator role (read from ``roles`` on each call, so a change applies at once)."""

    def __init__(self, roles: _RoleSource) -> None:
        self._roles = roles

    @staticmethod
    def server_of(member: Member) -> int:
        if member.guild_id is None:
            raise Forbidden(N_("This works only in a server, not in direct messages."))
        return member.guild_id

    async def is_moderator(self, member: Member) -> bool:
        if member.guild_id is None:
            return False
        if member.manages_server:
            return True
        role = await self._roles.moderator_role(member.guild_id)
        return role is not None and role in member.role_ids

    async def require_moderator(self, member: Member, doing: str, *, hint: str = SUGGEST) -> int:
        """The server id, or ``Forbidden`` saying who may ``doing`` (e.g. "add entries"),
        with ``hint`` (what the member can do instead)."""
        guild = self.server_of(member)
        if await self.is_moderator(member):
            return guild
        role = await self._roles.moderator_role(guild)
        who = (
            _("members with Manage Server or the server's moderator role")
            if role is not None
            else _("members with Manage Server")
        )
        raise Forbidden(
            _("Only moderators can {doing}: {who}.").format(doing=_(doing), who=who),
            hint=hint,
        )

    def require_manager(self, member: Member, doing: str) -> int:
        """The server id, or ``Forbidden`` unless the member has Manage Server."""
        guild = self.server_of(member)
        if not member.manages_server:
            raise Forbidden(
                _("Only members with Manage Server can {doing}.").format(doing=_(doing))
            )
        return guild
