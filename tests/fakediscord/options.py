"""Slash-command interaction ``data`` built from the command schema the bot synced.

Discord's client only lets a user send what the registered schema allows, and it sends typed
values. The fake does the same and raises :class:`InvocationError` (in the test, not in the bot)
for unknown commands/options, wrong types, unmet constraints or missing required options.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import payloads
from .models import ADMINISTRATOR, FakeChannel, FakeGuild, FakeUser, as_id, as_permissions

JSON = dict[str, Any]

SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = (
    3, 4, 5, 6, 7, 8, 9, 10, 11,
)  # fmt: skip
TYPE_NAMES = {
    1: "subcommand", 2: "subcommand group", 3: "string", 4: "integer", 5: "boolean",
    6: "user", 7: "channel", 8: "role", 9: "mentionable", 10: "number", 11: "attachment",
}  # fmt: skip
MAX_SAFE_INTEGER = 2**53


class InvocationError(AssertionError):
    """The test asked for something Discord's client would not let a user send."""


class Resolver:
    """Looks up the entities that user/channel/role options refer to and builds ``resolved``."""

    def __init__(
        self,
        guild: FakeGuild | None,
        users: Mapping[int, FakeUser],
        channels: Mapping[int, FakeChannel],
        permissions: int,
    ) -> None:
        self.guild = guild
        self.users = users
        self.channels = channels
        self.permissions = permissions  # the invoker's, reported on resolved channels
        self.resolved: dict[str, dict[str, JSON]] = {}

    def _put(self, kind: str, key: int, value: JSON) -> None:
        self.resolved.setdefault(kind, {})[str(key)] = value

    def user(self, value: Any, where: str) -> int:
        uid = as_id(value)
        fake_user = self.users.get(uid)
        if fake_user is None:
            raise InvocationError(f"{where}: unknown user {uid}; add it with fake.add_user()")
        self._put("users", uid, payloads.user(fake_user))
        if self.guild is not None and uid in self.guild.members:
            perms = self.guild.permissions_of(uid)
            data = payloads.member(self.guild.members[uid], permissions=perms, with_user=False)
            self._put("members", uid, data)
        return uid

    def role(self, value: Any, where: str) -> int:
        rid = as_id(value)
        if self.guild is None or rid not in self.guild.roles:
            raise InvocationError(f"{where}: role {rid} is not in the guild")
        self._put("roles", rid, payloads.role(self.guild.roles[rid]))
        return rid

    def channel(self, value: Any, where: str, allowed_types: list[int] | None) -> int:
        cid = as_id(value)
        ch: FakeChannel | None = self.channels.get(cid)
        if ch is None:
            raise InvocationError(f"{where}: unknown channel {cid}")
        if allowed_types and ch.type not in allowed_types:
            raise InvocationError(f"{where}: channel type {ch.type} not in {allowed_types}")
        data = payloads.channel(ch, permissions=self.permissions)
        data = {
            k: data[k]
            for k in ("id", "name", "type", "permissions", "parent_id", "guild_id", "flags")
            if k in data
        }
        self._put("channels", cid, data)
        return cid


def find_command(commands: list[JSON], name: str, cmd_type: int = 1) -> JSON | None:
    for cmd in commands:
        if cmd["name"] == name and int(cmd.get("type") or 1) == cmd_type:
            return cmd
    return None


def _check_number(value: Any, schema: JSON, where: str, *, integer: bool) -> None:
    ok_types = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, ok_types):
        raise InvocationError(f"{where}: expected {'an integer' if integer else 'a number'}")
    low = schema.get("min_value", -MAX_SAFE_INTEGER)
    high = schema.get("max_value", MAX_SAFE_INTEGER)
    if not low <= value <= high:
        raise InvocationError(f"{where}: {value} is outside [{low}, {high}]")


def _typed_value(opt: JSON, value: Any, where: str, res: Resolver) -> Any:
    kind = opt["type"]
    if kind == STRING:
        if not isinstance(value, str):
            raise InvocationError(f"{where}: expected a string, got {value!r}")
        low, high = opt.get("min_length", 0), opt.get("max_length", 6000)
        if not low <= len(value) <= high:
            raise InvocationError(f"{where}: length {len(value)} is outside [{low}, {high}]")
    elif kind in (INTEGER, NUMBER):
        _check_number(value, opt, where, integer=kind == INTEGER)
    elif kind == BOOLEAN:
        if not isinstance(value, bool):
            raise InvocationError(f"{where}: expected a boolean, got {value!r}")
    elif kind == USER:
        return str(res.user(value, where))
    elif kind == ROLE:
        return str(res.role(value, where))
    elif kind == CHANNEL:
        return str(res.channel(value, where, opt.get("channel_types")))
    elif kind == MENTIONABLE:
        vid = as_id(value)
        if res.guild is not None and vid in res.guild.roles:
            return str(res.role(vid, where))
        return str(res.user(vid, where))
    else:
        raise InvocationError(f"{where}: option type {TYPE_NAMES.get(kind, kind)} unsupported")
    choices = opt.get("choices")
    if choices and value not in [c["value"] for c in choices]:
        allowed = ", ".join(repr(c["value"]) for c in choices)
        raise InvocationError(f"{where}: {value!r} is not one of the choices ({allowed})")
    return value


def _leaf_options(
    schema: list[JSON],
    given: Mapping[str, Any],
    where: str,
    res: Resolver,
    focused: str | None,
) -> list[JSON]:
    by_name = {o["name"]: o for o in schema}
    for name in given:
        if name not in by_name:
            known = ", ".join(by_name) or "none"
            raise InvocationError(f"{where}: unknown option {name!r} (options: {known})")
    if focused is not None:
        if focused not in by_name:
            raise InvocationError(f"{where}: unknown focused option {focused!r}")
        if not by_name[focused].get("autocomplete"):
            raise InvocationError(f"{where}: option {focused!r} has no autocomplete")
    out: list[JSON] = []
    for opt in schema:
        name = opt["name"]
        if name == focused:
            raw = given.get(name, "")
            out.append({"name": name, "type": opt["type"], "value": str(raw), "focused": True})
            continue
        if name not in given:
            if opt.get("required") and focused is None:
                raise InvocationError(f"{where}: required option {name!r} is missing")
            continue
        value = _typed_value(opt, given[name], f"{where} {name}", res)
        out.append({"name": name, "type": opt["type"], "value": value})
    return out


def command_data(
    command: JSON,
    path: list[str],
    options: Mapping[str, Any],
    res: Resolver,
    *,
    focused: str | None = None,
) -> JSON:
    """``data`` of an APPLICATION_COMMAND (or AUTOCOMPLETE, with ``focused``) interaction."""
    where = "/" + command["name"]
    schema: list[JSON] = command.get("options") or []
    top: list[JSON] = []
    container = top
    for part in path:
        subs = {o["name"]: o for o in schema if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)}
        if part not in subs:
            raise InvocationError(f"{where}: unknown subcommand {part!r} (known: {list(subs)})")
        where += f" {part}"
        sub: JSON = {"name": part, "type": subs[part]["type"], "options": []}
        container.append(sub)
        container = sub["options"]
        schema = subs[part].get("options") or []
    if any(o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in schema):
        names = [o["name"] for o in schema]
        raise InvocationError(f"{where}: needs a subcommand or group, one of {names}")
    container.extend(_leaf_options(schema, options, where, res, focused))
    data: JSON = {
        "id": command["id"],
        "name": command["name"],
        "type": 1,
        "options": top,
    }
    if command.get("guild_id"):
        data["guild_id"] = command["guild_id"]
    if res.resolved:
        data["resolved"] = res.resolved
    return data


def context_menu_data(command: JSON, target: Any, res: Resolver, message: JSON | None) -> JSON:
    """``data`` of a USER (type 2) or MESSAGE (type 3) context-menu command."""
    data: JSON = {"id": command["id"], "name": command["name"], "type": command["type"]}
    if command["type"] == 2:
        data["target_id"] = str(res.user(target, f"user command {command['name']!r}"))
        data["resolved"] = res.resolved
    else:
        if message is None:
            raise InvocationError(f"message command {command['name']!r}: unknown target message")
        data["target_id"] = message["id"]
        data["resolved"] = {"messages": {message["id"]: message}}
    if command.get("guild_id"):
        data["guild_id"] = command["guild_id"]
    return data


def dm_app_permissions() -> int:
    """What an app may do in a DM: view, send, embed, attach, history, reactions, commands."""
    return (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 6) | (1 << 31)


# Interaction contexts (where a command runs) and installation types (who installed the app).
GUILD_CONTEXT, BOT_DM, PRIVATE_CHANNEL = 0, 1, 2
GUILD_INSTALL, USER_INSTALL = 0, 1
CONTEXT_NAMES = {GUILD_CONTEXT: "guilds", BOT_DM: "DMs", PRIVATE_CHANNEL: "private channels"}


def authorizing_owners(
    cmd: JSON, guild: FakeGuild | None, context: int, user: FakeUser, user_installed: bool
) -> dict[str, str]:
    """``authorizing_integration_owners`` for running ``cmd`` here: the server (``"0"``, or
    ``"0": "0"`` in the bot's DM) when the app is installed there, the user (``"1"``) when they
    installed it on their account; each only if the command allows that installation type."""
    types = cmd.get("integration_types") or [GUILD_INSTALL]
    owners: dict[str, str] = {}
    if GUILD_INSTALL in types:
        if context == GUILD_CONTEXT and guild is not None and guild.bot_installed:
            owners["0"] = str(guild.id)
        elif context == BOT_DM:
            owners["0"] = "0"
    if USER_INSTALL in types and user_installed:
        owners["1"] = str(user.id)
    return owners


def check_available(
    cmd: JSON,
    guild: FakeGuild | None,
    user: FakeUser,
    permissions: Any,
    *,
    context: int | None = None,
    user_installed: bool = False,
) -> dict[str, str]:
    """Discord's client hides commands a user may not use here; the fake refuses them.
    Returns the interaction's ``authorizing_integration_owners``."""
    label = f"command {cmd['name']!r}"
    contexts = cmd.get("contexts")
    if context is None:
        context = GUILD_CONTEXT if guild is not None else BOT_DM
    if context == BOT_DM and cmd.get("dm_permission") is False:
        raise InvocationError(f"{label} is not available in DMs")
    if contexts is not None and context not in contexts:
        raise InvocationError(f"{label} is not available in {CONTEXT_NAMES[context]}")
    owners = authorizing_owners(cmd, guild, context, user, user_installed)
    if not owners:
        where = f"guild {guild.id}" if guild is not None else CONTEXT_NAMES[context]
        raise InvocationError(
            f"{label} is not installed for user {user.id} in {where} "
            f"(integration_types {cmd.get('integration_types')})"
        )
    if guild is None:
        return owners
    required = cmd.get("default_member_permissions")
    if required is None:
        return owners
    have = as_permissions(permissions) if permissions is not None else guild.permissions_of(user.id)
    need = int(required)
    if not have & ADMINISTRATOR and (need == 0 or have & need != need):
        raise InvocationError(f"{label} needs permissions {need}; user {user.id} has {have}")
    return owners


def modal_submit_components(modal: list[JSON], values: dict[str, Any]) -> list[JSON]:
    """The ``components`` of a MODAL_SUBMIT, mirroring the modal the bot sent (action rows or
    labels) with the user's ``values``; the values used are popped from the dict."""
    return _fill_modal(modal, values, [0])


def _fill_modal(components: list[JSON], values: dict[str, Any], counter: list[int]) -> list[JSON]:
    out: list[JSON] = []
    for comp in components:
        counter[0] += 1
        cid = comp.get("id", counter[0])
        kind = comp["type"]
        if kind == 1:
            out.append(
                {
                    "type": 1,
                    "id": cid,
                    "components": _fill_modal(comp["components"], values, counter),
                }
            )
        elif kind == 18:
            inner = _fill_modal([comp["component"]], values, counter)[0]
            out.append({"type": 18, "id": cid, "component": inner})
        elif kind == 4:
            custom_id = comp["custom_id"]
            value = str(values.pop(custom_id, comp.get("value") or ""))
            if comp.get("required", True) and not value:
                raise InvocationError(f"text input {custom_id!r} is required")
            low, high = comp.get("min_length", 0), comp.get("max_length", 4000)
            if value and not low <= len(value) <= high:
                raise InvocationError(f"{custom_id!r}: length {len(value)} outside [{low}, {high}]")
            out.append({"type": 4, "id": cid, "custom_id": custom_id, "value": value})
        elif "custom_id" in comp:
            default = [o["value"] for o in comp.get("options", []) if o.get("default")]
            chosen = values.pop(comp["custom_id"], default)
            chosen = list(chosen) if isinstance(chosen, list | tuple) else [chosen]
            _check_select(comp, [str(v) for v in chosen])
            out.append({"type": kind, "id": cid, "custom_id": comp["custom_id"], "values": chosen})
        else:
            out.append({"type": kind, "id": cid})
    return out


def _check_select(comp: JSON, chosen: list[str]) -> None:
    """What Discord's client lets a user pick in a modal's select menu: between ``min_values``
    and ``max_values`` options (none only when it is not required), each one it offers."""
    custom_id = comp["custom_id"]
    if not chosen and comp.get("required", True):
        raise InvocationError(f"select {custom_id!r} is required")
    low, high = comp.get("min_values", 1), comp.get("max_values", 1)
    if chosen and not low <= len(chosen) <= high:
        raise InvocationError(f"select {custom_id!r}: {len(chosen)} values outside [{low}, {high}]")
    if comp["type"] == 3:  # a string select offers its options; the others resolve ids
        offered = {o["value"] for o in comp.get("options", [])}
        strays = [v for v in chosen if v not in offered]
        if strays:
            raise InvocationError(f"select {custom_id!r} offers no {strays}")
