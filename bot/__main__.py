"""Command-line entry: ``python -m bot run | console | ask | sync | store ...``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from bot.adapters.console import Console, run_interactive
from bot.app import build_app
from bot.core.i18n import is_known, reading_in
from bot.logs import configure_logging
from bot.settings import Settings

__all__ = ["main"]

log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="SCO Fact Bot")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the Discord bot (or the console when no token is set)")
    console = sub.add_parser("console", help="an interactive prompt answering the bot's commands")
    ask = sub.add_parser("ask", help="answer one command, or one per line of standard input")
    for languages in (console, ask):
        languages.add_argument(
            "--locale",
            metavar="LANG",
            help="answer in this language: en, ru or zh-CN (default: the LOCALE setting)",
        )
    ask.add_argument("line", nargs="?", help='e.g. "/summit 2024"; omit to read standard input')
    ask.add_argument(
        "--json", action="store_true", help="print Discord's message payload, one JSON line"
    )
    ask.add_argument(
        "--all",
        action="store_true",
        help="print every page of a long answer (default: the first page; with --json, "
        "one line per page)",
    )
    sub.add_parser(
        "catalogues",
        help="update bot/locale/messages.pot and merge it into the Russian and Chinese .po files",
    )
    sync = sub.add_parser("sync", help="register the slash commands with Discord")
    sync.add_argument("--guild", type=int, help="register in this server only (instant)")
    store = sub.add_parser("store", help="manage the database")
    store_sub = store.add_subparsers(dest="store_command", required=True)
    store_sub.add_parser("load", help="load the curated data/ into the database")
    store_sub.add_parser(
        "verify",
        help="check that the database holds exactly the curated data/ (exit 1 if not)",
        description="Recompute the checksum of the curated entries in the database (without "
        "loading anything) and compare it with that of data/. Exits 0 when they match, 1 "
        "when they differ (run `store load` or restart the bot to bring the database up to "
        "date).",
    )
    copy = store_sub.add_parser(
        "copy",
        help="copy every document from one database into another, then verify the copy",
        description="Copy every document (curated and every server's) from one database URL "
        "into another, e.g. sqlite:///scofactbot.db to postgresql://bot@db/bot. Running it "
        "again adds nothing. Exits 1 when the copy does not verify.",
    )
    copy.add_argument("--from", dest="source", required=True, metavar="URL", help="copy from")
    copy.add_argument("--to", dest="target", required=True, metavar="URL", help="copy into")
    export = store_sub.add_parser(
        "export",
        help="write one server's entries, history, suggestions and log as JSON",
        description="Everything one server's moderators added (every version, hidden curated "
        "entries, suggestions, the audit log, the moderator role) as JSON, the same file "
        "/entry export attaches.",
    )
    export.add_argument("--guild", type=int, required=True, help="the server's id")
    export.add_argument("--output", type=Path, help="write to this file (default: stdout)")
    restore = store_sub.add_parser(
        "import",
        help="restore a server's export into a database that holds nothing of that server",
    )
    restore.add_argument("file", type=Path, help="a file written by store export or /entry export")
    gaps = store_sub.add_parser(
        "gaps",
        help="list the questions nobody could answer, across servers, most frequent first",
        description="Searches with no hits and unknown countries, people, topics, sources and "
        "summit years, counted over the last DAYS days (at most 90, as long as usage is kept) "
        "in every server: what curators could add next.",
    )
    gaps.add_argument("--days", type=int, default=90, help="how far back (default: 90)")
    gaps.add_argument("--limit", type=int, default=50, help="how many (default: 50)")
    reports = store_sub.add_parser(
        "reports",
        help="list the errors readers reported in curated entries, across servers, newest first",
        description="Every correction of a curated entry filed with an answer's Report an error "
        "button, in every server: the entry, what is wrong, the source given, the reporter's "
        "server and the date, and whether its moderators approved it (and hid the entry there).",
    )
    reports.add_argument("--limit", type=int, default=500, help="how many (default: 500)")
    return parser


async def _ask(settings: Settings, line: str | None, as_json: bool, all_pages: bool) -> int:
    async with build_app(settings) as app:
        console = Console(
            app.facts,
            as_json=as_json,
            all_pages=all_pages,
            finder=app.finder,
            timeline=app.timeline,
        )
        if line is not None:
            failures = await console.run_lines([line])
            return 1 if failures else 0
        # Batch mode: every line is answered, errors included, so the run itself succeeded.
        await console.run_lines(sys.stdin)
        return 0


def _console(settings: Settings) -> int:
    @asynccontextmanager
    async def open_console() -> AsyncIterator[Console]:
        async with build_app(settings) as app:
            yield Console(app.facts, finder=app.finder, timeline=app.timeline)

    return run_interactive(open_console, Path.home() / ".sco_fact_bot_history")


async def _store_load(settings: Settings) -> int:
    async with build_app(settings) as app:
        r = app.loaded
        print(
            f"curated: {r.added} added, {r.updated} updated, "
            f"{r.removed} removed, {r.unchanged} unchanged"
        )
        print(f"dataset: version {app.dataset.version}, checksum {app.dataset.checksum}")
    return 0


async def _store_verify(settings: Settings) -> int:
    from bot.store import open_store
    from bot.store.curated import load_documents
    from bot.store.dataset import verify_store

    documents = load_documents(settings.data_dir)
    store = await open_store(settings.database_url)
    try:
        result = await verify_store(store, settings.data_dir, documents)
    finally:
        await store.close()
    files = result.files
    print(f"files:    version {files.version}, {result.files_count} entries, ", end="")
    print(f"checksum {files.checksum}")
    print(f"database: {result.stored_count} curated entries, checksum {result.stored_checksum}")
    if not result.ok:
        print("MISMATCH: the database does not hold the curated data of data/ (run `store load`)")
        return 1
    print("ok: the database holds exactly the curated data of data/")
    return 0


async def _store_copy(source: str, target: str) -> int:
    from bot.store.copy import CopyRefused, copy_store, redact_url

    print(f"copying {redact_url(source)} -> {redact_url(target)}")
    try:
        report = await copy_store(source, target, progress=print)
    except CopyRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for check in report.checks:
        verdict = "ok" if check.ok else "MISMATCH"
        print(
            f"  {check.area} {check.group}: {check.source_rows} in source, "
            f"{check.target_rows} in target, checksum {check.target_sum[:12]}: {verdict}"
        )
    if not report.ok:
        print("the copy does not verify: the target differs from the source (see above)")
        return 1
    print("verified: every group has the same rows and checksum in both")
    return 0


async def _store_export(settings: Settings, guild: int, output: Path | None) -> int:
    async with build_app(settings) as app:
        export = await app.moderation.ledger.export_guild(guild)
    text = export.model_dump_json(indent=1) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        await asyncio.to_thread(output.write_text, text, encoding="utf-8")
        print(
            f"server {guild}: {len(export.versions)} version(s), {len(export.hidden)} hidden, "
            f"{len(export.suggestions)} suggestion(s), {len(export.audit)} log line(s) "
            f"-> {output}",
            file=sys.stderr,
        )
    return 0


async def _store_import(settings: Settings, path: Path) -> int:
    from pydantic import ValidationError

    from bot.core.errors import BotError
    from bot.core.records import GuildExport

    try:
        export = GuildExport.model_validate_json(await asyncio.to_thread(path.read_bytes))
    except (OSError, ValidationError) as exc:
        print(f"error: {path} is not a readable server export: {exc}", file=sys.stderr)
        return 1
    async with build_app(settings) as app:
        try:
            active = await app.moderation.ledger.import_guild(export)
        except BotError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 1
    print(f"server {export.guild_id}: imported, {active} entries in force")
    return 0


async def _store_gaps(settings: Settings, days: int, limit: int) -> int:
    from bot.core.usage.service import GAP_KINDS

    async with build_app(settings) as app:
        found = await app.usage.gaps(days=max(1, min(days, 90)), limit=max(1, limit))
    if not found:
        print("no unanswered questions recorded")
        return 0
    print(f"{'count':>6} {'servers':>7}  question")
    for gap in found:
        print(f"{gap.count:>6} {gap.servers:>7}  {GAP_KINDS.get(gap.kind, gap.kind)}: {gap.text}")
    return 0


async def _store_reports(settings: Settings, limit: int) -> int:
    from bot.core.moderation.render_corrections import render_reports

    async with build_app(settings) as app:
        found = await app.moderation.corrections.curated_reports(limit=max(1, limit))
    sys.stdout.write(render_reports(found))
    return 0


def _settings() -> Settings | None:
    """The settings, or None after saying on stderr which ones are wrong (no traceback)."""
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as exc:
        for error in exc.errors():
            where = "".join(str(part) for part in error["loc"][:1]).upper()
            message = str(error["msg"]).removeprefix("Value error, ")
            print(f"error: {where + ': ' if where else ''}{message}", file=sys.stderr)
        return None


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = _settings()
    if settings is None:
        return 1
    configure_logging(
        settings.log_level if args.command != "ask" else "WARNING", settings.log_format
    )
    # The console's language (bot.core.i18n): asyncio.run's task starts in this context.
    chosen = getattr(args, "locale", None) or settings.locale
    if not is_known(chosen):
        print(f"error: --locale: “{chosen[:20]}” is not one of en, ru, zh-CN", file=sys.stderr)
        return 2
    with reading_in(chosen):
        return _command(args, settings)


def _command(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "ask":
        try:
            return asyncio.run(_ask(settings, args.line, args.json, args.all))
        except KeyboardInterrupt:  # Ctrl-C: stop quietly, as a shell command does
            sys.stderr.write("\n")
            return 130
    if args.command == "console" or (args.command == "run" and settings.token is None):
        if args.command == "run":
            log.info("DISCORD_TOKEN is not set: starting the console instead of the Discord bot")
        return _console(settings)
    if args.command == "catalogues":
        from bot.catalogues import main as update_catalogues

        return update_catalogues()
    if args.command == "store" and args.store_command == "verify":
        return asyncio.run(_store_verify(settings))
    if args.command == "store" and args.store_command == "copy":
        return asyncio.run(_store_copy(args.source, args.target))
    if args.command == "store" and args.store_command == "export":
        return asyncio.run(_store_export(settings, args.guild, args.output))
    if args.command == "store" and args.store_command == "gaps":
        return asyncio.run(_store_gaps(settings, args.days, args.limit))
    if args.command == "store" and args.store_command == "reports":
        return asyncio.run(_store_reports(settings, args.limit))
    if args.command == "store" and args.store_command == "import":
        return asyncio.run(_store_import(settings, args.file))
    if args.command == "store":
        return asyncio.run(_store_load(settings))
    from bot.adapters.discord.runner import run_bot, sync_commands

    if args.command == "run":
        return run_bot(settings)
    return sync_commands(settings, args.guild)


if __name__ == "__main__":
    raise SystemExit(main())
