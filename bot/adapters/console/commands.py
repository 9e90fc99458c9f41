"""The console's commands: the same names and options as the slash commands (read from the
command registry, ``bot.core.commands``), parsed from a line.

``/name positional...`` in the declared option order, or ``option:value``, with shell quoting.
Words beyond the declared options join the last text option, so ``/member Kyrgyz Republic``
works unquoted.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any

from bot.core import commands as registry
from bot.core.errors import Invalid, NotFound
from bot.core.render import Reply
from bot.core.render.embeds import ALLOWED_MENTIONS_NONE

__all__ = ["COMMANDS", "CommandSpec", "Option", "ParsedCommand", "help_reply", "parse_command"]


@dataclass(frozen=True)
class Option:
    name: str
    type: type[str] | type[int]
    required: bool = False
    example: str = ""
    completes: str = ""  # what Tab offers: a core Completion ("country", ...) or "year"


@dataclass(frozen=True)
class CommandSpec:
    name: str
    description: str
    options: tuple[Option, ...] = ()

    @property
    def usage(self) -> str:
        """``/member [country]``: optional options in brackets."""
        opts = " ".join(o.name if o.required else f"[{o.name}]" for o in self.options)
        return f"/{self.name} {opts}".rstrip()

    @property
    def example(self) -> str:
        """A line that runs the command, with each option's example value."""
        values = " ".join(o.example for o in self.options if o.example)
        return f"/{self.name} {values}".rstrip()


CONSOLE_NOTES = {"timeline": " (writes a PNG)"}
"""What a command does differently in a terminal, added to its registry description."""


def _from_registry(spec: registry.CommandSpec) -> CommandSpec:
    """A registry command as the console offers it: the same name, description and options."""
    options = tuple(
        Option(
            o.name,
            int if o.type is registry.OptionType.INTEGER else str,
            o.required,
            o.example,
            o.completes,
        )
        for o in spec.options
    )
    return CommandSpec(spec.name, spec.description + CONSOLE_NOTES.get(spec.name, ""), options)


# The console's commands: every registry command marked ``console``, then the console's own
# form of the **Find sources** message menu (a terminal has no message to right-click) and help.
COMMANDS: dict[str, CommandSpec] = {
    spec.name: spec
    for spec in (
        *(_from_registry(spec) for spec in registry.COMMANDS if spec.console),
        CommandSpec(
            "findsources",
            f"{registry.command('Find sources').description} (Discord: a message's Apps menu)",
            (Option("text", str, True, "SCO trade reached 890 billion dollars"),),
        ),
        CommandSpec("help", "The commands, each with an example"),
    )
}


@dataclass(frozen=True)
class ParsedCommand:
    name: str
    args: dict[str, Any]


def _convert(spec: CommandSpec, option: Option, raw: str) -> Any:
    if option.type is int:
        if not re.fullmatch(r"[+-]?\d{1,9}", raw.strip()):
            raise Invalid(
                f"`{option.name}` must be a whole number, "
                f"e.g. `/{spec.name} {option.example or 2024}`; got “{raw[:40]}”."
            )
        return int(raw)
    return raw


def parse_command(line: str) -> ParsedCommand:
    """Parse one line; raise ``Invalid``/``NotFound`` with a message saying what to fix.

    A line that starts with a slash, or with a command's name, is that command; any other text
    is searched for, so ``what is the sco?`` runs ``/search what is the sco?``.
    """
    words = line.split(maxsplit=1)
    if words and not words[0].startswith("/") and words[0].casefold() not in COMMANDS:
        return ParsedCommand("search", {"query": line.strip()})
    try:
        tokens = shlex.split(line)
    except ValueError as exc:
        raise Invalid(f"Couldn't read that line ({exc}); check the quotes.") from exc
    if not tokens:
        raise Invalid("Type a command, e.g. `/member belarus`. `/help` lists them all.")
    name = tokens[0].lstrip("/").casefold()
    spec = COMMANDS.get(name)
    if spec is None:
        raise NotFound(
            f"There is no command `/{name[:40]}`.",
            suggestions=[f"/{n}" for n in COMMANDS if n.startswith(name[:1])]
            or [f"/{n}" for n in COMMANDS],
        )
    by_name = {o.name: o for o in spec.options}
    args: dict[str, Any] = {}
    positional: list[str] = []
    for token in tokens[1:]:
        key, sep, value = token.partition(":")
        if sep and key in by_name:
            args[key] = value
        else:
            positional.append(token)
    free = [o for o in spec.options if o.name not in args]
    for option in free:
        if not positional:
            break
        last_text = option is free[-1] and option.type is str
        args[option.name] = " ".join(positional) if last_text else positional.pop(0)
        if last_text:
            positional = []
    if positional:
        extra = " ".join(positional)[:60]
        raise Invalid(f"`/{name}` takes {len(spec.options) or 'no'} option(s); “{extra}” is extra.")
    for option in spec.options:
        if option.required and not str(args.get(option.name, "")).strip():
            raise Invalid(f"`/{name}` needs `{option.name}`, e.g. `/{name} {option.example}`.")
        if option.name in args:
            args[option.name] = _convert(spec, option, args[option.name])
    return ParsedCommand(name, args)


SEARCH_EXAMPLE = "what is the sco?"
KEYS = (
    "Tab completes commands and names (countries, people, topics, sources, years); "
    "↑ recalls earlier lines; Ctrl-C clears the line or stops an answer; "
    "Ctrl-D or /quit leaves. Long answers come a screen at a time: Enter for more, q to stop."
)


def help_reply() -> Reply:
    """Each command of ``COMMANDS`` with what it does and an example that runs."""
    fields = [
        {
            "name": spec.usage,
            "value": f"{spec.description}. Example: `{spec.example}`",
            "inline": False,
        }
        for spec in COMMANDS.values()
    ]
    fields.append(
        {
            "name": "Any other text",
            "value": f"is searched for. Example: `{SEARCH_EXAMPLE}`",
            "inline": False,
        }
    )
    embed = {"title": "Commands", "description": KEYS, "fields": fields}
    return Reply([{"content": None, "embeds": [embed], "allowed_mentions": ALLOWED_MENTIONS_NONE}])
