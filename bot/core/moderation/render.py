"""Moderation answers -> message payloads: confirmations, histories, the audit log, review
cards, and refusals that show the form's text back so nothing typed is lost."""

from __future__ import annotations

from typing import Any

from bot.core.errors import BotError
from bot.core.i18n import N_, _, ngettext
from bot.core.models import Fact, Quote
from bot.core.moderation.answers import (
    AuditPage,
    Decided,
    EntryRef,
    History,
    ReviewCard,
    Saved,
    Suggested,
    Visibility,
)
from bot.core.moderation.drafts import LABELS, Draft
from bot.core.moderation.render_corrections import (
    render_correction_card,
    render_correction_decided,
    render_correction_notice,
)
from bot.core.records import AuditRecord, EntryVersion, Suggestion
from bot.core.render import render_error
from bot.core.render.answers import ERROR_RED, QUOTE_GOLD, SCO_BLUE
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
    "add": N_("added"),
    "edit": N_("edited"),
    "retire": N_("retired"),
    "restore": N_("restored"),
    "approve": N_("approved from a suggestion"),
}
_KINDS = {"fact": N_("fact"), "quote": N_("quote")}


def _kind(value: str) -> str:
    """``fact`` or ``quote`` in the reader's language."""
    return _(_KINDS[value]) if value in _KINDS else value


def _private(pages: list[dict[str, Any]]) -> Reply:
    return Reply(pages, ephemeral=True)


def _when(version: EntryVersion | AuditRecord) -> str:
    return f"{version.at:%Y-%m-%d %H:%M} UTC"


def _entry_item(entry: Fact | Quote, label: str) -> Item:
    body = inert(entry.text)
    if isinstance(entry, Quote):
        kind = _("direct quote") if entry.kind == "direct" else _("reported statement")
        body = f"**{inert(entry.person)}** · {kind}\n{body}"
    else:
        links = [*entry.countries, *(str(y) for y in entry.summits), *entry.people, *entry.topics]
        if links:
            body += "\n*" + _("Links:") + "* " + inert(", ".join(links))
    excerpt = "> " + inert(truncate(entry.citations[0].excerpt, 300)).replace("\n", " ")
    cited = citations_text(entry.citations, {}, 400)
    added = provenance_line(entry.added)
    return Item(label, body, f"{excerpt}\n{cited}" + (f"\n{added}" if added else ""))


def render_saved(saved: Saved) -> Reply:
    v = saved.version
    desc = _(
        "{kind} `{key}` {done}: version {version}. It is in this server's answers now "
        "(`/search`, `/fact`...), marked as added by its moderators; no other server sees it."
    ).format(
        kind=_kind(saved.ref.kind.value).capitalize(),
        key=saved.ref.key,
        done=_(_VERBS[v.action]),
        version=v.version,
    )
    if saved.new_person is not None:
        desc += "\n" + _("New speaker added: {name} (`{slug}`).").format(
            name=inert(saved.new_person.name), slug=saved.new_person.slug
        )
    items = [_entry_item(saved.entry, f"{saved.ref.key} · v{v.version}")]
    return _private(paginate(_("Saved"), desc, items, color=GREEN, footer=f"/entry · {v.action}"))


def render_visibility(result: Visibility) -> Reply:
    ref, key = result.ref, f"`{result.ref.key}`"
    if ref.curated and not result.shown:
        desc = _(
            "Curated {kind} {key} is hidden in this server now; other servers still "
            "see it. `/entry restore {id}` shows it again."
        ).format(kind=_kind(ref.kind.value), key=key, id=ref.key)
    elif ref.curated:
        desc = _("Curated {kind} {key} is shown in this server again.").format(
            kind=_kind(ref.kind.value), key=key
        )
    elif not result.shown:
        number = result.version.version if result.version else "?"
        desc = _(
            "{key} is retired (version {version}) and gone from this server's answers. "
            "Nothing is deleted: `/entry restore {id}` brings it back."
        ).format(key=key, version=number, id=ref.key)
    else:
        desc = _("{key} is restored.").format(key=key)
    if result.reason:
        desc += "\n" + _("Reason: {reason}").format(reason=inert(result.reason))
    return _private(paginate(_("Done"), desc, [], color=GREEN))


def render_suggested(result: Suggested) -> Reply:
    s = result.suggestion
    desc = _(
        "Thank you: suggestion #{number} is waiting for a moderator's review "
        "({pending} waiting in all). I'll send you a direct message with the outcome "
        "if your DMs are open."
    ).format(number=s.number, pending=result.pending)
    if s.duplicate_of:
        desc += "\n" + _("Noted for the reviewer: it is close to entry `{key}`.").format(
            key=inert(s.duplicate_of)
        )
    return _private(paginate(_("Suggestion received"), desc, [], color=GREEN))


def _version_item(v: EntryVersion) -> Item:
    name = f"v{v.version} · {v.action} · {v.actor.name} · {_when(v)}"
    text = str(v.data.get("text") or v.data.get("name") or "")
    body = inert(truncate(text, 700)) if v.status == "active" else "*" + _("(retired)") + "*"
    why = (
        _("Why: {reason}").format(reason=inert(v.reason)) if v.reason else _("Why: no reason given")
    )
    if v.suggested_by:
        why += " · " + _("suggested by {who}").format(who=inert(v.suggested_by.name))
    return Item(name, body, why)


def _audit_item(r: AuditRecord) -> Item:
    what = f" {_kind(r.kind.value)} `{r.key}`" if r.kind and r.key else ""
    version = f" v{r.version}" if r.version else ""
    name = f"{_when(r)} · {r.action}"
    body = f"**{inert(r.actor.name)}**{what}{version}"
    return Item(name, body + (f"\n{inert(r.detail)}" if r.detail else ""))


def render_history(history: History) -> Reply:
    ref = history.ref
    if ref.curated:
        state = (
            _("hidden in this server since {date} by {who}: {reason}").format(
                date=f"{history.hidden.at:%Y-%m-%d}",
                who=inert(history.hidden.actor.name),
                reason=inert(history.hidden.reason),
            )
            if history.hidden
            else _("shown in this server")
        )
        desc = _("A curated {kind}, shared by every server and not editable here; {state}.").format(
            kind=_kind(ref.kind.value), state=state
        )
        items = [_audit_item(r) for r in history.events]
    else:
        head = history.versions[-1]
        desc = (
            ngettext("%(num)s version", "%(num)s versions", len(history.versions))
            + "; "
            + _("version {version} is in force").format(version=head.version)
            + (" " + _("(retired)") if head.status == "retired" else "")
            + ". "
            + _("`/entry restore {id} version:N` brings any version back.").format(id=ref.key)
        )
        items = [_version_item(v) for v in reversed(history.versions)]
    title = _("History of {key}: {title}").format(key=ref.key, title=truncate(history.title, 120))
    return _private(paginate(title, desc, items, color=SCO_BLUE, footer="/entry history"))


def render_log(page: AuditPage) -> Reply:
    shown = len(page.records)
    desc = (
        _("Every moderation step in this server, newest first ({shown} of {total} shown).").format(
            shown=shown, total=page.total
        )
        if page.records
        else _("Nothing has been added, changed or suggested in this server yet.")
    )
    items = [_audit_item(r) for r in page.records]
    return _private(paginate(_("Audit log"), desc, items, color=SCO_BLUE, footer="/entry log"))


def _suggestion_body(s: Suggestion) -> tuple[str, str]:
    data = s.data
    body = inert(str(data.get("text", "")))
    if s.kind.value == "quote":
        who = (s.new_person or {}).get("name") or data.get("person", "")
        new = " " + _("(new person)") if s.new_person else ""
        body = f"**{inert(str(who))}**{new} · {data.get('kind', '')}\n{body}"
    citation = (data.get("citations") or [{}])[0]
    excerpt = "> " + inert(truncate(str(citation.get("excerpt", "")), 400))
    source = _("Source: {label}").format(label=inert(str(citation.get("source", ""))))
    return body, f"{excerpt}\n{source}"


def render_review(card: ReviewCard) -> Reply:
    s = card.suggestion
    if s.is_correction:
        return render_correction_card(card)
    body, cited = _suggestion_body(s)
    desc = _(
        "Suggestion #{number} ({index} of {total} waiting), a {kind} by {who}, {when} UTC."
    ).format(
        number=s.number,
        index=card.index + 1,
        total=card.total,
        kind=_kind(s.kind.value),
        who=inert(s.author.name),
        when=f"{s.at:%Y-%m-%d %H:%M}",
    )
    if s.duplicate_of:
        desc += "\n⚠ " + _("Close to existing entry `{key}`; the author confirmed it.").format(
            key=inert(s.duplicate_of)
        )
    items = [Item(_("Suggested"), body, cited)]
    return _private(paginate(_("Review"), desc, items, color=QUOTE_GOLD, footer="/entry review"))


def render_decided(decided: Decided, *, notified: bool | None = None) -> Reply:
    s = decided.suggestion
    if s.is_correction:
        return render_correction_decided(decided, notified=notified)
    if decided.saved is not None:
        desc = _("Suggestion #{number} approved: it is entry `{key}` now.").format(
            number=s.number, key=decided.saved.ref.key
        )
    else:
        desc = _("Suggestion #{number} rejected. Reason: {reason}").format(
            number=s.number, reason=inert(s.reason)
        )
    if notified is True:
        desc += "\n" + _("{who} was told by direct message.").format(who=inert(s.author.name))
    elif notified is False:
        desc += "\n" + _("{who} could not be told (their DMs are closed).").format(
            who=inert(s.author.name)
        )
    return _private(paginate(_("Decided"), desc, [], color=GREEN))


def render_notice(decided: Decided, server: str) -> Reply:
    """The direct message telling a suggester the outcome."""
    s = decided.suggestion
    if s.is_correction:
        return render_correction_notice(decided, server)
    if decided.saved is not None:
        text = _(
            "Your suggestion #{number} in {server} was approved: it is entry `{key}` now. "
            "Thank you!"
        ).format(number=s.number, server=inert(server), key=decided.saved.ref.key)
    else:
        text = _(
            "Your suggestion #{number} in {server} was not accepted. "
            "The moderator's reason: {reason}"
        ).format(number=s.number, server=inert(server), reason=inert(s.reason))
    page = {"content": truncate(text, LIMITS.content), "embeds": []}
    return Reply([{**page, "allowed_mentions": ALLOWED_MENTIONS_NONE}])


def render_moderator_role(role_id: int | None, *, changed: bool) -> Reply:
    if role_id is None:
        desc = _("No moderator role is set: members with Manage Server moderate.")
    else:
        desc = (
            _("Moderators: members with Manage Server and members with the role {role}.").format(
                role=f"<@&{role_id}>"
            )
            + "\n"
            + _(
                "Discord shows `/entry` only to members with Manage Server until you allow the "
                "role too: Server Settings → Integrations → this bot → `/entry`."
            )
        )
    title = _("Moderator role set") if changed else _("Moderator role")
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
            label = _("You typed: {field}").format(field=_(LABELS[name]))
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
