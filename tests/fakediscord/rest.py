"""The fake REST API (``/api/v10``): login, command sync, channels and messages.

Interaction callbacks and webhooks live in ``webhooks.py``. Every request is recorded; every
body is checked against Discord's limits; unknown routes are recorded and answered 404.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import payloads
from .models import GROUP_DM, as_id
from .records import (
    CONNECTION_RESET,
    MISSING_ACCESS,
    MISSING_PERMISSIONS,
    NOT_FOUND,
    UNAUTHORIZED,
    UNKNOWN_CHANNEL,
    UNKNOWN_GUILD,
    UNKNOWN_MEMBER,
    UNKNOWN_MESSAGE,
    UNKNOWN_USER,
    ApiError,
    RecordedRequest,
    Reject,
)

if TYPE_CHECKING:
    from .server import FakeDiscord

JSON = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
API_PREFIX = "/api/v10"
FAKE_KEY: web.AppKey[FakeDiscord] = web.AppKey("fake")
RECORD_KEY: web.RequestKey[RecordedRequest] = web.RequestKey("record")
SEND_MESSAGES, VIEW_CHANNEL = 1 << 11, 1 << 10


def answer(data: Any, status: int = 200) -> web.Response:
    # discord.py parses JSON only when Content-Type is exactly "application/json".
    body = json.dumps(data).encode()
    return web.Response(body=body, status=status, headers={"Content-Type": "application/json"})


def error(err: ApiError, **extra: Any) -> web.Response:
    if err.retry_after is None:
        return answer({"message": err.message, "code": err.code, **extra}, err.status)
    body = {
        "message": err.message,
        "code": err.code,
        "retry_after": err.retry_after,
        "global": err.global_limit,
        **extra,
    }
    response = answer(body, err.status)
    # Discord's 429s come through its proxy (discord.py takes a 429 without Via for a
    # Cloudflare ban) and say when to retry, in the headers too.
    response.headers.update(
        {
            "Via": "1.1 google",
            "Retry-After": str(max(1, round(err.retry_after))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": str(err.retry_after),
            "X-RateLimit-Bucket": "fake-bucket",
            "X-RateLimit-Scope": "global" if err.global_limit else "user",
        }
    )
    if err.global_limit:
        response.headers["X-RateLimit-Global"] = "true"
    return response


def invalid_form_body(errors: list[str]) -> web.Response:
    detail = {
        "payload": {"_errors": [{"code": "FAKE_DISCORD_LIMIT", "message": e} for e in errors]}
    }
    return answer({"message": "Invalid Form Body", "code": 50035, "errors": detail}, 400)


def rec(request: web.Request) -> RecordedRequest:
    return request[RECORD_KEY]


def fake_of(request: web.Request) -> FakeDiscord:
    return request.app[FAKE_KEY]


def checked(request: web.Request, kind: str) -> web.Response | None:
    """Check the request body; the 400 to answer when strict and it breaks the limits."""
    fake = fake_of(request)
    errors = fake.check(kind, rec(request).json, rec(request))
    return invalid_form_body(errors) if errors and fake.strict else None


_QUERIES: dict[str, tuple[tuple[str, str], ...]] = {}
_QUERIES_KEPT = 256


def _query(request: web.Request) -> dict[str, str]:
    """The request's query as a dict, each distinct query string parsed once (the fake sees
    few; parsing every request's was 7% of its time under the benchmark's load)."""
    if not request.query_string:
        return {}
    parsed = _QUERIES.get(request.query_string)
    if parsed is None:
        if len(_QUERIES) >= _QUERIES_KEPT:
            _QUERIES.clear()
        parsed = _QUERIES[request.query_string] = tuple(dict(request.query).items())
    return dict(parsed)


@web.middleware
async def recorder(request: web.Request, handler: Handler) -> web.StreamResponse:
    fake = fake_of(request)
    if not request.path.startswith(API_PREFIX):
        return await handler(request)  # the gateway websocket
    path = request.path[len(API_PREFIX) :]
    body: Any = None
    files: list[JSON] = []
    if request.content_type.startswith("multipart/"):
        form = await request.post()
        for name, value in form.items():
            if name == "payload_json":
                body = json.loads(str(value))
            elif isinstance(value, web.FileField):
                data = value.file.read()
                files.append(
                    {
                        "field": name,
                        "filename": value.filename,
                        "size": len(data),
                        "content_type": value.content_type,
                        "data": data,
                    }
                )
    elif request.body_exists:
        raw = await request.read()
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode(errors="replace")
    record = RecordedRequest(
        request.method, path, _query(request), body, dict(request.headers), files
    )
    request[RECORD_KEY] = record
    fake.requests.append(record)
    try:
        public = path.startswith(("/webhooks/", "/interactions/", "/gateway"))
        failure = fake.failure_for(request.method, path)
        response: web.StreamResponse
        if not public and request.headers.get("Authorization") != f"Bot {fake.token}":
            response = error(UNAUTHORIZED)
        elif failure is not None and failure.status == CONNECTION_RESET.status:
            # The connection is cut before any answer: the client sees a TCP reset and does
            # not know whether the request was done (here it was not).
            record.status = 0
            if request.transport is not None:
                request.transport.abort()
            raise ConnectionResetError("reset by the fake")
        elif failure is not None:
            response = error(failure)
        else:
            try:
                response = await handler(request)
            except Reject as exc:
                response = error(exc.error)
            except Exception as exc:  # a bug in the fake: never a 5xx, discord.py retries those
                fake.server_errors.append(f"{request.method} {path}: {exc!r}")
                response = answer({"message": f"fake Discord failed: {exc!r}", "code": 0}, 400)
        record.status = response.status
        if isinstance(response, web.Response) and isinstance(response.body, bytes):
            record.response_body = response.body
        return response
    finally:
        fake._notify()


async def unknown(request: web.Request) -> web.Response:
    fake_of(request).unknown_requests.append(rec(request))
    return error(NOT_FOUND)


# --- login and gateway discovery -------------------------------------------------------------


async def users_me(request: web.Request) -> web.Response:
    return answer(payloads.self_user(fake_of(request).bot_user))


async def application_me(request: web.Request) -> web.Response:
    fake = fake_of(request)
    return answer(payloads.application(fake.bot_user, fake.owner))


async def get_gateway(request: web.Request) -> web.Response:
    fake = fake_of(request)
    data: JSON = {"url": fake.ws_url.rstrip("/")}
    if request.path.endswith("/bot"):
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        data.update(shards=fake.shard_count, session_start_limit=limit)
    return answer(data)


# --- application commands --------------------------------------------------------------------


def _scope(request: web.Request) -> int | None:
    fake = fake_of(request)
    if request.match_info["app_id"] != str(fake.app_id):
        raise Reject(NOT_FOUND)
    return snowflake(request, "guild_id") if "guild_id" in request.match_info else None


def _registered(fake: FakeDiscord, cmd: JSON, guild_id: int | None, old: list[JSON]) -> JSON:
    kind = int(cmd.get("type") or 1)
    same = [c for c in old if c["name"] == cmd["name"] and c["type"] == kind]
    data: JSON = {
        "id": same[0]["id"] if same else str(fake.ids.next()),
        "application_id": str(fake.app_id),
        "version": str(fake.ids.next()),
        "type": kind,
        "name": cmd["name"],
        "name_localizations": cmd.get("name_localizations"),
        "description": cmd.get("description") or "",
        "description_localizations": cmd.get("description_localizations"),
        "default_member_permissions": cmd.get("default_member_permissions"),
        "dm_permission": cmd.get("dm_permission", True),
        "nsfw": bool(cmd.get("nsfw")),
        "contexts": cmd.get("contexts"),
        "integration_types": cmd.get("integration_types") or [0],
    }
    if cmd.get("options"):
        data["options"] = cmd["options"]
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    return data


async def put_commands(request: web.Request) -> web.Response:
    fake, guild_id = fake_of(request), _scope(request)
    rejected = checked(request, "commands")
    if rejected is not None:
        return rejected
    old = fake.commands.get(guild_id, [])
    body = rec(request).json or []
    fake.commands[guild_id] = [_registered(fake, c, guild_id, old) for c in body]
    return answer(fake.commands[guild_id])


async def post_command(request: web.Request) -> web.Response:
    fake, guild_id = fake_of(request), _scope(request)
    rejected = checked(request, "command")
    if rejected is not None:
        return rejected
    old = fake.commands.get(guild_id, [])
    cmd = _registered(fake, rec(request).json, guild_id, old)
    fake.commands[guild_id] = [c for c in old if c["id"] != cmd["id"]] + [cmd]
    return answer(cmd, 201)


async def get_commands(request: web.Request) -> web.Response:
    return answer(fake_of(request).commands.get(_scope(request), []))


# --- channels and messages -------------------------------------------------------------------


def snowflake(request: web.Request, key: str, missing: ApiError = NOT_FOUND) -> int:
    value = request.match_info[key]
    if not value.isdigit():
        raise Reject(missing)
    return int(value)


def _channel(request: web.Request) -> tuple[FakeDiscord, int]:
    fake = fake_of(request)
    cid = snowflake(request, "channel_id", UNKNOWN_CHANNEL)
    if cid not in fake.channels:
        raise Reject(UNKNOWN_CHANNEL)
    return fake, cid


async def get_channel(request: web.Request) -> web.Response:
    fake, cid = _channel(request)
    return answer(payloads.channel(fake.channels[cid]))


async def post_message(request: web.Request) -> web.Response:
    fake, cid = _channel(request)
    guild = fake.guild_of(cid)
    if guild is None and fake.channels[cid].type == GROUP_DM:
        return error(MISSING_ACCESS)  # a bot is never in a group DM
    if guild is not None and not guild.bot_installed:
        return error(MISSING_ACCESS)
    if guild is not None:
        perms = guild.permissions_of(fake.app_id)
        if not perms & VIEW_CHANNEL:
            return error(MISSING_ACCESS)
        if not perms & SEND_MESSAGES:
            return error(MISSING_PERMISSIONS)
    rejected = checked(request, "channel_message")
    if rejected is not None:
        return rejected
    record = rec(request)
    body = record.json or {}
    msg = payloads.message(
        message_id=fake.ids.next(),
        channel_id=cid,
        author=fake.bot_user,
        body=body,
        guild_id=guild.id if guild else None,
        msg_type=19 if body.get("message_reference") else 0,
        attachments=attachments_of(fake, record),
    )
    return answer(fake.store_message(msg))


def attachments_of(fake: FakeDiscord, record: RecordedRequest) -> list[JSON]:
    return [
        payloads.attachment(fake.ids.next(), f["filename"], f["size"], f["content_type"])
        for f in record.files
    ]


async def get_messages(request: web.Request) -> web.Response:
    fake, cid = _channel(request)
    history = fake.channel_messages[cid]
    q = request.query
    limit = max(1, min(int(q.get("limit", "50")), 100))
    if "before" in q:
        history = [m for m in history if int(m["id"]) < int(q["before"])]
    if "after" in q:
        found = [m for m in history if int(m["id"]) > int(q["after"])][:limit]
        return answer(list(reversed(found)))
    return answer(list(reversed(history[-limit:])))


def _message(request: web.Request) -> tuple[FakeDiscord, JSON]:
    fake, cid = _channel(request)
    msg = fake.messages.get(snowflake(request, "message_id", UNKNOWN_MESSAGE))
    if msg is None or int(msg["channel_id"]) != cid:
        raise Reject(UNKNOWN_MESSAGE)
    return fake, msg


async def get_message(request: web.Request) -> web.Response:
    return answer(_message(request)[1])


async def patch_message(request: web.Request) -> web.Response:
    fake, msg = _message(request)
    rejected = checked(request, "message_edit")
    if rejected is not None:
        return rejected
    return answer(fake.replace_message(payloads.edit_message(msg, rec(request).json or {})))


async def delete_message(request: web.Request) -> web.Response:
    fake, msg = _message(request)
    fake.delete_message(int(msg["id"]))
    return web.Response(status=204)


async def create_dm(request: web.Request) -> web.Response:
    fake = fake_of(request)
    user = fake.users.get(as_id((rec(request).json or {}).get("recipient_id")))
    if user is None:
        raise Reject(UNKNOWN_USER)
    return answer(payloads.channel(fake.dm_channel(user)))


# --- guilds and users --------------------------------------------------------------------------


async def get_guild(request: web.Request) -> web.Response:
    fake = fake_of(request)
    guild = fake.guilds.get(snowflake(request, "guild_id", UNKNOWN_GUILD))
    if guild is None:
        raise Reject(UNKNOWN_GUILD)
    return answer(payloads.guild(guild, app_id=fake.app_id, gateway=False))


async def get_member(request: web.Request) -> web.Response:
    fake = fake_of(request)
    guild = fake.guilds.get(snowflake(request, "guild_id", UNKNOWN_GUILD))
    member = guild.members.get(snowflake(request, "user_id", UNKNOWN_MEMBER)) if guild else None
    if member is None:
        raise Reject(UNKNOWN_MEMBER)
    return answer(payloads.member(member))


async def get_user(request: web.Request) -> web.Response:
    fake = fake_of(request)
    user = fake.users.get(snowflake(request, "user_id", UNKNOWN_USER))
    if user is None:
        raise Reject(UNKNOWN_USER)
    return answer(payloads.user(user))


def build_app(fake: FakeDiscord) -> web.Application:
    from . import webhooks

    app = web.Application(middlewares=[recorder])
    app[FAKE_KEY] = fake
    p = API_PREFIX
    app.router.add_get("/", fake.gateway.handle)
    app.router.add_get("/resume", fake.gateway.handle)
    app.router.add_get(p + "/users/@me", users_me)
    app.router.add_get(p + "/oauth2/applications/@me", application_me)
    app.router.add_get(p + "/gateway", get_gateway)
    app.router.add_get(p + "/gateway/bot", get_gateway)
    for scope in ("/applications/{app_id}", "/applications/{app_id}/guilds/{guild_id}"):
        app.router.add_put(p + scope + "/commands", put_commands)
        app.router.add_post(p + scope + "/commands", post_command)
        app.router.add_get(p + scope + "/commands", get_commands)
    app.router.add_get(p + "/channels/{channel_id}", get_channel)
    app.router.add_post(p + "/channels/{channel_id}/messages", post_message)
    app.router.add_get(p + "/channels/{channel_id}/messages", get_messages)
    app.router.add_get(p + "/channels/{channel_id}/messages/{message_id}", get_message)
    app.router.add_patch(p + "/channels/{channel_id}/messages/{message_id}", patch_message)
    app.router.add_delete(p + "/channels/{channel_id}/messages/{message_id}", delete_message)
    app.router.add_post(p + "/users/@me/channels", create_dm)
    app.router.add_get(p + "/users/{user_id}", get_user)
    app.router.add_get(p + "/guilds/{guild_id}", get_guild)
    app.router.add_get(p + "/guilds/{guild_id}/members/{user_id}", get_member)
    webhooks.add_routes(app, p)
    app.router.add_route("*", p + "/{tail:.*}", unknown)
    return app
