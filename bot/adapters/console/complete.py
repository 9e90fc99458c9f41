"""Tab completion: command names, then the names Discord's autocomplete offers for the option.

The names come from ``FactService.complete`` (countries, people, topics, sources) and
``FactService.summit_years``, the same calls the Discord adapter's autocomplete makes, so the
console offers what Discord offers, best first.

Readline replaces the whole line with the completion (names have spaces), so a completion is
a full line. Several completions must all start with what was typed, or readline would cut the
typed text back to what they share: only names that begin with the typed text are offered
together; when none does, the single best match replaces it (``/quote putin`` ->
``/quote vladimir-putin``).
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from bot.adapters.console.commands import COMMANDS, Option
from bot.core.reading.service import Completion, FactService

__all__ = ["Choice", "Completer", "ReadlineCompleter"]

YEAR = "year"


@dataclass(frozen=True)
class Choice:
    line: str  # the whole line once completed
    label: str  # how it is listed when there are several


class Completer:
    def __init__(self, facts: FactService) -> None:
        self._facts = facts

    async def complete(self, line: str) -> list[Choice]:
        """The completions of ``line`` (the text before the cursor), best first."""
        head, space, rest = line.partition(" ")
        if not space:
            return self._commands(head)
        spec = COMMANDS.get(head.removeprefix("/").casefold())
        option = next((o for o in spec.options if o.completes), None) if spec else None
        if option is None:
            return []
        typed = rest.lstrip(" ")
        prefix = line[: len(line) - len(typed)]
        if typed.startswith(f"{option.name}:"):
            prefix += f"{option.name}:"
            typed = typed.removeprefix(f"{option.name}:")
        names = await self._names(option, typed)
        return _choices(prefix, typed, names)

    @staticmethod
    def _commands(word: str) -> list[Choice]:
        """Command names (with the slash when one was typed), followed by a space when the
        command takes an option (Python's readline adds none)."""
        slash = "/" if word.startswith("/") else ""
        typed = word.removeprefix("/").casefold()
        return [
            Choice(f"{slash}{name}" + (" " if spec.options else ""), f"{slash}{name}")
            for name, spec in COMMANDS.items()
            if name.startswith(typed) and (slash or typed)
        ]

    async def _names(self, option: Option, typed: str) -> list[tuple[str, str]]:
        """(value, display name) pairs for ``option``, best first, as Discord offers them."""
        if option.completes == YEAR:
            years = [str(y) for y in await self._facts.summit_years()]
            return [(y, y) for y in years if y.startswith(typed.strip())]
        found = await self._facts.complete(Completion(option.completes), typed)
        return [(c.key, c.name) for c in found]


def _choices(prefix: str, typed: str, names: list[tuple[str, str]]) -> list[Choice]:
    folded = typed.casefold()
    choices: list[Choice] = []
    for value, name in names:
        label = (
            value
            if name.casefold() in {value.casefold(), value.replace("-", " ")}
            else (f"{value} ({name})")
        )
        if value.casefold().startswith(folded):
            choices.append(Choice(prefix + typed + value[len(typed) :], label))
        elif name.casefold().startswith(folded):
            choices.append(Choice(prefix + typed + name[len(typed) :], name))
    if not choices and names and typed.strip():
        value, name = names[0]
        choices = [Choice(prefix + value, value)]
    return list({c.line: c for c in choices}.values())


class ReadlineCompleter:
    """``Completer`` as readline's completer function and match display hook."""

    def __init__(
        self, completer: Completer, runner: asyncio.Runner, out: TextIO, prompt: str
    ) -> None:
        self._completer = completer
        self._runner = runner
        self._out = out
        self._prompt = prompt
        self._choices: list[Choice] = []

    def __call__(self, text: str, state: int) -> str | None:
        if state == 0:
            try:
                self._choices = self._runner.run(self._completer.complete(text))
            except (Exception, KeyboardInterrupt):  # a completion is never worth a crash
                self._choices = []
        return self._choices[state].line if state < len(self._choices) else None

    def display(self, substitution: str, matches: Sequence[str], longest: int) -> None:
        """Several matches: list their names in columns, then the prompt and line again."""
        import readline

        order = {c.line: n for n, c in enumerate(self._choices)}  # best first, as in Discord
        labels = {c.line: c.label for c in self._choices}
        shown = [labels.get(m, m) for m in sorted(matches, key=lambda m: order.get(m, len(order)))]
        width = max(len(s) for s in shown) + 2
        columns = max(1, shutil.get_terminal_size().columns // width)
        rows = [shown[i : i + columns] for i in range(0, len(shown), columns)]
        self._out.write("\n" + "\n".join("".join(s.ljust(width) for s in r) for r in rows))
        self._out.write("\n" + self._prompt + readline.get_line_buffer())
        self._out.flush()

    def install(self) -> None:
        """Make Tab complete with this (GNU readline or libedit)."""
        with contextlib.suppress(ImportError):
            import readline

            readline.set_completer_delims("")  # complete the whole line: names have spaces
            readline.set_completer(self)
            if "libedit" in (readline.__doc__ or ""):
                readline.parse_and_bind("bind ^I rl_complete")
            else:
                readline.parse_and_bind("tab: complete")
                readline.set_completion_display_matches_hook(self.display)
