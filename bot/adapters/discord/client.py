"""The discord.py client: intents, the tree, the cogs, and syncing only when needed."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import discord
from discord.ext import commands

from bot.adapters.discord import transport
from bot.adapters.discord.components import AnswerButton, SectionMenu
from bot.adapters.discord.digest.cog import DigestCog
from bot.adapters.discord.digest.scheduler import DigestScheduler
from bot.adapters.discord.expiry import ExpiryGuard
from bot.adapters.discord.installs import GUILD_CONTEXTS, GUILD_INSTALLS
from bot.adapters.discord.locale import CatalogueTranslator, bind_interaction_language
from bot.adapters.discord.moderation.config_cog import ConfigCog
from bot.adapters.discord.moderation.entry_cog import EntryCog
from bot.adapters.discord.moderation.report_views import PageReportButton, ReportButton
from bot.adapters.discord.moderation.review_views import ReviewButton
from bot.adapters.discord.ops import reconnect
from bot.adapters.discord.ops.health import check_health, count_gateway_events
from bot.adapters.discord.ops.observe import bind_interaction_logs
from bot.adapters.discord.reading.facts_cog import FactsCog
from bot.adapters.discord.reading.findsources_cog import FindSourcesCog
from bot.adapters.discord.reading.timeline_cog import TimelineCog
from bot.adapters.discord.respond import NO_PINGS
from bot.adapters.discord.tree import FactTree
from bot.adapters.discord.usage.stats_cog import StatsCog
from bot.adapters.http.metrics import PrometheusMetrics
from bot.adapters.http.server import Health, MetricsServer
from bot.app import App
from bot.core.cooldown import Cooldowns

__all__ = ["FactBot", "ShardedFactBot", "command_schema_hash", "make_bot"]

log = logging.getLogger(__name__)


async def command_schema_hash(
    tree: discord.app_commands.CommandTree[Any], guild: int | None
) -> str:
    """A hash of the command payload Discord would receive for ``guild`` (None: global),
    with its translations (a changed catalogue is a changed schema)."""
    target = discord.Object(guild) if guild else None
    translator = tree.translator
    schema = [
        await cmd.get_translated_payload(tree, translator) if translator else cmd.to_dict(tree)
        for cmd in tree.get_commands(guild=target)
    ]
    return hashlib.sha256(json.dumps(schema, sort_keys=True).encode()).hexdigest()


class FactBot(commands.Bot):
    """Slash commands only: the bot needs the ``guilds`` intent and nothing privileged."""

    def __init__(self, app: App, *, sync_on_start: bool = True, **options: Any) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=FactTree,
            allowed_mentions=NO_PINGS,
            help_command=None,
            # Every command is for servers that installed the bot unless it says otherwise
            # (the read-only ones do: ``installs.everywhere``).
            allowed_installs=GUILD_INSTALLS,
            allowed_contexts=GUILD_CONTEXTS,
            **options,
        )
        self.app = app
        self.sync_on_start = sync_on_start
        self.expiry = ExpiryGuard()  # interactions past Discord's window are skipped
        self.expiry.install(self)
        transport.install()  # a callback meeting a connection reset is sent again
        reconnect.install()  # back on the gateway within seconds of an outage's end
        self.digest_scheduler = DigestScheduler(self, app.digests)
        self.fact_tree.observer.metrics = app.metrics
        self.fact_tree.observer.usage = app.usage
        # Buttons and forms log with their interaction's fields, and are counted.
        bind_interaction_logs(self, app.metrics)
        bind_interaction_language(self)  # each answer in its reader's language (bot.core.i18n)
        self.fact_tree.cooldowns = Cooldowns(
            app.settings.cooldown_rate, timedelta(seconds=app.settings.cooldown_seconds), app.clock
        )
        self.metrics_server: MetricsServer | None = None

    @property
    def fact_tree(self) -> FactTree:
        assert isinstance(self.tree, FactTree)
        return self.tree

    async def setup_hook(self) -> None:
        await self.tree.set_translator(CatalogueTranslator())  # Russian and Chinese commands
        self.add_dynamic_items(AnswerButton, SectionMenu, ReportButton)  # by custom id
        await self.add_cog(FactsCog(self.app.facts))
        await self.add_cog(FindSourcesCog(self, self.app.finder, report=PageReportButton))
        await self.add_cog(TimelineCog(self.app.timeline))
        await self.add_cog(DigestCog(self.app.digests, self.digest_scheduler))
        await self.add_cog(EntryCog(self.app.moderation))
        await self.add_cog(ConfigCog(self.app.moderation))
        await self.add_cog(StatsCog(self.app.usage, self.app.moderation))
        self.add_dynamic_items(ReviewButton)  # the review card's buttons, state in their ids
        guild = self.app.settings.dev_guild_id
        if guild:
            self.tree.copy_global_to(guild=discord.Object(guild))
        if self.sync_on_start:
            await self.sync_commands(guild, force=False)
        self.digest_scheduler.start()  # waits for READY, then sleeps until a post is due
        await self._serve_metrics()

    async def _serve_metrics(self) -> None:
        """Start ``/healthz`` and ``/metrics`` when ``METRICS_PORT`` is set."""
        settings = self.app.settings
        metrics = self.app.metrics
        if settings.metrics_port is None or not isinstance(metrics, PrometheusMetrics):
            return
        count_gateway_events(self, metrics)

        async def probe() -> Health:
            return await check_health(self)

        server = MetricsServer(metrics, probe, settings.metrics_host, settings.metrics_port)
        await server.start()
        self.metrics_server = server

    async def close(self) -> None:
        await self.digest_scheduler.close()  # before the store it posts from goes away
        if self.metrics_server is not None:
            await self.metrics_server.close()
            self.metrics_server = None
        await super().close()

    async def sync_commands(self, guild: int | None, *, force: bool) -> bool:
        """Register the commands unless the schema is unchanged since the last sync.

        Restarts then cost no sync request, which keeps the bot clear of Discord's tight
        rate limit on command registration. Returns whether a sync happened.
        """
        path: Path = self.app.settings.command_hash_file
        key = f"{self.application_id}:{guild or 'global'}"
        known = await asyncio.to_thread(_read_hashes, path)
        current = await command_schema_hash(self.tree, guild)
        if not force and known.get(key) == current:
            log.info("command schema unchanged since the last sync (%s); not syncing", key)
            return False
        synced = await self.tree.sync(guild=discord.Object(guild) if guild else None)
        log.info("synced %d commands (%s)", len(synced), key)
        known[key] = current
        await asyncio.to_thread(_write_hashes, path, known)
        return True


class ShardedFactBot(FactBot, commands.AutoShardedBot):
    """``FactBot`` running the gateway shards it is given (``shard_count``, ``shard_ids``),
    each on its own connection, as ``make_bot`` builds it when ``SHARD_COUNT`` is set.

    Only the base client differs (``AutoShardedBot`` instead of ``Bot``): the cogs, the tree and
    the digest scheduler are ``FactBot``'s. A server's interactions and events come on its
    shard's connection, so this process answers only the servers on its shards, and its digest
    scheduler plans only those (it asks ``bot.get_guild``, which knows no others, and
    ``shards.holds``)."""


def make_bot(app: App, **options: Any) -> FactBot:
    """The bot ``app.settings`` asks for: with ``SHARD_COUNT`` an ``AutoShardedBot`` running
    shards ``SHARD_IDS`` (all of them when unset) of ``SHARD_COUNT``; without, a plain ``Bot``
    on one connection, as before. An ``AutoShardedBot`` with no count would ask Discord how
    many shards to run (``GET /gateway/bot``) and run them all; it is not used unsharded, so
    that one process keeps one connection and the count is always the operator's."""
    settings = app.settings
    if settings.shard_count is None:
        return FactBot(app, **options)
    return ShardedFactBot(
        app, shard_count=settings.shard_count, shard_ids=settings.shard_ids, **options
    )


def _read_hashes(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_hashes(path: Path, hashes: dict[str, str]) -> None:
    try:
        path.write_text(json.dumps(hashes, indent=1))
    except OSError:
        log.warning("could not record the command hash in %s", path)
