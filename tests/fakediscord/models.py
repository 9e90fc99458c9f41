"""The fake Discord's world: users, guilds, roles, channels, members, and snowflake ids."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000

# Permission bits (https://discord.com/developers/docs/topics/permissions).
ADMINISTRATOR = 1 << 3
ALL_PERMISSIONS = (1 << 53) - 1
# A typical @everyone role: view/send/embed/attach/history/reactions/app commands/threads/voice.
DEFAULT_EVERYONE_PERMISSIONS = 448_928_271_937
# What a bot is usually invited with: the @everyone set plus manage messages and mention nobody.
DEFAULT_BOT_PERMISSIONS = DEFAULT_EVERYONE_PERMISSIONS | (1 << 13)

# Channel types.
GUILD_TEXT = 0
DM = 1
GROUP_DM = 3
GUILD_VOICE = 2
GUILD_CATEGORY = 4
GUILD_ANNOUNCEMENT = 5
GUILD_FORUM = 15


class Snowflakes:
    """Generates real-looking, strictly increasing snowflakes (timestamp << 22 | counter)."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self._last = 0

    def next(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        value = (ms << 22) | (next(self._counter) & 0xFFF)
        self._last = max(value, self._last + 1)
        return self._last

    def aged(self, seconds: float) -> int:
        """A unique snowflake made ``seconds`` ago (an interaction Discord created while the
        bot could not hear it, say during a gateway outage)."""
        ms = int((time.time() - seconds) * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._counter) & 0xFFF)


def iso(ts: float | None = None) -> str:
    """An ISO-8601 timestamp with a +00:00 offset, as Discord writes them."""
    t = time.time() if ts is None else ts
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1e6):06d}+00:00"


@dataclass
class FakeUser:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    avatar: str | None = None

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass
class FakeRole:
    id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False
    bot_id: int | None = None


@dataclass
class FakeChannel:
    id: int
    name: str
    guild_id: int | None
    type: int = GUILD_TEXT
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    nsfw: bool = False
    # For DM channels: the other user; for group DMs: everyone in it.
    recipient: FakeUser | None = None
    recipients: list[FakeUser] = field(default_factory=list)
    last_message_id: int | None = None


@dataclass
class FakeMember:
    user: FakeUser
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso)


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    channels: dict[int, FakeChannel] = field(default_factory=dict)
    roles: dict[int, FakeRole] = field(default_factory=dict)
    members: dict[int, FakeMember] = field(default_factory=dict)
    locale: str = "en-US"
    features: list[str] = field(default_factory=list)
    created_at: str = field(default_factory=iso)
    # False: a server the bot is not in (users who installed the app may still use it there).
    bot_installed: bool = True

    @property
    def everyone(self) -> FakeRole:
        return self.roles[self.id]

    @property
    def text_channels(self) -> list[FakeChannel]:
        return [c for c in self.channels.values() if c.type in (GUILD_TEXT, GUILD_ANNOUNCEMENT)]

    def channel(self, name_or_id: str | int) -> FakeChannel:
        for ch in self.channels.values():
            if name_or_id in (ch.id, ch.name):
                return ch
        raise KeyError(f"guild {self.name!r} has no channel {name_or_id!r}")

    def role(self, name_or_id: str | int) -> FakeRole:
        for role in self.roles.values():
            if name_or_id in (role.id, role.name):
                return role
        raise KeyError(f"guild {self.name!r} has no role {name_or_id!r}")

    def permissions_of(self, user_id: int) -> int:
        """Guild-level permissions of a member: owner and administrators get everything."""
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        value = self.everyone.permissions
        member = self.members.get(user_id)
        for role_id in member.roles if member else []:
            role = self.roles.get(role_id)
            if role is not None:
                value |= role.permissions
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value


def as_id(value: Any) -> int:
    """An int, a numeric string or anything with an ``id`` (a fake or a discord.py object)."""
    if isinstance(value, bool):
        raise TypeError(f"expected an id, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    inner = getattr(value, "id", None)
    if inner is not None:
        return as_id(inner)
    if isinstance(value, dict) and "id" in value:
        return as_id(value["id"])
    raise TypeError(f"expected an id, got {value!r}")


def as_permissions(value: Any) -> int:
    """An int, a numeric string or a ``discord.Permissions`` (anything with an int ``value``)."""
    inner = getattr(value, "value", value)
    if isinstance(inner, bool) or not isinstance(inner, int | str):
        raise TypeError(f"expected permissions, got {value!r}")
    return int(inner)
