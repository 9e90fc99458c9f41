"""The plumbing shared by the moderation services: versions -> documents, entry ids ->
entries, near-duplicate detection, and writing a new server entry under the next free key.

A server's entry is a list of ``EntryVersion``s; the latest active one is also written as a
``Document`` of that server (``document_of``), stamped with its provenance, so the read path
(``Store``) serves it like any other entry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pydantic import BaseModel
from rapidfuzz import fuzz, process

from bot.core.documents import to_document
from bot.core.errors import Conflict, Invalid, NearDuplicate, NotFound
from bot.core.i18n import N_, _
from bot.core.lookup import Candidate, best_matches, normalise, search_terms
from bot.core.models import MODEL_BY_KIND, Document, Fact, Kind, Provenance, Quote
from bot.core.moderation._build import build
from bot.core.moderation.answers import EntryRef, Saved
from bot.core.moderation.drafts import ENTRY_KINDS, Built, Draft, control_problem
from bot.core.permissions import Permissions
from bot.core.ports import Clock, Store
from bot.core.ports_moderation import EntryChange, ModerationStore
from bot.core.records import (
    Actor,
    AuditRecord,
    EntryStatus,
    EntryVersion,
    Suggestion,
    VersionAction,
)

__all__ = [
    "DUPLICATE_SCORE",
    "MAX_REASON",
    "EntryServiceBase",
    "document_of",
    "entry_of",
    "reason_text",
]


DUPLICATE_SCORE = 90.0
DUPLICATE_SCAN = 5_000
MAX_REASON = 300
_KEY_ATTEMPTS = 5
PENDING_KEY = "pending"  # the id a new entry is validated under until its number is known


def entry_of(version: EntryVersion) -> BaseModel:
    return MODEL_BY_KIND[version.kind].model_validate(version.data)


def document_of(versions: Sequence[EntryVersion]) -> Document | None:
    """The document serving the latest of ``versions`` (one entry's, oldest first), stamped
    with who added it and when; None when it is retired."""
    head, first = versions[-1], versions[0]
    if head.status is EntryStatus.RETIRED:
        return None
    changed = head.version > 1
    provenance = Provenance(
        added_by=first.actor.name,
        added_by_id=first.actor.id,
        added_at=first.at,
        version=head.version,
        changed_by=head.actor.name if changed else None,
        changed_at=head.at if changed else None,
        suggested_by=first.suggested_by.name if first.suggested_by else None,
    )
    entry = MODEL_BY_KIND[head.kind].model_validate({**head.data, "added": provenance})
    return to_document(entry, head.guild_id)


def reason_text(text: str | None, *, required: bool) -> str:
    value = " ".join((text or "").split())
    control = control_problem(value)
    if control is not None:
        raise Invalid(_("The reason {problem}.").format(problem=control))
    if required and not value:
        raise Invalid(N_("Give a reason; it is kept in the entry's history and the audit log."))
    if len(value) > MAX_REASON:
        raise Invalid(
            _("The reason is {length} characters long; keep it under {limit}.").format(
                length=len(value), limit=MAX_REASON
            )
        )
    return value


class EntryServiceBase:
    """What every moderation service shares: the stores, the permission check, the clock, and
    the plumbing of versions, documents and audit lines."""

    def __init__(
        self,
        store: Store,
        moderation: ModerationStore,
        *,
        clock: Clock,
        permissions: Permissions | None = None,
    ) -> None:
        self.store = store
        self.mods = moderation
        self.permissions = permissions or Permissions(moderation)
        self.clock = clock

    # -- helpers -----------------------------------------------------------------------------

    def audit(
        self,
        guild: int,
        actor: Actor,
        action: str,
        ref: EntryRef | None = None,
        version: int | None = None,
        detail: str = "",
    ) -> AuditRecord:
        return AuditRecord(
            guild_id=guild,
            at=self.clock.now(),
            actor=actor,
            action=action,
            kind=ref.kind if ref else None,
            key=ref.key if ref else None,
            version=version,
            detail=detail,
        )

    async def locate(self, guild: int, ident: str) -> tuple[EntryRef, list[EntryVersion]]:
        """The entry ``ident`` names (``s3``, a curated id, or ``quote:<id>``) and, for a
        server's own entry, its versions."""
        text = ident.strip()
        control = control_problem(text)
        if control is not None:
            raise Invalid(
                _("The entry id {problem}.").format(problem=control),
                hint=N_("Entry ids look like s3."),
            )
        kind_text, colon, key = text.partition(":")
        kinds: Sequence[Kind] = ENTRY_KINDS
        if colon and kind_text.strip().casefold() in ("fact", "quote", "person"):
            kinds, text = (Kind(kind_text.strip().casefold()),), key.strip()
        key = text.casefold()
        if not key:
            raise Invalid(N_("Give an entry id, e.g. s3 or a curated fact's id."))
        heads = await self.mods.heads(guild, key=key)
        own = [h for h in heads if h.kind in kinds or not colon]  # a server's speakers too
        found = [EntryRef(h.kind, h.key, False) for h in own]
        for kind in kinds:
            if kind in ENTRY_KINDS and await self.store.get(kind, key) is not None:
                found.append(EntryRef(kind, key, True))
        if len(found) > 1:
            raise NotFound(
                _("Several entries have the id “{key}”.").format(key=key),
                suggestions=[f"{r.kind.value}:{r.key}" for r in found],
            )
        if not found:
            candidates = [Candidate(h.key, h.key) for h in await self.mods.heads(guild)]
            nearby = [c.key for c in best_matches(key, candidates, limit=5)]
            if not nearby:  # nothing alike: the newest of the server's own entries
                newest = sorted(candidates, key=lambda c: (len(c.key), c.key), reverse=True)
                nearby = [c.key for c in newest[:5]]
            raise NotFound(
                _("No entry with the id “{key}” exists here.").format(key=key[:80]),
                suggestions=nearby,
                hint=N_("Server entries are numbered s1, s2...; `/entry log` lists recent ones."),
            )
        ref = found[0]
        versions = [] if ref.curated else await self.mods.versions(guild, ref.kind, ref.key)
        return ref, versions

    async def near_duplicate(
        self, guild: int, entry: Fact | Quote, *, exclude: str | None = None
    ) -> NearDuplicate | None:
        """The closest existing entry of the same kind this server sees, if it is nearly the
        same text (rapidfuzz token-sort ratio at least ``DUPLICATE_SCORE``). Up to
        ``DUPLICATE_SCAN`` entries every one is compared; past that, the candidates are the
        full-text matches of pairs of the text's longest words (a near-duplicate shares most
        of its words), so adding stays fast on a store of 100,000 facts."""
        kind = Kind.FACT if isinstance(entry, Fact) else Kind.QUOTE
        if await self.store.count(kind, guild) <= DUPLICATE_SCAN:
            docs = await self.store.list(kind, guild, limit=DUPLICATE_SCAN)
        else:
            words = sorted(set(search_terms(entry.text)), key=lambda w: (-len(w), w))[:6]
            found: dict[str, Document] = {}
            for pair in zip(words[::2], words[1::2], strict=False):
                page = await self.store.search(list(pair), guild, kinds=[kind], limit=100)
                found.update((d.key, d) for d in page.hits)
            docs = list(found.values())
        pairs = [(d.key, str(d.data.get("text", ""))) for d in docs if d.key != exclude]
        if not pairs:
            return None
        best = process.extractOne(
            normalise(entry.text),
            [normalise(text) for _key, text in pairs],
            scorer=fuzz.token_sort_ratio,
            score_cutoff=DUPLICATE_SCORE,
        )
        if best is None:
            return None
        key, text = pairs[best[2]]
        return NearDuplicate(
            _("This is very close to {kind} {key}, {score}% alike: “{text}”").format(
                kind=kind.value, key=key, score=f"{best[1]:.0f}", text=text[:300]
            ),
            key=key,
            text=text,
            score=float(best[1]),
        )

    def new_version(
        self,
        guild: int,
        entry: BaseModel,
        *,
        kind: Kind,
        key: str,
        number: int,
        status: EntryStatus,
        action: VersionAction,
        actor: Actor,
        reason: str,
        suggested_by: Actor | None = None,
    ) -> EntryVersion:
        return EntryVersion(
            guild_id=guild,
            kind=kind,
            key=key,
            version=number,
            status=status,
            data=entry.model_dump(mode="json", exclude={"added"}),
            action=action,
            actor=actor,
            reason=reason,
            at=self.clock.now(),
            suggested_by=suggested_by,
        )

    async def create(
        self,
        guild: int,
        draft: Draft | None,
        actor: Actor,
        *,
        action: VersionAction,
        reason: str = "",
        confirm: bool = False,
        prebuilt: Callable[[str], Built] | None = None,
        suggested_by: Actor | None = None,
        decided: Callable[[str], Suggestion] | None = None,
    ) -> Saved:
        """A new server entry ``s<n>``, with its new speaker if any. The number is allocated
        inside the write (``ModerationStore.commit_new``), so moderators adding at once each
        get their own; a ``Conflict`` (a new speaker's slug taken meanwhile) is retried with
        the form built again. ``decided`` gives the suggestion that leaves the queue with it,
        given the key; then a ``Conflict`` is raised to the caller, who knows whether the
        suggestion was stale."""
        for attempt in range(_KEY_ATTEMPTS):
            if prebuilt is not None:
                built = prebuilt(PENDING_KEY)
            else:
                assert draft is not None
                built = await build(self.store, guild, draft, key=PENDING_KEY)
            if not confirm:
                duplicate = await self.near_duplicate(guild, built.entry)
                if duplicate is not None:
                    raise duplicate
            kind = Kind.FACT if isinstance(built.entry, Fact) else Kind.QUOTE

            def make(number: int, built: Built = built, kind: Kind = kind) -> EntryChange:
                return self._new_entry(
                    guild, built, kind, f"s{number}", actor, action, reason, suggested_by, decided
                )

            try:
                change = await self.mods.commit_new(guild, make)
            except Conflict:
                if decided is not None or attempt == _KEY_ATTEMPTS - 1:
                    raise
                continue  # a new speaker's slug was taken meanwhile: build the form again
            head = change.versions[-1]
            entry = built.entry.model_copy(update={"id": head.key})
            return Saved(EntryRef(kind, head.key, False), head, entry, built.new_person)
        raise AssertionError("unreachable")

    def _new_entry(
        self,
        guild: int,
        built: Built,
        kind: Kind,
        key: str,
        actor: Actor,
        action: VersionAction,
        reason: str,
        suggested_by: Actor | None,
        decided: Callable[[str], Suggestion] | None,
    ) -> EntryChange:
        """The change adding ``built`` as entry ``key`` (and its new speaker, if any)."""
        versions: list[EntryVersion] = []
        audit: list[AuditRecord] = []
        if built.new_person is not None:
            person_ref = EntryRef(Kind.PERSON, built.new_person.slug, False)
            versions.append(
                self.new_version(
                    guild,
                    built.new_person,
                    kind=Kind.PERSON,
                    key=person_ref.key,
                    number=1,
                    status=EntryStatus.ACTIVE,
                    action=action,
                    actor=actor,
                    reason=f"speaker of {key}",
                    suggested_by=suggested_by,
                )
            )
            audit.append(self.audit(guild, actor, action, person_ref, 1, f"speaker of {key}"))
        versions.append(
            self.new_version(
                guild,
                built.entry.model_copy(update={"id": key}),
                kind=kind,
                key=key,
                number=1,
                status=EntryStatus.ACTIVE,
                action=action,
                actor=actor,
                reason=reason,
                suggested_by=suggested_by,
            )
        )
        audit.append(self.audit(guild, actor, action, EntryRef(kind, key, False), 1, reason))
        put = tuple(d for d in (document_of([v]) for v in versions) if d is not None)
        return EntryChange(
            versions=tuple(versions),
            put=put,
            audit=tuple(audit),
            decided=decided(key) if decided else None,
        )
