"""The fake's world: guilds, channels, roles, members, users and the message store.

Changes made after the bot logged in reach it as gateway events (GUILD_CREATE, CHANNEL_CREATE,
MESSAGE_CREATE, ...), as they would on Discord.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import Any

from . import payloads
from .core import FakeBase
from .gateway import Session
from .models import (
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    GROUP_DM,
    GUILD_TEXT,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    as_id,
)

JSON = dict[str, Any]
GUILDS, GUILD_MEMBERS, GUILD_MESSAGES, DIRECT_MESSAGES = 1, 1 << 1, 1 << 9, 1 << 12
MESSAGE_CONTENT = 1 << 15


class WorldMixin(FakeBase):
    # --- the world -----------------------------------------------------------------------------

    def add_user(self, username: str, *, user_id: int | None = None, bot: bool = False) -> FakeUser:
        user = FakeUser(user_id or self.ids.next(), username, global_name=username.title(), bot=bot)
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        guild_id: int | None = None,
        name: str = "Fake Guild",
        *,
        channels: Iterable[str | tuple[int, str] | Mapping[str, Any]] = ("general",),
        owner_id: int | None = None,
        members: Iterable[FakeUser | int] = (),
        everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
        locale: str = "en-US",
        bot_installed: bool = True,
    ) -> FakeGuild:
        """A guild with @everyone, a managed bot role, the owner, the bot, the default user and
        ``members``. ``channels``: names, (id, name) pairs or dicts of FakeChannel fields.
        Added after login, it reaches the bot as GUILD_CREATE. ``bot_installed=False``: a
        server the bot is not in (no bot member, no gateway events; only users who installed
        the app can use its user-installable commands there)."""
        gid = guild_id or self.ids.next()
        owner = self.users.get(owner_id or self.owner.id) or self.add_user(
            "owner", user_id=owner_id
        )
        guild = FakeGuild(gid, name, owner.id, locale=locale, bot_installed=bot_installed)
        guild.roles[gid] = FakeRole(gid, "@everyone", everyone_permissions)
        if bot_installed:
            bot_role = FakeRole(self.ids.next(), self.bot_user.username, bot_permissions, 1)
            bot_role.managed, bot_role.bot_id = True, self.bot_user.id
            guild.roles[bot_role.id] = bot_role
            guild.members[self.bot_user.id] = FakeMember(self.bot_user, [bot_role.id])
        for u in (owner, self.default_user, *members):
            user = u if isinstance(u, FakeUser) else self.users[as_id(u)]
            guild.members.setdefault(user.id, FakeMember(user))
        self.guilds[gid] = guild
        for position, spec in enumerate(channels):
            if isinstance(spec, str):
                fields: dict[str, Any] = {"name": spec}
            elif isinstance(spec, tuple):
                fields = {"id": spec[0], "name": spec[1]}
            else:
                fields = dict(spec)
            fields.setdefault("position", position)
            self._put_channel(guild, **fields)
        self._dispatch_soon("GUILD_CREATE", lambda s: self.gateway.guild_create(s, guild), gid)
        return guild

    def install_for_user(self, user: FakeUser | int | None = None) -> None:
        """``user`` (the default user when None) adds the app to their account: its
        user-installable commands follow them into DMs, group DMs and servers the bot is not in."""
        self.user_installs.add(self._user_id(user))

    def group_dm(self, *users: FakeUser) -> FakeChannel:
        """A group DM of ``users`` (the default user first when none are given); the bot is
        not in it, so only a user install can answer there."""
        people = list(users) or [self.default_user]
        channel = FakeChannel(self.ids.next(), "", None, type=GROUP_DM, recipients=people)
        self.channels[channel.id] = channel
        return channel

    def _user_id(self, user: FakeUser | int | None) -> int:
        return self.default_user.id if user is None else as_id(user)

    def _put_channel(self, guild: FakeGuild, **fields: Any) -> FakeChannel:
        fields.setdefault("id", self.ids.next())
        fields.setdefault("type", GUILD_TEXT)
        channel = FakeChannel(guild_id=guild.id, **fields)
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        return channel

    def add_channel(self, guild: Any, name: str, **fields: Any) -> FakeChannel:
        g = self.guilds[as_id(guild)]
        channel = self._put_channel(g, name=name, position=len(g.channels), **fields)
        self._dispatch_soon("CHANNEL_CREATE", lambda _: payloads.channel(channel), g.id)
        return channel

    def add_role(self, guild: Any, name: str, permissions: int = 0) -> FakeRole:
        g = self.guilds[as_id(guild)]
        role = FakeRole(self.ids.next(), name, permissions, len(g.roles))
        g.roles[role.id] = role
        data = {"guild_id": str(g.id), "role": payloads.role(role)}
        self._dispatch_soon("GUILD_ROLE_CREATE", lambda _: data, g.id)
        return role

    def add_member(self, guild: Any, user: FakeUser, *, roles: Iterable[Any] = ()) -> FakeMember:
        g = self.guilds[as_id(guild)]
        self.users.setdefault(user.id, user)
        member = FakeMember(user, [as_id(r) for r in roles])
        g.members[user.id] = member
        data = {**payloads.member(member), "guild_id": str(g.id)}
        self._dispatch_soon("GUILD_MEMBER_ADD", lambda _: data, g.id, intent=GUILD_MEMBERS)
        return member

    def _dispatch_soon(
        self,
        event: str,
        build: Callable[[Session], JSON],
        guild_id: int | None,
        *,
        intent: int = GUILDS,
    ) -> None:
        """Dispatch to every session that owns ``guild_id`` and subscribed to ``intent``."""
        guild = self.guilds.get(guild_id) if guild_id is not None else None
        if guild is not None and not guild.bot_installed:
            return  # the bot is not in that server: it hears nothing of it
        for session in self.gateway.live_sessions():
            if session.handles(guild_id) and session.intents & intent:
                self._spawn(session.dispatch(event, build(session)))

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda _: self._notify())

    async def dispatch(self, event: str, data: JSON, *, guild_id: int | None = None) -> None:
        """Send any gateway event to the bot."""
        await self.gateway.dispatch(event, data, guild_id=guild_id)

    # --- messages ------------------------------------------------------------------------------

    def store_message(self, msg: JSON, *, visible: bool = True) -> JSON:
        """Keep a message; visible (non-ephemeral) ones join the channel history and reach the
        bot as MESSAGE_CREATE when its intents ask for them."""
        self.messages[int(msg["id"])] = msg
        channel_id = int(msg["channel_id"])
        if visible:
            self.channel_messages[channel_id].append(msg)
            if channel_id in self.channels:
                self.channels[channel_id].last_message_id = int(msg["id"])
            self._dispatch_message("MESSAGE_CREATE", msg)
        return msg

    def replace_message(self, msg: JSON) -> JSON:
        mid = int(msg["id"])
        self.messages[mid] = msg
        history = self.channel_messages[int(msg["channel_id"])]
        for i, old in enumerate(history):
            if old["id"] == msg["id"]:
                history[i] = msg
                self._dispatch_message("MESSAGE_UPDATE", msg)
        return msg

    def delete_message(self, message_id: int) -> None:
        msg = self.messages.pop(message_id, None)
        if msg is None:
            return
        history = self.channel_messages[int(msg["channel_id"])]
        if msg in history:
            history.remove(msg)
            data = {"id": msg["id"], "channel_id": msg["channel_id"]}
            if "guild_id" in msg:
                data["guild_id"] = msg["guild_id"]
            self._dispatch_message("MESSAGE_DELETE", data)

    def _dispatch_message(self, event: str, msg: JSON) -> None:
        gid = int(msg["guild_id"]) if "guild_id" in msg else None
        if gid is not None and not self.guilds[gid].bot_installed:
            return
        if gid is None and self.channels[int(msg["channel_id"])].type == GROUP_DM:
            return
        mine = msg.get("author", {}).get("id") == str(self.app_id)
        for session in self.gateway.live_sessions():
            intent = GUILD_MESSAGES if gid else DIRECT_MESSAGES
            if not (session.intents & intent and session.handles(gid)):
                continue
            data = msg
            if event != "MESSAGE_DELETE" and not mine and not session.intents & MESSAGE_CONTENT:
                # Without the message content intent, others' messages arrive emptied.
                data = {**msg, "content": "", "embeds": [], "attachments": [], "components": []}
            self._spawn(session.dispatch(event, data))

    def post_user_message(
        self, channel: Any, content: str, *, user: FakeUser | None = None
    ) -> JSON:
        """A user writes in a channel (the bot gets MESSAGE_CREATE if subscribed)."""
        cid = as_id(channel)
        author = user or self.default_user
        guild = self.guild_of(cid)
        msg = payloads.message(
            message_id=self.ids.next(),
            channel_id=cid,
            author=author,
            body={"content": content},
            guild_id=guild.id if guild else None,
        )
        if guild and author.id in guild.members:
            msg["member"] = payloads.member(guild.members[author.id], with_user=False)
        return self.store_message(msg)
