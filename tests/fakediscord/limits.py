"""Discord's limits on what a bot sends: ``check_payload(kind, body)``.

Two layers:

* the request-body schemas of Discord's OpenAPI spec (``schema.py`` validates them with
  ``jsonschema``: every keyword, ``$ref`` and format the spec uses);
* the limits documented only in prose (discord/discord-api-docs) and this bot's own rule that
  every message it creates carries ``allowed_mentions`` pinging no one. Limits the spec states
  too (10 embeds, 25 fields, 25 options/choices, name/description/title lengths) are reported
  once, from the spec.

``check_payload`` returns a list of human-readable violations; an empty list means the body is
fine. The fake calls it on every request body it receives.
"""

from __future__ import annotations

import unicodedata
from typing import Any, Literal, get_args

from .schema import schema_ref, validate

JSON = dict[str, Any]

Kind = Literal[
    "interaction_callback",  # POST /interactions/{id}/{token}/callback
    "followup",  # POST /webhooks/{app_id}/{token} (creates a message)
    "deferred_edit",  # PATCH .../messages/@original completing a deferred response (creates it)
    "webhook_edit",  # PATCH /webhooks/{app_id}/{token}/messages/{id|@original}
    "channel_message",  # POST /channels/{id}/messages
    "message_edit",  # PATCH /channels/{id}/messages/{id}
    "commands",  # PUT /applications/{id}[/guilds/{gid}]/commands (bulk overwrite)
    "command",  # POST /applications/{id}[/guilds/{gid}]/commands
]
KINDS: tuple[str, ...] = get_args(Kind)

CALLBACK_SCHEMAS = {
    1: "PongInteractionCallbackRequest",
    4: "CreateMessageInteractionCallbackRequest",
    5: "CreateMessageInteractionCallbackRequest",
    6: "UpdateMessageInteractionCallbackRequest",
    7: "UpdateMessageInteractionCallbackRequest",
    8: "ApplicationCommandAutocompleteCallbackRequest",
    9: "ModalInteractionCallbackRequest",
    12: "LaunchActivityInteractionCallbackRequest",
}
KIND_SCHEMAS: dict[str, JSON] = {
    "followup": schema_ref("IncomingWebhookRequestPartial"),
    "deferred_edit": schema_ref("IncomingWebhookUpdateRequestPartial"),
    "webhook_edit": schema_ref("IncomingWebhookUpdateRequestPartial"),
    "channel_message": schema_ref("MessageCreateRequest"),
    "message_edit": schema_ref("MessageEditRequestPartial"),
    "commands": {
        "type": "array",
        "items": schema_ref("ApplicationCommandUpdateRequest"),
        "maxItems": 130,
    },
    "command": schema_ref("ApplicationCommandCreateRequest"),
}

EPHEMERAL = 1 << 6
IS_COMPONENTS_V2 = 1 << 15
MAX_CONTENT, MAX_EMBED_CHARS, MAX_CHOICE_STR, MAX_COMMAND_CHARS = 2000, 6000, 100, 8000
MAX_COMMANDS_PER_TYPE = {1: 100, 2: 15, 3: 15}
SUBCOMMAND_TYPES = (1, 2)


def check_payload(kind: Kind | str, body: Any) -> list[str]:
    """Every way ``body`` breaks Discord's documented limits for a request of ``kind``."""
    if kind not in KINDS:
        raise ValueError(f"unknown payload kind {kind!r}; expected one of {KINDS}")
    if kind == "interaction_callback":
        return _check_callback(body)
    errors = validate(body, KIND_SCHEMAS[kind])
    if kind == "commands":
        errors += _check_commands(body)
    elif kind == "command":
        errors += _check_command(body, "$") if isinstance(body, dict) else []
    elif isinstance(body, dict):
        creating = kind in ("followup", "deferred_edit", "channel_message")
        channel = kind in ("channel_message", "message_edit")
        errors += _check_message(body, "$", creating=creating, channel=channel)
    return errors


# --- interaction callbacks -------------------------------------------------------------------


def _check_callback(body: Any) -> list[str]:
    if not isinstance(body, dict) or not isinstance(body.get("type"), int):
        return ["$.type: an interaction callback needs an integer type"]
    cb_type = body["type"]
    if cb_type not in CALLBACK_SCHEMAS:
        return [f"$.type: {cb_type} is not an interaction callback type"]
    errors = validate(body, schema_ref(CALLBACK_SCHEMAS[cb_type]))
    data = body.get("data")
    if cb_type == 4:
        errors += _check_message(data or {}, "$.data", creating=True)
    elif cb_type == 5:
        extra = sorted(set(data or {}) - {"flags"})
        flags = (data or {}).get("flags") or 0
        if extra or not isinstance(flags, int) or flags & ~EPHEMERAL:
            errors.append(
                f"$.data: a deferred response may only set the ephemeral flag, got {data}"
            )
    elif cb_type == 6 and data:
        errors.append(f"$.data: a deferred update (type 6) takes no data, got {data}")
    elif cb_type == 7 and isinstance(data, dict):
        errors += _check_message(data, "$.data", creating=False)
    elif cb_type == 8 and isinstance(data, dict):
        errors += _check_choices(data.get("choices") or [], "$.data.choices")
    elif cb_type == 9 and isinstance(data, dict):
        errors += _check_modal(data, "$.data")
    return errors


def _check_choices(choices: list[Any], path: str) -> list[str]:
    """String choice values: at most 100 characters (the spec allows 6000)."""
    errors = []
    for i, choice in enumerate(choices):
        value = choice.get("value") if isinstance(choice, dict) else None
        if isinstance(value, str) and len(value) > MAX_CHOICE_STR:
            errors.append(f"{path}[{i}].value: {len(value)} characters, more than 100")
    return errors


def _check_modal(data: JSON, path: str) -> list[str]:
    errors = []
    components = data.get("components") or []
    if not 1 <= len(components) <= 5:
        errors.append(f"{path}.components: a modal holds 1 to 5 components, got {len(components)}")
    errors += _unique_custom_ids(components, f"{path}.components")
    return errors


# --- messages --------------------------------------------------------------------------------


def embed_chars(embeds: list[Any]) -> int:
    """Characters Discord counts towards the 6000 limit across all embeds of a message."""
    total = 0
    for embed in embeds:
        if not isinstance(embed, dict):
            continue
        total += len(embed.get("title") or "") + len(embed.get("description") or "")
        for field in embed.get("fields") or []:
            if isinstance(field, dict):
                total += len(field.get("name") or "") + len(field.get("value") or "")
        total += len((embed.get("footer") or {}).get("text") or "")
        total += len((embed.get("author") or {}).get("name") or "")
    return total


def _check_message(body: JSON, path: str, *, creating: bool, channel: bool = False) -> list[str]:
    errors = []
    content = body.get("content")
    # The spec allows 4000 on channel messages (Nitro users); bots get 2000, as on webhooks.
    if isinstance(content, str) and len(content) > MAX_CONTENT and channel:
        errors.append(f"{path}.content: {len(content)} characters, more than {MAX_CONTENT}")
    embeds = body.get("embeds") or []
    chars = embed_chars(embeds)
    if chars > MAX_EMBED_CHARS:
        errors.append(f"{path}.embeds: {chars} characters across all embeds, more than 6000")
    components = body.get("components") or []
    errors += _check_components(components, int(body.get("flags") or 0), f"{path}.components")
    if creating and not any(
        body.get(k)
        for k in ("content", "embeds", "components", "attachments", "poll", "sticker_ids")
    ):
        errors.append(f"{path}: cannot send an empty message")
    mentions = body.get("allowed_mentions")
    if mentions is None:
        if creating:
            errors.append(f"{path}.allowed_mentions: missing; every message must ping no one")
    elif not isinstance(mentions, dict):
        errors.append(f"{path}.allowed_mentions: expected an object, got {mentions!r}")
    else:
        pings = [
            f"parse={mentions['parse']}" if mentions.get("parse") else "",
            f"users={mentions['users']}" if mentions.get("users") else "",
            f"roles={mentions['roles']}" if mentions.get("roles") else "",
            "replied_user=true" if mentions.get("replied_user") else "",
        ]
        if any(pings):
            got = ", ".join(p for p in pings if p)
            errors.append(f"{path}.allowed_mentions: must ping no one, got {got}")
    return errors


def _check_components(components: list[Any], flags: int, path: str) -> list[str]:
    errors = _unique_custom_ids(components, path)
    if flags & IS_COMPONENTS_V2:
        return errors
    if len(components) > 5:
        errors.append(f"{path}: {len(components)} action rows, more than 5")
    for i, row in enumerate(components):
        if isinstance(row, dict) and row.get("type") != 1:
            errors.append(f"{path}[{i}]: top-level components must be action rows")
    return errors


def _custom_ids(components: Any) -> list[str]:
    found: list[str] = []
    if isinstance(components, list):
        for comp in components:
            found += _custom_ids(comp)
    elif isinstance(components, dict):
        if isinstance(components.get("custom_id"), str):
            found.append(components["custom_id"])
        for key in ("components", "accessory", "component"):
            found += _custom_ids(components.get(key))
    return found


def _unique_custom_ids(components: list[Any], path: str) -> list[str]:
    ids = _custom_ids(components)
    dupes = sorted({c for c in ids if ids.count(c) > 1})
    return [f"{path}: duplicate custom_id {d!r}" for d in dupes]


# --- application commands --------------------------------------------------------------------


def valid_name_char(c: str) -> bool:
    """Approximates ``[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]``."""
    if c in "-_'" or c.isalnum():
        return True
    # Devanagari and Thai combining marks (vowel signs, viramas) are not alnum but allowed.
    return ("\u0900" <= c <= "\u097f" or "\u0e00" <= c <= "\u0e7f") and unicodedata.category(
        c
    ).startswith("M")


def check_name(name: Any, path: str, *, chat_input: bool = True) -> list[str]:
    """The command-name regex and lowercase rule (its 1-32 length comes from the spec)."""
    if not isinstance(name, str) or not chat_input:
        return []
    errors = []
    bad = sorted({c for c in name if not valid_name_char(c)})
    if bad:
        errors.append(f"{path}: {name!r} has characters outside the command-name regex: {bad}")
    if any(c.lower() != c for c in name):
        errors.append(f"{path}: {name!r} must be lowercase")
    return errors


def _check_described(item: JSON, path: str, *, chat_input: bool = True) -> list[str]:
    errors = check_name(item.get("name"), f"{path}.name", chat_input=chat_input)
    for locale, local in (item.get("name_localizations") or {}).items():
        errors += check_name(local, f"{path}.name_localizations.{locale}", chat_input=chat_input)
    desc = item.get("description")
    if chat_input and not desc:  # the spec sets no minLength on a command's description
        errors.append(f"{path}.description: a chat-input command needs a description")
    if not chat_input and desc:
        errors.append(f"{path}.description: must be empty for user/message commands")
    return errors


def command_chars(item: JSON) -> int:
    """Characters counted towards the 8000 limit: names, descriptions and choices, recursively."""
    total = len(item.get("name") or "") + len(item.get("description") or "")
    for choice in item.get("choices") or []:
        total += len(str(choice.get("name", ""))) + len(str(choice.get("value", "")))
    for option in item.get("options") or []:
        total += command_chars(option)
    return total


def _check_options(options: list[Any], path: str, depth: int) -> list[str]:
    errors = []
    names = [o.get("name") for o in options if isinstance(o, dict)]
    errors += [
        f"{path}: duplicate option name {n!r}"
        for n in sorted({str(n) for n in names if names.count(n) > 1})
    ]
    kinds = [o.get("type") for o in options if isinstance(o, dict)]
    if any(k in SUBCOMMAND_TYPES for k in kinds) and any(k not in SUBCOMMAND_TYPES for k in kinds):
        errors.append(f"{path}: subcommands cannot be mixed with other options")
    seen_optional = False
    for i, opt in enumerate(options):
        if not isinstance(opt, dict):
            continue
        where = f"{path}[{i}]"
        errors += _check_described(opt, where)
        if opt.get("type") in SUBCOMMAND_TYPES:
            if (opt.get("type") == 2 and depth > 0) or (opt.get("type") == 1 and depth > 1):
                errors.append(f"{where}: subcommands nest at most group -> subcommand")
            errors += _check_options(opt.get("options") or [], f"{where}.options", depth + 1)
            continue
        if opt.get("required"):
            if seen_optional:
                errors.append(f"{where}: required option {opt.get('name')!r} after an optional one")
        else:
            seen_optional = True
        choices = opt.get("choices") or []
        errors += _check_choices(choices, f"{where}.choices")
        if choices and opt.get("autocomplete"):
            errors.append(f"{where}: autocomplete cannot be combined with choices")
    return errors


def _check_command(cmd: JSON, path: str) -> list[str]:
    chat_input = (cmd.get("type") or 1) == 1
    errors = _check_described(cmd, path, chat_input=chat_input)
    errors += _check_options(cmd.get("options") or [], f"{path}.options", 0)
    chars = command_chars(cmd)
    if chars > MAX_COMMAND_CHARS:
        errors.append(f"{path}: {chars} characters in names/descriptions/choices, more than 8000")
    return errors


def _check_commands(body: Any) -> list[str]:
    if not isinstance(body, list):
        return []
    errors = []
    for i, cmd in enumerate(body):
        if isinstance(cmd, dict):
            errors += _check_command(cmd, f"$[{i}]")
    keys = [(c.get("type") or 1, c.get("name")) for c in body if isinstance(c, dict)]
    for kind, name in sorted({k for k in keys if keys.count(k) > 1}, key=str):
        errors.append(f"$: duplicate command {name!r} of type {kind}")
    for kind, most in MAX_COMMANDS_PER_TYPE.items():
        count = sum(1 for k, _ in keys if k == kind)
        if count > most:
            errors.append(f"$: {count} commands of type {kind}, more than {most}")
    return errors
