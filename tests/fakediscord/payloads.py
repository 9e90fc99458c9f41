"""Complete JSON payloads, shaped like the ones Discord sends (API v10).

discord.py indexes many keys without ``.get``; a missing key in a gateway dispatch kills the
client's connection, so every builder here emits the full documented object.
"""

from __future__ import annotations

import copy
from typing import Any

from .models import (
    DM,
    GROUP_DM,
    GUILD_CATEGORY,
    GUILD_VOICE,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    iso,
)

JSON = dict[str, Any]


def user(u: FakeUser) -> JSON:
    return {
        "id": str(u.id),
        "username": u.username,
        "discriminator": "0",
        "global_name": u.global_name,
        "avatar": u.avatar,
        "avatar_decoration_data": None,
        "banner": None,
        "accent_color": None,
        "bot": u.bot,
        "system": False,
        "public_flags": 0,
        "flags": 0,
        "collectibles": None,
        "primary_guild": None,
    }


def self_user(u: FakeUser) -> JSON:
    """``GET /users/@me`` and READY's ``user``: the private fields of the bot account."""
    data = user(u)
    data.update(
        verified=True, mfa_enabled=False, email=None, locale="en-US", premium_type=0, bio=""
    )
    return data


def application(app_user: FakeUser, owner: FakeUser) -> JSON:
    return {
        "id": str(app_user.id),
        "name": app_user.username,
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "rpc_origins": [],
        "bot_public": True,
        "bot_require_code_grant": False,
        "bot": user(app_user),
        "owner": user(owner),
        "team": None,
        "verify_key": "0" * 64,
        "flags": 0,
        "hook": True,
        "tags": [],
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "approximate_guild_count": 1,
        "approximate_user_install_count": 0,
        "install_params": {"scopes": ["bot", "applications.commands"], "permissions": "0"},
        "integration_types_config": {"0": {}},
        "is_monetized": False,
        "explicit_content_filter": 0,
    }


def role(r: FakeRole) -> JSON:
    data: JSON = {
        "id": str(r.id),
        "name": r.name,
        "description": None,
        "color": r.color,
        "colors": {"primary_color": r.color, "secondary_color": None, "tertiary_color": None},
        "hoist": r.hoist,
        "icon": None,
        "unicode_emoji": None,
        "position": r.position,
        "permissions": str(r.permissions),
        "managed": r.managed,
        "mentionable": r.mentionable,
        "flags": 0,
    }
    if r.bot_id is not None:
        data["tags"] = {"bot_id": str(r.bot_id)}
    return data


def channel(c: FakeChannel, *, permissions: int | None = None) -> JSON:
    """A channel object; ``permissions`` adds the invoker's computed permissions (interactions)."""
    if c.type == DM:
        assert c.recipient is not None
        data: JSON = {
            "id": str(c.id),
            "type": DM,
            "last_message_id": str(c.last_message_id) if c.last_message_id else None,
            "recipients": [user(c.recipient)],
            "flags": 0,
        }
    elif c.type == GROUP_DM:
        data = {
            "id": str(c.id),
            "type": GROUP_DM,
            "name": c.name or None,
            "icon": None,
            "owner_id": str(c.recipients[0].id),
            "last_message_id": str(c.last_message_id) if c.last_message_id else None,
            "recipients": [user(u) for u in c.recipients],
            "flags": 0,
        }
    else:
        data = {
            "id": str(c.id),
            "type": c.type,
            "guild_id": str(c.guild_id),
            "name": c.name,
            "position": c.position,
            "permission_overwrites": [],
            "parent_id": str(c.parent_id) if c.parent_id else None,
            "nsfw": c.nsfw,
            "flags": 0,
        }
        if c.type != GUILD_CATEGORY:
            data.update(
                topic=c.topic,
                last_message_id=str(c.last_message_id) if c.last_message_id else None,
                last_pin_timestamp=None,
                rate_limit_per_user=0,
            )
        if c.type == GUILD_VOICE:
            data.update(bitrate=64000, user_limit=0, rtc_region=None, video_quality_mode=1)
        elif c.type != GUILD_CATEGORY:
            data.update(default_auto_archive_duration=1440, default_thread_rate_limit_per_user=0)
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def member(m: FakeMember, *, permissions: int | None = None, with_user: bool = True) -> JSON:
    data: JSON = {
        "nick": m.nick,
        "avatar": None,
        "banner": None,
        "roles": [str(r) for r in m.roles],
        "joined_at": m.joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
        "unusual_dm_activity_until": None,
        "avatar_decoration_data": None,
        "collectibles": None,
    }
    if with_user:
        data["user"] = user(m.user)
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def guild(g: FakeGuild, *, app_id: int, gateway: bool = True, all_members: bool = True) -> JSON:
    """The full guild; with ``gateway`` the GUILD_CREATE extras (members, channels, ...).
    Without the GUILD_MEMBERS intent (``all_members``), Discord lists only the bot itself."""
    data: JSON = {
        "id": str(g.id),
        "name": g.name,
        "icon": None,
        "icon_hash": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(g.owner_id),
        "region": "deprecated",
        "afk_channel_id": None,
        "afk_timeout": 300,
        "widget_enabled": False,
        "widget_channel_id": None,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": [role(r) for r in g.roles.values()],
        "emojis": [],
        "stickers": [],
        "features": list(g.features),
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "max_presences": None,
        "max_members": 500000,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": g.locale,
        "nsfw_level": 0,
        "nsfw": False,
        "incidents_data": None,
        "home_header": None,
        "hub_type": None,
        "latest_onboarding_question_id": None,
    }
    if gateway:
        me = g.members.get(app_id)
        data.update(
            joined_at=me.joined_at if me else g.created_at,
            large=len(g.members) >= 250,
            unavailable=False,
            lazy=True,
            member_count=len(g.members),
            voice_states=[],
            members=[member(m) for m in g.members.values() if all_members or m.user.id == app_id],
            channels=[channel(c) for c in g.channels.values()],
            threads=[],
            presences=[],
            stage_instances=[],
            guild_scheduled_events=[],
            soundboard_sounds=[],
            embedded_activities=[],
            activity_instances=[],
            application_command_counts={},
            version=0,
        )
    return data


def ready(
    bot: FakeUser,
    guild_ids: list[int],
    *,
    session_id: str,
    resume_url: str,
    shard: list[int] | None,
) -> JSON:
    data: JSON = {
        "v": 10,
        "user": self_user(bot),
        "user_settings": {},
        "guilds": [{"id": str(gid), "unavailable": True} for gid in guild_ids],
        "presences": [],
        "private_channels": [],
        "relationships": [],
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": ["fake"],
        "session_id": session_id,
        "session_type": "normal",
        "resume_gateway_url": resume_url,
        "application": {"id": str(bot.id), "flags": 0},
        "auth": {},
        "_trace": ['["fake-discord-gateway",{"micros":0}]'],
    }
    if shard is not None:
        data["shard"] = shard
    return data


def _number_components(components: list[Any], counter: list[int]) -> None:
    """Discord gives every component a numeric ``id`` when the bot did not."""
    for comp in components:
        if not isinstance(comp, dict):
            continue
        counter[0] += 1
        comp.setdefault("id", counter[0])
        for key in ("components",):
            if isinstance(comp.get(key), list):
                _number_components(comp[key], counter)
        for key in ("accessory", "component"):
            if isinstance(comp.get(key), dict):
                _number_components([comp[key]], counter)


def json_copy(value: Any) -> Any:
    """A deep copy of decoded JSON (dicts, lists and scalars): what ``copy.deepcopy`` makes,
    at a quarter of its cost (it keeps a memo for cycles and shared objects JSON cannot
    have)."""
    if type(value) is dict:
        return {key: json_copy(item) for key, item in value.items()}
    if type(value) is list:
        return [json_copy(item) for item in value]
    return value


def message(
    *,
    message_id: int,
    channel_id: int,
    author: FakeUser,
    body: JSON,
    guild_id: int | None = None,
    msg_type: int = 0,
    webhook_id: int | None = None,
    application_id: int | None = None,
    interaction_metadata: JSON | None = None,
    attachments: list[JSON] | None = None,
    mentions: list[JSON] | None = None,
) -> JSON:
    """A full message object built from a create-message request body."""
    embeds = json_copy(body.get("embeds") or [])
    for embed in embeds:
        embed.setdefault("type", "rich")
        embed.setdefault("content_scan_version", 0)
    components = json_copy(body.get("components") or [])
    _number_components(components, [0])
    data: JSON = {
        "id": str(message_id),
        "type": msg_type,
        "channel_id": str(channel_id),
        "author": user(author),
        "content": body.get("content") or "",
        "timestamp": iso(),
        "edited_timestamp": None,
        "tts": bool(body.get("tts")),
        "mention_everyone": False,
        "mentions": mentions or [],
        "mention_roles": [],
        "mention_channels": [],
        "attachments": attachments or [],
        "embeds": embeds,
        "reactions": [],
        "pinned": False,
        "flags": int(body.get("flags") or 0),
        "components": components,
        "sticker_items": [],
        "position": 0,
    }
    if "nonce" in body:
        data["nonce"] = body["nonce"]
    if body.get("poll"):
        data["poll"] = copy.deepcopy(body["poll"])
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    if webhook_id is not None:
        data["webhook_id"] = str(webhook_id)
    if application_id is not None:
        data["application_id"] = str(application_id)
    if interaction_metadata is not None:
        data["interaction_metadata"] = interaction_metadata
    ref = body.get("message_reference")
    if isinstance(ref, dict) and ref.get("message_id"):
        data["message_reference"] = {
            "type": 0,
            "message_id": str(ref["message_id"]),
            "channel_id": str(ref.get("channel_id") or channel_id),
            **({"guild_id": str(guild_id)} if guild_id else {}),
        }
    return data


def edit_message(msg: JSON, body: JSON) -> JSON:
    """Apply an edit request body to a stored message (only the keys that were sent)."""
    updated = copy.deepcopy(msg)
    new = message(
        message_id=int(msg["id"]),
        channel_id=int(msg["channel_id"]),
        author=FakeUser(0, ""),
        body={**body, "flags": body.get("flags", msg["flags"])},
    )
    for key in ("content", "embeds", "components", "flags", "poll"):
        if key in body:
            updated[key] = new[key]
    if "attachments" in body:
        keep = {str(a.get("id")) for a in body["attachments"] or [] if isinstance(a, dict)}
        updated["attachments"] = [a for a in msg["attachments"] if a["id"] in keep]
    updated["edited_timestamp"] = iso()
    return updated


def attachment(attachment_id: int, filename: str, size: int, content_type: str | None) -> JSON:
    url = f"https://cdn.discordapp.com/attachments/0/{attachment_id}/{filename}"
    return {
        "id": str(attachment_id),
        "filename": filename,
        "size": size,
        "url": url,
        "proxy_url": url,
        "content_type": content_type,
        "ephemeral": False,
    }
