"""Every command the bot offers, as plain data: the one list the rest is checked against.

Each slash command, subcommand and context-menu command, with its description, its options
(description, whether required, choices, an example value, what autocomplete offers), who may
run it and where it can be installed and used. It feeds the console's commands and ``/help``
(``bot.adapters.console.commands``), the command list of ``/about``
(``bot.core.render.listing``) and the docs test (``tests/test_docs.py``: everything here is in
the README).

discord.py's commands are *not* generated from it: discord.py reads each option's type, range,
converter and autocomplete from the typed signature of a decorated coroutine, which data cannot
give without building functions at run time (and losing mypy's checks of the handlers). Instead
``tests/test_command_registry.py`` compares the bot's built command tree with this list one to
one (names, descriptions, options, choices, permissions, install types and contexts), so a
command added, renamed or changed in one place and not the other fails the test command.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "COMMANDS",
    "GROUPS",
    "Access",
    "CommandSpec",
    "Context",
    "Install",
    "Kind",
    "OptionSpec",
    "OptionType",
    "command",
    "slash_commands",
]


class Access(StrEnum):
    """Who may run a command. Discord hides the last two from members without Manage Server
    (``default_member_permissions``); the core decides again on every call
    (``bot.core.permissions``)."""

    EVERYONE = "everyone"
    MODERATOR = "moderator"  # Manage Server, or the server's moderator role
    MANAGER = "manager"  # Manage Server only


class Install(StrEnum):
    """Where the bot can be installed for the command to be offered (Discord's integration
    types)."""

    SERVER = "server"
    USER = "user"


class Context(StrEnum):
    """Where the command can be used (Discord's interaction contexts)."""

    SERVER = "server"
    BOT_DM = "bot_dm"
    PRIVATE_CHANNEL = "private_channel"


class Kind(StrEnum):
    SLASH = "slash"
    MESSAGE = "message"  # a message's Apps menu
    USER = "user"  # a member's Apps menu


class OptionType(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    CHANNEL = "channel"
    ROLE = "role"
    BOOLEAN = "boolean"


@dataclass(frozen=True, slots=True)
class OptionSpec:
    name: str
    description: str
    type: OptionType = OptionType.TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    example: str = ""
    completes: str = ""
    """What autocomplete offers: a reading ``Completion`` ("country", ...), "year", "timezone"
    or "entry" (a server's entry ids, for moderators)."""


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command: ``name`` is its qualified name (``entry add``), or a context menu's label."""

    name: str
    description: str
    options: tuple[OptionSpec, ...] = ()
    access: Access = Access.EVERYONE
    server_only: bool = False  # installed in and used in servers only
    kind: Kind = Kind.SLASH
    console: bool = False  # also a console command (``python -m bot``)

    @property
    def installs(self) -> tuple[Install, ...]:
        """Where it is offered: a server's install, and (unless ``server_only``) a user's own
        install, which answers from curated data anywhere."""
        return (Install.SERVER,) if self.server_only else (Install.SERVER, Install.USER)

    @property
    def contexts(self) -> tuple[Context, ...]:
        if self.server_only:
            return (Context.SERVER,)
        return (Context.SERVER, Context.BOT_DM, Context.PRIVATE_CHANNEL)

    @property
    def group(self) -> str | None:
        """The top-level command a subcommand belongs to (``entry`` of ``entry add``)."""
        first, _, rest = self.name.partition(" ")
        return first if rest else None

    @property
    def usage(self) -> str:
        """``/entry edit id [reason]``: required options bare, optional ones in brackets."""
        if self.kind is not Kind.SLASH:
            return self.name
        names = (o.name if o.required else f"[{o.name}]" for o in self.options)
        return " ".join([f"/{self.name}", *names])

    @property
    def example(self) -> str:
        """A line that runs the command, with each option's example value."""
        values = (o.example for o in self.options if o.example)
        return " ".join([f"/{self.name}", *values])


_KIND = OptionSpec(
    "kind", "fact or quote", required=True, choices=("fact", "quote"), example="fact"
)
_ID = OptionSpec("id", "The entry's id", required=True, example="s3", completes="entry")
_WHY = "Why (kept in its history)"

GROUPS: dict[str, str] = {
    "digest": "A daily fact",
    "entry": "Moderators: add, correct, retire and review this server's entries",
    "config": "Server settings for this bot (Manage Server only)",
}
"""The descriptions of the commands that only hold subcommands."""

COMMANDS: tuple[CommandSpec, ...] = (
    # -- reading: everyone, everywhere --------------------------------------------------------
    CommandSpec(
        "member",
        "A member state, or the whole membership",
        (
            OptionSpec(
                "country",
                "Name, official name or alias, in any language (e.g. Belarus)",
                example="belarus",
                completes="country",
            ),
        ),
        console=True,
    ),
    CommandSpec(
        "summit",
        "A summit by year, or every recorded summit",
        (
            OptionSpec(
                "year",
                "The summit's year, e.g. 2024",
                OptionType.INTEGER,
                example="2024",
                completes="year",
            ),
        ),
        console=True,
    ),
    CommandSpec(
        "quote",
        "Quotes of a person, or a random quote",
        (
            OptionSpec(
                "person",
                "Name or slug, e.g. fan-xianrong",
                example="fan-xianrong",
                completes="person",
            ),
        ),
        console=True,
    ),
    CommandSpec(
        "search",
        "Search every fact, quote and entry",
        (
            OptionSpec(
                "query", "Words to find, e.g. 890 billion", required=True, example="890 billion"
            ),
        ),
        console=True,
    ),
    CommandSpec(
        "fact",
        "A random sourced fact, optionally on a topic",
        (
            OptionSpec(
                "topic",
                "A topic such as trade, security or culture",
                example="trade",
                completes="topic",
            ),
        ),
        console=True,
    ),
    CommandSpec(
        "source",
        "A source document, or the list of sources",
        (
            OptionSpec(
                "id",
                "The source's id or title",
                example="xinhua-grand-plan-2025",
                completes="source",
            ),
        ),
        console=True,
    ),
    CommandSpec("about", "What this bot is and how to use it", console=True),
    CommandSpec("timeline", "A picture of the summits and the membership's growth", console=True),
    CommandSpec(
        "Find sources",
        "Sourced entries matching a message's claims",
        kind=Kind.MESSAGE,
    ),
    # -- suggestions: everyone, in a server -----------------------------------------------------
    CommandSpec(
        "suggest", "Suggest a sourced fact or quote for review", (_KIND,), server_only=True
    ),
    # -- daily digest: moderators -------------------------------------------------------------
    CommandSpec(
        "digest set",
        "Post a sourced fact every day at this time",
        (
            OptionSpec(
                "channel",
                "The text channel to post in",
                OptionType.CHANNEL,
                required=True,
                example="#general",
            ),
            OptionSpec(
                "time",
                "When, as HH:MM on a 24-hour clock, e.g. 09:00",
                required=True,
                example="09:00",
            ),
            OptionSpec(
                "timezone",
                "Your time zone, e.g. Europe/London (suggested as you type)",
                required=True,
                example="Europe/London",
                completes="timezone",
            ),
        ),
        access=Access.MODERATOR,
        server_only=True,
    ),
    CommandSpec(
        "digest show",
        "The daily digest's schedule and last post",
        access=Access.MODERATOR,
        server_only=True,
    ),
    CommandSpec("digest off", "Stop the daily digest", access=Access.MODERATOR, server_only=True),
    CommandSpec(
        "digest preview",
        "Today's digest, shown only to you",
        access=Access.MODERATOR,
        server_only=True,
    ),
    # -- moderation: moderators -----------------------------------------------------------------
    CommandSpec(
        "entry add",
        "Add a sourced fact or quote to this server",
        (_KIND,),
        access=Access.MODERATOR,
        server_only=True,
    ),
    CommandSpec(
        "entry edit",
        "Correct one of this server's entries (a new version)",
        (
            OptionSpec(
                "id", "The entry's id, e.g. s3", required=True, example="s3", completes="entry"
            ),
            OptionSpec("reason", "Why it changes (kept in its history)"),
        ),
        access=Access.MODERATOR,
        server_only=True,
    ),
    CommandSpec(
        "entry retire",
        "Retire an entry here (curated ones are hidden)",
        (_ID, OptionSpec("reason", _WHY, required=True, example="superseded")),
        access=Access.MODERATOR,
        server_only=True,
    ),
    CommandSpec(
        "entry restore",
        "Bring back a retired entry or any version of one",
        (
            _ID,
            OptionSpec(
                "version",
                "The version to bring back (default: the last one in force)",
                OptionType.INTEGER,
            ),
            OptionSpec("reason", _WHY),
        ),
        access=Access.MODERATOR,
        server_only=True,
    ),
    CommandSpec(
        "entry history",
        "Every version of an entry: who, when and why",
        (_ID,),
        access=Access.MODERATOR,
        server_only=True,
    ),
    CommandSpec(
        "entry log",
        "This server's moderation log, newest first",
        access=Access.MODERATOR,
        server_only=True,
    ),
    CommandSpec(
        "entry review",
        "Approve or reject members' suggestions and error reports",
        access=Access.MODERATOR,
        server_only=True,
    ),
    CommandSpec(
        "entry export",
        "This server's entries and history as a JSON file",
        access=Access.MODERATOR,
        server_only=True,
    ),
    CommandSpec(
        "stats",
        "Moderators: how this server used the bot, and what it missed",
        access=Access.MODERATOR,
        server_only=True,
    ),
    # -- server settings: Manage Server ---------------------------------------------------------
    CommandSpec(
        "config moderator-role",
        "The role whose members moderate entries",
        (
            OptionSpec(
                "role",
                "Members with this role moderate too (besides those with Manage Server)",
                OptionType.ROLE,
            ),
            OptionSpec(
                "clear",
                "Remove the moderator role: only Manage Server moderates",
                OptionType.BOOLEAN,
            ),
        ),
        access=Access.MANAGER,
        server_only=True,
    ),
)


def command(name: str) -> CommandSpec:
    """The command of that (qualified) name; ``KeyError`` if there is none."""
    for spec in COMMANDS:
        if spec.name == name:
            return spec
    raise KeyError(name)


def slash_commands(access: Access | None = None) -> list[CommandSpec]:
    """The slash commands (subcommands included), of one ``access`` if given."""
    return [
        spec
        for spec in COMMANDS
        if spec.kind is Kind.SLASH and (access is None or spec.access is access)
    ]
