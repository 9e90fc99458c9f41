"""Interaction callbacks and the interaction webhook (followups, @original)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import payloads
from .records import (
    ALREADY_ACKNOWLEDGED,
    UNKNOWN_INTERACTION,
    UNKNOWN_MESSAGE,
    UNKNOWN_WEBHOOK,
    Reject,
)
from .rest import answer, attachments_of, fake_of, invalid_form_body, rec

if TYPE_CHECKING:
    from .reply import Reply
    from .server import FakeDiscord

JSON = dict[str, Any]
EPHEMERAL, LOADING = 1 << 6, 1 << 7
APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
# Callback types Discord accepts for each interaction type (6/7 need a message to update).
ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {4, 5, 9, 12},
    MESSAGE_COMPONENT: {4, 5, 6, 7, 9, 12},
    AUTOCOMPLETE: {8},
    MODAL_SUBMIT: {4, 5, 6, 7},
}


def interaction_metadata(reply: Reply) -> JSON:
    i = reply.interaction
    author = i["member"]["user"] if "member" in i else i["user"]
    meta: JSON = {
        "id": i["id"],
        "type": i["type"],
        "user": author,
        "authorizing_integration_owners": i["authorizing_integration_owners"],
    }
    if i["type"] == APPLICATION_COMMAND:
        meta.update(name=i["data"]["name"], command_type=i["data"].get("type", 1))
    if reply.source_message_id is not None:
        meta["interacted_message_id"] = str(reply.source_message_id)
    return meta


def new_message(fake: FakeDiscord, reply: Reply, body: JSON, files: list[JSON]) -> JSON:
    """A message created by the interaction (response or followup), stored in the fake."""
    data = reply.interaction.get("data") or {}
    msg_type = 0
    if reply.kind == APPLICATION_COMMAND:
        msg_type = 20 if data.get("type", 1) == 1 else 23
    msg = payloads.message(
        message_id=fake.ids.next(),
        channel_id=reply.channel_id,
        author=fake.bot_user,
        body=body,
        guild_id=reply.guild_id,
        msg_type=msg_type,
        webhook_id=fake.app_id,
        application_id=fake.app_id,
        interaction_metadata=interaction_metadata(reply),
        attachments=[
            payloads.attachment(fake.ids.next(), f["filename"], f["size"], f["content_type"])
            for f in files
        ],
    )
    return fake.store_message(msg, visible=not msg["flags"] & EPHEMERAL)


def _reply(request: web.Request, *, app_scoped: bool) -> tuple[FakeDiscord, Reply]:
    fake = fake_of(request)
    reply = fake.interactions.get(request.match_info["token"])
    if app_scoped:
        if reply is None or request.match_info["app_id"] != str(fake.app_id):
            raise Reject(UNKNOWN_WEBHOOK)
    elif reply is None or request.match_info["interaction_id"] != reply.id:
        raise Reject(UNKNOWN_INTERACTION)
    return fake, reply


async def callback(request: web.Request) -> web.Response:
    fake, reply = _reply(request, app_scoped=False)
    try:
        return await _callback(request, fake, reply)
    finally:
        if reply.status is not None:
            reply.answered.set()


async def _callback(request: web.Request, fake: FakeDiscord, reply: Reply) -> web.Response:
    record = rec(request)
    reply.attempts.append(record)
    if reply.status == 200:
        fake.violation("interaction_callback", record, "second callback to one interaction")
        raise Reject(ALREADY_ACKNOWLEDGED)
    latency = record.at - reply.sent_at
    body = record.json if isinstance(record.json, dict) else {}
    errors = fake.check("interaction_callback", record.json, record)
    cb_type = body.get("type")
    allowed = set(ALLOWED_CALLBACKS.get(reply.kind, set()))
    if reply.source_message_id is None:
        allowed -= {6, 7}
    if cb_type not in allowed:
        problem = f"callback type {cb_type} is not allowed for interaction type {reply.kind}"
        fake.violation("interaction_callback", record, problem)
        errors.append(problem)
    if latency > fake.callback_deadline:
        problem = f"callback after {latency:.2f} s; Discord allows {fake.callback_deadline} s"
        fake.violation("interaction_callback", record, problem)
        reply.status, reply.latency = UNKNOWN_INTERACTION.status, latency
        raise Reject(UNKNOWN_INTERACTION)
    if errors and fake.strict:
        reply.status, reply.latency = 400, latency
        reply.rejected.append(errors)
        return invalid_form_body(errors)
    reply.callback, reply.latency, reply.status = body, latency, 200
    return answer(_respond(fake, reply, body, record.files))


def _respond(fake: FakeDiscord, reply: Reply, body: JSON, files: list[JSON]) -> JSON:
    cb_type: int = body["type"]
    data: JSON = body.get("data") or {}
    info: JSON = {"id": reply.id, "type": reply.kind}
    msg: JSON | None = None
    if cb_type == 4:
        msg = new_message(fake, reply, data, files)
    elif cb_type == 5:
        flags = LOADING | (int(data.get("flags") or 0) & EPHEMERAL)
        msg = new_message(fake, reply, {"content": "", "flags": flags}, [])
    elif cb_type in (6, 7) and reply.source_message_id is not None:
        source = fake.messages[reply.source_message_id]
        msg = source if cb_type == 6 else fake.replace_message(payloads.edit_message(source, data))
    if msg is None:
        return {"interaction": info}
    reply.message_id = int(msg["id"])
    info.update(
        response_message_id=msg["id"],
        response_message_loading=bool(msg["flags"] & LOADING),
        response_message_ephemeral=bool(msg["flags"] & EPHEMERAL),
    )
    return {"interaction": info, "resource": {"type": cb_type, "message": msg}}


async def followup(request: web.Request) -> web.Response:
    fake, reply = _reply(request, app_scoped=True)
    record = rec(request)
    if reply.status != 200:
        fake.violation("followup", record, "followup before the interaction was acknowledged")
        raise Reject(UNKNOWN_WEBHOOK)
    errors = fake.check("followup", record.json, record)
    if errors and fake.strict:
        return invalid_form_body(errors)
    body: JSON = record.json or {}
    original = reply.message
    if original is not None and original["flags"] & LOADING:
        # The first followup after a deferred response replaces the "thinking" message.
        flags = original["flags"] & EPHEMERAL
        msg = payloads.edit_message(original, {**body, "flags": flags})
        msg["edited_timestamp"] = None
        msg["attachments"] = attachments_of(fake, record)
        fake.replace_message(msg)
    else:
        msg = new_message(fake, reply, body, record.files)
    reply.followup_ids.append(int(msg["id"]))
    if request.query.get("wait", "0").lower() in ("1", "true"):
        return answer(msg)
    return web.Response(status=204)


def _webhook_message(request: web.Request) -> tuple[FakeDiscord, Reply, JSON]:
    fake, reply = _reply(request, app_scoped=True)
    target = request.match_info["message_id"]
    mid = reply.message_id if target == "@original" else int(target) if target.isdigit() else None
    mine = {reply.message_id, *reply.followup_ids}
    msg = fake.messages.get(mid) if mid is not None and mid in mine else None
    if msg is None:
        raise Reject(UNKNOWN_MESSAGE)
    return fake, reply, msg


async def edit_webhook_message(request: web.Request) -> web.Response:
    fake, reply, msg = _webhook_message(request)
    record = rec(request)
    loading = bool(msg["flags"] & LOADING)
    errors = fake.check("deferred_edit" if loading else "webhook_edit", record.json, record)
    if errors and fake.strict:
        return invalid_form_body(errors)
    body: JSON = record.json or {}
    edited = payloads.edit_message(msg, {**body, "flags": msg["flags"] & ~LOADING})
    if record.files:
        edited["attachments"] = edited["attachments"] + attachments_of(fake, record)
    reply.edits.append(body)
    return answer(fake.replace_message(edited))


async def get_webhook_message(request: web.Request) -> web.Response:
    return answer(_webhook_message(request)[2])


async def delete_webhook_message(request: web.Request) -> web.Response:
    fake, _, msg = _webhook_message(request)
    fake.delete_message(int(msg["id"]))
    return web.Response(status=204)


def add_routes(app: web.Application, prefix: str) -> None:
    hook = prefix + "/webhooks/{app_id}/{token}"
    app.router.add_post(prefix + "/interactions/{interaction_id}/{token}/callback", callback)
    app.router.add_post(hook, followup)
    app.router.add_get(hook + "/messages/{message_id}", get_webhook_message)
    app.router.add_patch(hook + "/messages/{message_id}", edit_webhook_message)
    app.router.add_delete(hook + "/messages/{message_id}", delete_webhook_message)
