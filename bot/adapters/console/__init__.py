"""The console adapter: the same commands as the Discord bot, typed in a terminal.

Output is readable text, or with ``--json`` the exact message payload Discord would receive,
one JSON object per line. ``commands`` parses a line, ``answer`` answers it, ``text`` turns a
reply into terminal text and ``prompt`` is the interactive prompt (line editing, Ctrl-C,
paging).
"""

from bot.adapters.console.answer import Console
from bot.adapters.console.commands import COMMANDS, ParsedCommand, parse_command
from bot.adapters.console.prompt import run_interactive
from bot.adapters.console.text import format_text

__all__ = [
    "COMMANDS",
    "Console",
    "ParsedCommand",
    "format_text",
    "parse_command",
    "run_interactive",
]
