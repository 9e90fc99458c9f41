"""Driving the bot as a user would: slash commands, autocomplete, buttons, selects, modals."""

# ruff: noqa: ASYNC109  (tests pass per-call deadlines that name what was awaited)

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any

from . import payloads
from .core import FakeBase
from .models import (
    DM,
    GROUP_DM,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeUser,
    as_id,
    as_permissions,
)
from .options import (
    InvocationError,
    Resolver,
    check_available,
    command_data,
    context_menu_data,
    dm_app_permissions,
    find_command,
    modal_submit_components,
)
from .reply import Reply, iter_components

JSON = dict[str, Any]
APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
EPHEMERAL, LOADING = 1 << 6, 1 << 7
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


class InteractionsMixin(FakeBase):
    """The user-facing half of :class:`FakeDiscord`."""

    # --- context -------------------------------------------------------------------------------

    def _user(self, user: Any) -> FakeUser:
        if user is None:
            return self.default_user
        if isinstance(user, FakeUser):
            return self.users.setdefault(user.id, user)
        uid = as_id(user)
        if uid not in self.users:
            raise InvocationError(f"unknown user {uid}; add it with fake.add_user()")
        return self.users[uid]

    def _place(
        self, guild: Any, channel: Any, user: FakeUser, dm: bool, private: bool = False
    ) -> tuple[FakeGuild | None, FakeChannel]:
        if dm:
            return None, self.dm_channel(user)
        if private:
            return None, self.group_dm(user)
        if channel is not None:
            ch = self.channels.get(as_id(channel))
            if ch is None:
                raise InvocationError(f"unknown channel {channel!r}")
            return self.guild_of(ch.id), ch
        g = (
            self.guilds.get(as_id(guild))
            if guild is not None
            else next(iter(self.guilds.values()), None)
        )
        if g is None:
            if guild is not None:
                raise InvocationError(f"unknown guild {guild!r}")
            return None, self.dm_channel(user)
        if not g.text_channels:
            raise InvocationError(f"guild {g.name!r} has no text channel")
        return g, g.text_channels[0]

    async def _send(
        self,
        kind: int,
        data: JSON,
        *,
        what: str,
        user: FakeUser,
        guild: FakeGuild | None,
        channel: FakeChannel,
        permissions: Any = None,
        locale: str = "en-US",
        message: JSON | None = None,
        timeout: float | None = None,
        wait: bool = True,
        owners: dict[str, str] | None = None,
        age: float = 0.0,
    ) -> Reply:
        iid = self.ids.aged(age) if age else self.ids.next()
        if owners is None and message is not None:
            # A component or modal answers as the interaction that made its message did.
            meta = message.get("interaction_metadata") or {}
            owners = meta.get("authorizing_integration_owners")
        if owners is None:
            owners = {"0": str(guild.id) if guild is not None else "0"}
        perms = as_permissions(permissions) if permissions is not None else None
        payload: JSON = {
            "id": str(iid),
            "application_id": str(self.app_id),
            "type": kind,
            "data": data,
            "channel_id": str(channel.id),
            "token": f"fake.{iid}.{secrets.token_urlsafe(24)}",
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if guild is not None:
            member = guild.members.setdefault(user.id, FakeMember(user))
            perms = guild.permissions_of(user.id) if perms is None else perms
            payload.update(
                guild_id=str(guild.id),
                guild_locale=guild.locale,
                guild={"id": str(guild.id), "locale": guild.locale, "features": guild.features},
                member=payloads.member(member, permissions=perms),
                app_permissions=str(
                    guild.permissions_of(self.app_id)
                    if guild.bot_installed
                    else dm_app_permissions()
                ),
                authorizing_integration_owners=owners,
                context=0,
            )
        else:
            perms = perms if perms is not None else 0
            payload.update(
                user=payloads.user(user),
                app_permissions=str(dm_app_permissions()),
                authorizing_integration_owners=owners,
                context=1 if channel.type == DM else 2,
            )
        payload["channel"] = payloads.channel(channel, permissions=perms)
        if message is not None:
            payload["message"] = message
        reply = Reply(self, payload, what)
        if message is not None:
            reply.source_message_id = int(message["id"])
        self.interactions[reply.token] = reply
        session = self.gateway.session_for(guild.id if guild else None)
        reply.sent_at = time.perf_counter()
        await session.dispatch("INTERACTION_CREATE", payload)
        if wait:
            await self.wait_for(
                lambda: reply.status is not None,
                f"a callback to {what}",
                timeout,
                event=reply.answered,
            )
        return reply

    def _resolver(self, guild: FakeGuild | None, user: FakeUser, perms: Any) -> Resolver:
        if perms is None:
            perms = guild.permissions_of(user.id) if guild else 0
        return Resolver(guild, self.users, self.channels, as_permissions(perms))

    def _command(
        self,
        name: str,
        guild: FakeGuild | None,
        user: FakeUser,
        permissions: Any = None,
        cmd_type: int = 1,
        channel: FakeChannel | None = None,
    ) -> tuple[JSON, dict[str, str]]:
        """The registered command, if Discord would offer it to ``user`` here, and the
        interaction's ``authorizing_integration_owners``."""
        scopes = ([guild.id] if guild and guild.bot_installed else []) + [None]
        context = 0 if guild is not None else 2 if channel and channel.type == GROUP_DM else 1
        for scope in scopes:
            cmd = find_command(self.commands.get(scope, []), name, cmd_type)
            if cmd is not None:
                owners = check_available(
                    cmd,
                    guild,
                    user,
                    permissions,
                    context=context,
                    user_installed=user.id in self.user_installs,
                )
                return cmd, owners
        known = sorted({c["name"] for s in scopes for c in self.commands.get(s, [])})
        raise InvocationError(f"no registered command {name!r} of type {cmd_type} (known: {known})")

    # --- slash commands ------------------------------------------------------------------------

    async def invoke(
        self,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        user: Any = None,
        guild: Any = None,
        channel: Any = None,
        dm: bool = False,
        private: bool = False,
        permissions: Any = None,
        locale: str = "en-US",
        followups: int = 0,
        complete_deferred: bool = True,
        timeout: float | None = None,
    ) -> Reply:
        """Run ``/command`` ("digest set" for subcommands) with typed ``options``. Waits for the
        callback; after a deferred response (type 5) also for the message to be completed; then
        for ``followups`` followup messages. ``dm``: in the user's DM with the bot; ``private``:
        in a group DM (only a user install answers there, see ``install_for_user``)."""
        u = self._user(user)
        g, ch = self._place(guild, channel, u, dm, private)
        name, *path = command.split()
        cmd, owners = self._command(name, g, u, permissions, channel=ch)
        data = command_data(cmd, path, options or {}, self._resolver(g, u, permissions))
        reply = await self._send(
            APPLICATION_COMMAND,
            data,
            what=f"/{command}",
            user=u,
            guild=g,
            channel=ch,
            permissions=permissions,
            locale=locale,
            timeout=timeout,
            owners=owners,
        )
        await self._settle(reply, complete_deferred, followups, timeout)
        return reply

    async def _settle(
        self, reply: Reply, complete: bool, followups: int, timeout: float | None
    ) -> None:
        if complete and reply.callback is not None and reply.callback.get("type") == 5:
            await self.wait_for(
                lambda: reply.message is not None and not reply.message["flags"] & LOADING,
                f"the deferred response to {reply.what} to be completed",
                timeout,
            )
        if followups:
            await reply.wait_followups(followups, timeout)

    async def autocomplete(
        self,
        command: str,
        option: str,
        value: str = "",
        *,
        options: Mapping[str, Any] | None = None,
        user: Any = None,
        guild: Any = None,
        channel: Any = None,
        locale: str = "en-US",
        timeout: float | None = None,
    ) -> Reply:
        """The user types ``value`` into ``option``; the bot's suggestions are ``reply.choices``."""
        u = self._user(user)
        g, ch = self._place(guild, channel, u, False)
        name, *path = command.split()
        given = {**(options or {}), option: value}
        res = self._resolver(g, u, None)
        cmd, owners = self._command(name, g, u, channel=ch)
        data = command_data(cmd, path, given, res, focused=option)
        return await self._send(
            AUTOCOMPLETE,
            data,
            what=f"autocomplete /{command} {option}",
            user=u,
            guild=g,
            channel=ch,
            locale=locale,
            timeout=timeout,
            owners=owners,
        )

    async def user_command(self, name: str, target: Any, **kw: Any) -> Reply:
        """Right-click a user -> Apps -> ``name``."""
        u = self._user(kw.pop("user", None))
        g, ch = self._place(kw.pop("guild", None), kw.pop("channel", None), u, False)
        cmd, owners = self._command(name, g, u, kw.get("permissions"), 2, ch)
        data = context_menu_data(cmd, target, self._resolver(g, u, None), None)
        return await self._send(
            APPLICATION_COMMAND,
            data,
            what=f"user command {name!r}",
            user=u,
            guild=g,
            channel=ch,
            owners=owners,
            **kw,
        )

    async def message_command(self, name: str, message: Any, **kw: Any) -> Reply:
        """Right-click a message -> Apps -> ``name``."""
        msg = self._message(message)
        u = self._user(kw.pop("user", None))
        g, ch = self._place(None, int(msg["channel_id"]), u, False)
        cmd, owners = self._command(name, g, u, kw.get("permissions"), 3, ch)
        data = context_menu_data(cmd, None, self._resolver(g, u, None), msg)
        complete, followups = kw.pop("complete_deferred", True), kw.pop("followups", 0)
        reply = await self._send(
            APPLICATION_COMMAND,
            data,
            what=f"message command {name!r}",
            user=u,
            guild=g,
            channel=ch,
            owners=owners,
            **kw,
        )
        await self._settle(reply, complete, followups, kw.get("timeout"))
        return reply

    # --- payloads Discord's client would not send (fault injection) -----------------------------

    async def forge(
        self,
        kind: int,
        data: JSON,
        *,
        user: Any = None,
        guild: Any = None,
        channel: Any = None,
        dm: bool = False,
        message: Any = None,
        permissions: Any = None,
        timeout: float | None = None,
        age: float = 0.0,
        wait: bool = True,
    ) -> Reply:
        """Send an INTERACTION_CREATE of type ``kind`` with ``data`` exactly as given: no
        check that Discord's client would send it (wrong option types, values outside their
        choices, a replayed custom id from another server, lone surrogates...). ``message``
        (a Reply, dict or id) is the message a component interaction comes from. ``age``:
        its id (snowflake) says it was created that many seconds ago. ``wait=False``: return
        at once, without waiting for a callback (one may never come)."""
        u = self._user(user)
        g, ch = self._place(guild, channel, u, dm)
        msg = self._message(message) if message is not None else None
        reply = await self._send(
            kind,
            data,
            what=f"a forged interaction of type {kind}",
            user=u,
            guild=g,
            channel=ch,
            permissions=permissions,
            message=msg,
            timeout=timeout,
            wait=wait,
            age=age,
        )
        if wait:
            await self._settle(reply, True, 0, timeout)
        return reply

    def command_payload(
        self, command: str, options: Mapping[str, Any] | None = None, *, guild: Any = None
    ) -> JSON:
        """The ``data`` of ``/command`` with ``options`` as Discord's client would send them
        (typed and checked); a test then alters it and sends it with :meth:`forge`."""
        u = self.owner
        g, _ = self._place(guild, None, u, False)
        name, *path = command.split()
        cmd, _ = self._command(name, g, u, None)
        return command_data(cmd, path, options or {}, self._resolver(g, u, None))

    # --- components and modals -----------------------------------------------------------------

    def _message(self, message: Any) -> JSON:
        if isinstance(message, Reply):
            if message.message is None:
                raise InvocationError(f"{message.what} has no message")
            return message.message
        msg = self.messages.get(as_id(message))
        if msg is None:
            raise InvocationError(f"unknown message {message!r}")
        return msg

    def _component(self, msg: JSON, custom_id: str, user: FakeUser) -> JSON:
        meta = msg.get("interaction_metadata") or {}
        if msg["flags"] & EPHEMERAL and meta and int(meta["user"]["id"]) != user.id:
            raise InvocationError(f"user {user.id} cannot see ephemeral message {msg['id']}")
        for comp in iter_components(msg):
            if comp.get("custom_id") == custom_id:
                if comp.get("disabled"):
                    raise InvocationError(f"component {custom_id!r} is disabled")
                return comp
        ids = [c["custom_id"] for c in iter_components(msg) if "custom_id" in c]
        raise InvocationError(f"message {msg['id']} has no component {custom_id!r} (has {ids})")

    async def press(
        self,
        message: Any,
        custom_id: str,
        *,
        user: Any = None,
        values: Sequence[Any] | None = None,
        locale: str = "en-US",
        complete_deferred: bool = True,
        followups: int = 0,
        timeout: float | None = None,
    ) -> Reply:
        """Click a button (or choose ``values`` in a select menu) on ``message`` (a Reply, a
        message dict or id) as a user whose Discord language is ``locale``. The message the
        bot shows afterwards is ``reply.message``."""
        u = self._user(user)
        msg = self._message(message)
        comp = self._component(msg, custom_id, u)
        g, ch = self._place(None, int(msg["channel_id"]), u, False)
        data: JSON = {"custom_id": custom_id, "component_type": comp["type"]}
        if comp["type"] == 2:
            if values is not None:
                raise InvocationError(f"{custom_id!r} is a button; it takes no values")
        else:
            data.update(self._select_values(comp, values or [], g, u))
        reply = await self._send(
            MESSAGE_COMPONENT,
            data,
            what=f"pressing {custom_id!r}",
            user=u,
            guild=g,
            channel=ch,
            locale=locale,
            message=msg,
            timeout=timeout,
        )
        await self._settle(reply, complete_deferred, followups, timeout)
        return reply

    def _select_values(
        self, comp: JSON, values: Sequence[Any], g: FakeGuild | None, u: FakeUser
    ) -> JSON:
        low, high = comp.get("min_values", 1), comp.get("max_values", 1)
        if not low <= len(values) <= high:
            raise InvocationError(f"{comp['custom_id']!r} takes {low}-{high} values")
        if comp["type"] == 3:
            allowed = [o["value"] for o in comp.get("options") or []]
            bad = [v for v in values if v not in allowed]
            if bad:
                raise InvocationError(f"{comp['custom_id']!r}: {bad} not among {allowed}")
            return {"values": list(values)}
        res = self._resolver(g, u, None)
        where = comp["custom_id"]
        ids: list[str] = []
        for v in values:
            vid = as_id(v)
            if comp["type"] == 5 or (comp["type"] == 7 and not (g and vid in g.roles)):
                ids.append(str(res.user(vid, where)))
            elif comp["type"] in (6, 7):  # role select, or a role in a mentionable select
                ids.append(str(res.role(vid, where)))
            else:  # channel select
                ids.append(str(res.channel(vid, where, comp.get("channel_types"))))
        return {"values": ids, "resolved": res.resolved}

    async def submit_modal(
        self,
        opened: Reply,
        values: Mapping[str, Any],
        *,
        user: Any = None,
        locale: str = "en-US",
        complete_deferred: bool = True,
        followups: int = 0,
        timeout: float | None = None,
    ) -> Reply:
        """Fill in and submit the modal the bot opened in answer to ``opened``, as a user whose
        Discord language is ``locale`` (Discord sends it with every interaction)."""
        modal = opened.modal
        if modal is None:
            raise InvocationError(f"{opened.what} did not open a modal")
        u = self._user(user if user is not None else opened.user_id)
        if u.id != opened.user_id:
            raise InvocationError(f"the modal was shown to user {opened.user_id}, not {u.id}")
        unused = dict(values)
        components = modal_submit_components(modal["components"], unused)
        if unused:
            raise InvocationError(f"modal {modal['custom_id']!r} has no inputs {sorted(unused)}")
        g, ch = self._place(None, opened.channel_id, u, False)
        msg = self.messages.get(opened.source_message_id) if opened.source_message_id else None
        data = {"custom_id": modal["custom_id"], "components": components}
        reply = await self._send(
            MODAL_SUBMIT,
            data,
            what=f"submitting {modal['custom_id']!r}",
            user=u,
            guild=g,
            channel=ch,
            locale=locale,
            message=msg,
            timeout=timeout,
        )
        await self._settle(reply, complete_deferred, followups, timeout)
        return reply
