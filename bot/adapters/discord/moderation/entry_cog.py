"""``/entry ...`` (moderators) and ``/suggest`` (everyone): a server grows its own entries.

``/entry`` carries ``default_member_permissions`` = Manage Server, so Discord shows it to
moderators only; a server can also allow its moderator role in Server Settings → Integrations.
Every handler still asks the core, which checks the caller's standing on each call. ``/suggest``
is a separate top-level command because Discord sets command permissions per top-level command:
a subcommand of ``/entry`` could not be offered to everyone while the rest stay hidden.

Handlers read the options, call one service method, render, respond; failures are raised and
answered by ``FactTree.on_error`` (commands) or by the views (forms and buttons).
"""

from __future__ import annotations

import io
import logging
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord.forms import EntryForm, FormSpec, answer
from bot.adapters.discord.members import member_of
from bot.adapters.discord.moderation.review_views import review_view
from bot.adapters.discord.respond import NO_PINGS, send_reply
from bot.core.i18n import _
from bot.core.models import Kind
from bot.core.moderation.answers import EntryRef, Saved
from bot.core.moderation.drafts import Draft
from bot.core.moderation.render import (
    render_history,
    render_log,
    render_review,
    render_saved,
    render_suggested,
    render_visibility,
)
from bot.core.moderation.service import Moderation
from bot.core.permissions import Member
from bot.core.render import Reply

__all__ = ["EntryCog"]

log = logging.getLogger(__name__)

KindName = Literal["fact", "quote"]
Choices = list[app_commands.Choice[str]]
MODERATORS = discord.Permissions(manage_guild=True)


class EntryCog(commands.Cog):
    entry = app_commands.Group(
        name="entry",
        description="Moderators: add, correct, retire and review this server's entries",
        default_permissions=MODERATORS,
        guild_only=True,
    )

    def __init__(self, moderation: Moderation) -> None:
        self.moderation = moderation

    # -- forms -------------------------------------------------------------------------------

    def _add_spec(self, kind: Kind, guild_id: int) -> FormSpec:
        async def save(member: Member, draft: Draft, confirm: bool) -> Reply:
            return render_saved(await self.moderation.entries.add(member, draft, confirm=confirm))

        title = _("Add a fact") if kind is Kind.FACT else _("Add a quote")
        return FormSpec(title, kind, save, guild_id)

    def _suggest_spec(self, kind: Kind, guild_id: int) -> FormSpec:
        async def save(member: Member, draft: Draft, confirm: bool) -> Reply:
            done = await self.moderation.review.suggest(member, draft, confirm=confirm)
            return render_suggested(done)

        title = _("Suggest a fact") if kind is Kind.FACT else _("Suggest a quote")
        return FormSpec(title, kind, save, guild_id)

    def _edit_spec(self, ref: EntryRef, version: int, reason: str, guild_id: int) -> FormSpec:
        async def save(member: Member, draft: Draft, confirm: bool) -> Reply:
            saved = await self.moderation.entries.edit(
                member,
                f"{ref.kind.value}:{ref.key}",
                version,
                draft,
                reason=reason,
                confirm=confirm,
            )
            return render_saved(saved)

        title = _("Edit {key} (version {version})").format(key=ref.key, version=version)
        return FormSpec(title, ref.kind, save, guild_id, ref)

    @entry.command(name="add", description="Add a sourced fact or quote to this server")
    @app_commands.describe(kind="fact or quote")
    async def add(self, interaction: discord.Interaction[Any], kind: KindName) -> None:
        member = member_of(interaction)
        guild = await self.moderation.permissions.require_moderator(member, "add entries")
        found = Kind(kind)
        form = EntryForm(self._add_spec(found, guild), Draft(found), member.user_id)
        await interaction.response.send_modal(form)

    @entry.command(name="edit", description="Correct one of this server's entries (a new version)")
    @app_commands.describe(
        id="The entry's id, e.g. s3", reason="Why it changes (kept in its history)"
    )
    async def edit(
        self,
        interaction: discord.Interaction[Any],
        id: app_commands.Range[str, 1, 100],
        reason: app_commands.Range[str, 0, 300] = "",
    ) -> None:
        member = member_of(interaction)
        ref, version, draft = await self.moderation.entries.edit_form(member, id)
        assert member.guild_id is not None  # edit_form refuses outside a server
        spec = self._edit_spec(ref, version, reason, member.guild_id)
        await interaction.response.send_modal(EntryForm(spec, draft, member.user_id))

    # -- retire / restore / history / log ----------------------------------------------------

    @entry.command(name="retire", description="Retire an entry here (curated ones are hidden)")
    @app_commands.describe(id="The entry's id", reason="Why (kept in its history)")
    async def retire(
        self,
        interaction: discord.Interaction[Any],
        id: app_commands.Range[str, 1, 100],
        reason: app_commands.Range[str, 1, 300],
    ) -> None:
        done = await self.moderation.entries.retire(member_of(interaction), id, reason)
        await send_reply(interaction, render_visibility(done))

    @entry.command(name="restore", description="Bring back a retired entry or any version of one")
    @app_commands.describe(
        id="The entry's id",
        version="The version to bring back (default: the last one in force)",
        reason="Why (kept in its history)",
    )
    async def restore(
        self,
        interaction: discord.Interaction[Any],
        id: app_commands.Range[str, 1, 100],
        version: app_commands.Range[int, 1, 100_000] | None = None,
        reason: app_commands.Range[str, 0, 300] = "",
    ) -> None:
        done = await self.moderation.entries.restore(member_of(interaction), id, version, reason)
        reply = render_saved(done) if isinstance(done, Saved) else render_visibility(done)
        await send_reply(interaction, reply)

    @entry.command(name="history", description="Every version of an entry: who, when and why")
    @app_commands.describe(id="The entry's id")
    async def history(
        self, interaction: discord.Interaction[Any], id: app_commands.Range[str, 1, 100]
    ) -> None:
        found = await self.moderation.ledger.history(member_of(interaction), id)
        await send_reply(interaction, render_history(found))

    @entry.command(name="log", description="This server's moderation log, newest first")
    async def log(self, interaction: discord.Interaction[Any]) -> None:
        await send_reply(
            interaction, render_log(await self.moderation.ledger.log(member_of(interaction)))
        )

    @edit.autocomplete("id")
    @retire.autocomplete("id")
    @restore.autocomplete("id")
    @history.autocomplete("id")
    async def _entry_id(self, interaction: discord.Interaction[Any], current: str) -> Choices:
        """Entry ids with their text, for moderators only (the core decides)."""
        try:
            found = await self.moderation.ledger.entry_choices(member_of(interaction), current)
        except Exception:
            log.exception("entry id autocomplete failed (guild %s)", interaction.guild_id)
            return []
        return [app_commands.Choice(name=c.name[:100], value=c.key[:100]) for c in found]

    # -- review / export ---------------------------------------------------------------------

    @entry.command(
        name="review", description="Approve or reject members' suggestions and error reports"
    )
    async def review(self, interaction: discord.Interaction[Any]) -> None:
        member = member_of(interaction)
        card = await self.moderation.review.card(member)
        if card is None:
            await interaction.response.send_message(
                _("No suggestions or error reports are waiting for review."),
                ephemeral=True,
                allowed_mentions=NO_PINGS,
            )
            return
        view = review_view(card, card.suggestion.guild_id)
        await answer(interaction, render_review(card), view)

    @entry.command(name="export", description="This server's entries and history as a JSON file")
    async def export(self, interaction: discord.Interaction[Any]) -> None:
        export = await self.moderation.ledger.export(member_of(interaction))
        data = export.model_dump_json(indent=1).encode("utf-8")
        name = f"sco-fact-bot-server-{export.guild_id}-{export.exported_at:%Y%m%d-%H%M%S}.json"
        await interaction.response.send_message(
            f"{len(export.versions)} version(s), {len(export.hidden)} hidden curated entries, "
            f"{len(export.suggestions)} suggestion(s), {len(export.audit)} log line(s). "
            "`python -m bot store import FILE` restores it into an empty database.",
            file=discord.File(io.BytesIO(data), filename=name),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    # -- /suggest ----------------------------------------------------------------------------

    @app_commands.command(name="suggest", description="Suggest a sourced fact or quote for review")
    @app_commands.describe(kind="fact or quote")
    @app_commands.guild_only()
    async def suggest(self, interaction: discord.Interaction[Any], kind: KindName) -> None:
        member = member_of(interaction)
        guild = await self.moderation.review.check_quota(member)
        found = Kind(kind)
        form = EntryForm(self._suggest_spec(found, guild), Draft(found), member.user_id)
        await interaction.response.send_modal(form)
