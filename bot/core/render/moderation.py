"""Moderation answers -> message payloads: confirmations, histories, the audit log, review
cards, and refusals that show the form's text back so nothing typed is lost."""

from __future__ import annotations

from typing import Any

from bot.core.drafts import LABELS, Draft
from bot.core.errors import BotError
from bot.core.models import Fact, Quote
from bot.core.moderation_answers import (
    AuditPage,
    Decided,
    EntryRef,
    History,
    ReviewCard,
    Saved,
    Suggested,
    Visibility,
)
from bot.core.records import AuditRecord, EntryVersion, Suggestion
from bot.core.render import render_error
from bot.core.render.answers import ERROR_RED, QUOTE_GOLD, SCO_BLUE
from bot.core.render.corrections import (
    render_correction_card,
    render_correction_decided,
    render_correction_notice,
)
from bot.core.render.embeds import (
    ALLOWED_MENTIONS_NONE,
    LIMITS,
    Item,
    Reply,
    citations_text,
    embed_length,
    inert,
    paginate,
    provenance_line,
    truncate,
)

__all__ = [
    "render_decided",
    "render_form_problem",
    "render_history",
    "render_log",
    "render_moderator_role",
    "render_notice",
    "render_review",
    "render_saved",
    "render_suggested",
    "render_visibility",
]

GREEN = 0x2E8B57
_VERBS = {
    "add": "added",
    "edit": "edited",
    "retire": "retired",
    "restore": "restored",
    "approve": "approved from a suggestion",
}


def _private(pages: list[dict[str, Any]]) -> Reply:
    return Reply(pages, ephemeral=True)


def _when(version: EntryVersion | AuditRecord) -> str:
    return f"{version.at:%Y-%m-%d %H:%M} UTC"


def _entry_item(entry: Fact | Quote, label: str) -> Item:
    body = inert(entry.text)
    if isinstance(entry, Quote):
        kind = "direct quote" if entry.kind == "direct" else "reported statement"
        body = f"**{inert(entry.person)}** · {kind}\n{body}"
    else:
        links = [*entry.countries, *(str(y) for y in entry.summits), *entry.people, *entry.topics]
        if links:
            body += "\n*Links:* " + inert(", ".join(links))
    excerpt = "> " + inert(truncate(entry.citations[0].excerpt, 300)).replace("\n", " ")
    cited = citations_text(entry.citations, {}, 400)
    added = provenance_line(entry.added)
    return Item(label, body, f"{excerpt}\n{cited}" + (f"\n{added}" if added else ""))


def render_saved(saved: Saved) -> Reply:
    v = saved.version
    desc = (
        f"{saved.ref.kind.value.title()} `{saved.ref.key}` {_VERBS[v.action]}: version "
        f"{v.version}. It is in this server's answers now (`/search`, `/fact`...), marked as "
        "added by its moderators; no other server sees it."
    )
    if saved.new_person is not None:
        desc += f"\nNew speaker added: {inert(saved.new_person.name)} (`{saved.new_person.slug}`)."
    items = [_entry_item(saved.entry, f"{saved.ref.key} · v{v.version}")]
    return _private(paginate("Saved", desc, items, color=GREEN, footer=f"/entry · {v.action}"))


def render_visibility(result: Visibility) -> Reply:
    ref, key = result.ref, f"`{result.ref.key}`"
    if ref.curated and not result.shown:
        desc = (
            f"Curated {ref.kind.value} {key} is hidden in this server now; other servers still "
            f"see it. `/entry restore {ref.key}` shows it again."
        )
    elif ref.curated:
        desc = f"Curated {ref.kind.value} {key} is shown in this server again."
    elif not result.shown:
        number = result.version.version if result.version else "?"
        desc = (
            f"{key} is retired (version {number}) and gone from this server's answers. "
            f"Nothing is deleted: `/entry restore {ref.key}` brings it back."
        )
    else:
        desc = f"{key} is restored."
    if result.reason:
        desc += f"\nReason: {inert(result.reason)}"
    return _private(paginate("Done", desc, [], color=GREEN))


def render_suggested(result: Suggested) -> Reply:
    s = result.suggestion
    desc = (
        f"Thank you: suggestion #{s.number} is waiting for a moderator's review "
        f"({result.pending} waiting in all). I'll send you a direct message with the outcome "
        "if your DMs are open."
    )
    if s.duplicate_of:
        desc += f"\nNoted for the reviewer: it is close to entry `{inert(s.duplicate_of)}`."
    return _private(paginate("Suggestion received", desc, [], color=GREEN))


def _version_item(v: EntryVersion) -> Item:
    name = f"v{v.version} · {v.action} · {v.actor.name} · {_when(v)}"
    text = str(v.data.get("text") or v.data.get("name") or "")
    body = inert(truncate(text, 700)) if v.status == "active" else "*(retired)*"
    why = f"Why: {inert(v.reason)}" if v.reason else "Why: no reason given"
    if v.suggested_by:
        why += f" · suggested by {inert(v.suggested_by.name)}"
    return Item(name, body, why)


def _audit_item(r: AuditRecord) -> Item:
    what = f" {r.kind.value} `{r.key}`" if r.kind and r.key else ""
    version = f" v{r.version}" if r.version else ""
    name = f"{_when(r)} · {r.action}"
    body = f"**{inert(r.actor.name)}**{what}{version}"
    return Item(name, body + (f"\n{inert(r.detail)}" if r.detail else ""))


def render_history(history: History) -> Reply:
    ref = history.ref
    if ref.curated:
        state = (
            f"hidden in this server since {history.hidden.at:%Y-%m-%d} by "
            f"{inert(history.hidden.actor.name)}: {inert(history.hidden.reason)}"
            if history.hidden
            else "shown in this server"
        )
        desc = f"A curated {ref.kind.value}, shared by every server and not editable here; {state}."
        items = [_audit_item(r) for r in history.events]
    else:
        head = history.versions[-1]
        desc = (
            f"{len(history.versions)} version(s); version {head.version} is in force"
            + (" (retired)" if head.status == "retired" else "")
            + f". `/entry restore {ref.key} version:N` brings any version back."
        )
        items = [_version_item(v) for v in reversed(history.versions)]
    title = f"History of {ref.key}: {truncate(history.title, 120)}"
    return _private(paginate(title, desc, items, color=SCO_BLUE, footer="/entry history"))


def render_log(page: AuditPage) -> Reply:
    shown = len(page.records)
    desc = (
        f"Every moderation step in this server, newest first ({shown} of {page.total} shown)."
        if page.records
        else "Nothing has been added, changed or suggested in this server yet."
    )
    items = [_audit_item(r) for r in page.records]
    return _private(paginate("Audit log", desc, items, color=SCO_BLUE, footer="/entry log"))


def _suggestion_body(s: Suggestion) -> tuple[str, str]:
    data = s.data
    body = inert(str(data.get("text", "")))
    if s.kind.value == "quote":
        who = (s.new_person or {}).get("name") or data.get("person", "")
        new = " (new person)" if s.new_person else ""
        body = f"**{inert(str(who))}**{new} · {data.get('kind', '')}\n{body}"
    citation = (data.get("citations") or [{}])[0]
    excerpt = "> " + inert(truncate(str(citation.get("excerpt", "")), 400))
    return body, f"{excerpt}\nSource: {inert(str(citation.get('source', '')))}"


def render_review(card: ReviewCard) -> Reply:
    s = card.suggestion
    if s.is_correction:
        return render_correction_card(card)
    body, cited = _suggestion_body(s)
    desc = (
        f"Suggestion #{s.number} ({card.index + 1} of {card.total} waiting), a {s.kind.value} by "
        f"{inert(s.author.name)}, {s.at:%Y-%m-%d %H:%M} UTC."
    )
    if s.duplicate_of:
        desc += f"\n⚠ Close to existing entry `{inert(s.duplicate_of)}`; the author confirmed it."
    items = [Item("Suggested", body, cited)]
    return _private(paginate("Review", desc, items, color=QUOTE_GOLD, footer="/entry review"))


def render_decided(decided: Decided, *, notified: bool | None = None) -> Reply:
    s = decided.suggestion
    if s.is_correction:
        return render_correction_decided(decided, notified=notified)
    if decided.saved is not None:
        desc = f"Suggestion #{s.number} approved: it is entry `{decided.saved.ref.key}` now."
    else:
        desc = f"Suggestion #{s.number} rejected. Reason: {inert(s.reason)}"
    if notified is True:
        desc += f"\n{inert(s.author.name)} was told by direct message."
    elif notified is False:
        desc += f"\n{inert(s.author.name)} could not be told (their DMs are closed)."
    return _private(paginate("Decided", desc, [], color=GREEN))


def render_notice(decided: Decided, server: str) -> Reply:
    """The direct message telling a suggester the outcome."""
    s = decided.suggestion
    if s.is_correction:
        return render_correction_notice(decided, server)
    if decided.saved is not None:
        text = (
            f"Your suggestion #{s.number} in {inert(server)} was approved: it is entry "
            f"`{decided.saved.ref.key}` now. Thank you!"
        )
    else:
        text = (
            f"Your suggestion #{s.number} in {inert(server)} was not accepted. "
            f"The moderator's reason: {inert(s.reason)}"
        )
    page = {"content": truncate(text, LIMITS.content), "embeds": []}
    return Reply([{**page, "allowed_mentions": ALLOWED_MENTIONS_NONE}])


def render_moderator_role(role_id: int | None, *, changed: bool) -> Reply:
    if role_id is None:
        desc = "No moderator role is set: members with Manage Server moderate."
    else:
        desc = (
            f"Moderators: members with Manage Server and members with the role <@&{role_id}>.\n"
            "Discord shows `/entry` only to members with Manage Server until you allow the "
            "role too: Server Settings → Integrations → this bot → `/entry`."
        )
    title = "Moderator role set" if changed else "Moderator role"
    return _private(paginate(title, desc, [], color=GREEN))


def render_form_problem(error: BotError, draft: Draft, *, ref: EntryRef | None = None) -> Reply:
    """A refusal of the form, with every field as typed, so nothing is lost."""
    reply = render_error(error)
    embed = reply.pages[0]["embeds"][0]
    embed["description"] = truncate(embed["description"], 1500)
    fields = list(embed.get("fields", []))
    budget = LIMITS.page_budget - embed_length(embed) - 100
    for name, value in draft.fields():
        if value.strip():
            label = f"You typed: {LABELS[name]}"
            room = min(LIMITS.field_value, budget - len(label))
            if room < 20:
                break
            shown = truncate(inert(value), room)
            fields.append({"name": label, "value": shown, "inline": False})
            budget -= len(label) + len(shown)
    embed["fields"] = fields[: LIMITS.fields]
    embed["color"] = ERROR_RED
    if ref is not None:
        embed["footer"] = {"text": f"{ref.kind.value} {ref.key}"}
    return reply
