"""An answer's view state (which section, which page, whose answer) kept in the custom ids of its
components, so buttons and menus work after a restart and after any time.

``sco:<action>:<section>:<page>:<owner>:<command>:<argument>``, at most 100 characters:
the action (``f`` first, ``p`` previous, ``n`` next, ``l`` last, ``s`` section menu,
``x`` excerpts, ``r`` report an error), the section's one-letter key, the page within it
(from 0), the id of the user who asked (0: anyone), and the ``Ask`` that re-creates the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.core.i18n import N_, _
from bot.core.reading.answers import Ask

__all__ = [
    "CUSTOM_ID_TEMPLATE",
    "NAV_ACTIONS",
    "REPORT_LABEL",
    "SectionPages",
    "ViewState",
    "answer_components",
    "parse_custom_id",
]

MAX_CUSTOM_ID = 100
MAX_ARGUMENT = 80
NAV_ACTIONS = "fpnl"
CUSTOM_ID_TEMPLATE = (
    r"sco:(?P<action>[fpnlsxr]):(?P<section>[a-z]):(?P<page>\d{1,3}):(?P<owner>\d{1,20}):"
    r"(?P<command>[a-z]{1,8}):(?P<argument>[^:]{0,80})"  # MAX_ARGUMENT
)
_PATTERN = re.compile(CUSTOM_ID_TEMPLATE)
FIRST_LAST_FROM = 4  # First/Last buttons when a section has more than three pages
ROW_WIDTH = 5  # buttons in one action row
REPORT_LABEL = N_("Report an error")  # translated where shown


@dataclass(frozen=True)
class ViewState:
    action: str
    section: str
    page: int
    owner: int
    ask: Ask

    def custom_id(self) -> str:
        head = f"sco:{self.action}:{self.section}:{self.page}:{self.owner}:{self.ask.command}:"
        room = min(MAX_CUSTOM_ID - len(head), MAX_ARGUMENT)  # what the template reads back
        argument = self.ask.argument.replace(":", " ")[:room].rstrip()
        return head + argument


def parse_custom_id(custom_id: str) -> ViewState | None:
    match = _PATTERN.fullmatch(custom_id)
    if match is None:
        return None
    return ViewState(
        action=match["action"],
        section=match["section"],
        page=int(match["page"]),
        owner=int(match["owner"]),
        ask=Ask(match["command"], match["argument"]),
    )


@dataclass
class SectionPages:
    """One section of an answer as pages: each page's message and the excerpts behind it."""

    key: str
    label: str
    pages: list[dict[str, Any]]
    excerpts: list[list[tuple[str, str]]] = field(default_factory=list)
    refs: list[list[tuple[str, str, str]]] = field(default_factory=list)  # (kind, key, text)


def answer_components(
    sections: list[SectionPages], section: int, page: int, owner: int, ask: Ask
) -> list[dict[str, Any]]:
    """The section menu, the page buttons, and the Excerpts and Report an error buttons for
    one page (Report an error where the page shows facts or quotes; on a row of its own when
    the page buttons fill theirs)."""
    rows: list[dict[str, Any]] = []
    current = sections[section]
    if len(sections) > 1:
        rows.append(
            {
                "type": 1,
                "components": [
                    {
                        "type": 3,
                        "custom_id": ViewState("s", current.key, 0, owner, ask).custom_id(),
                        "placeholder": _("Show a section"),
                        "options": [
                            {"label": s.label[:100], "value": s.key, "default": i == section}
                            for i, s in enumerate(sections)
                        ],
                        "min_values": 1,
                        "max_values": 1,
                    }
                ],
            }
        )
    buttons: list[dict[str, Any]] = []
    count = len(current.pages)
    if count > 1:
        targets = [("p", _("Previous"), page - 1), ("n", _("Next"), page + 1)]
        if count >= FIRST_LAST_FROM:
            targets = [("f", _("First"), 0), *targets, ("l", _("Last"), count - 1)]
        for action, label, target in targets:
            buttons.append(
                {
                    "type": 2,
                    "style": 2,
                    "label": label,
                    "custom_id": ViewState(
                        action, current.key, max(0, min(target, count - 1)), owner, ask
                    ).custom_id(),
                    "disabled": target < 0 or target >= count or target == page,
                }
            )
    if current.excerpts and page < len(current.excerpts) and current.excerpts[page]:
        buttons.append(
            {
                "type": 2,
                "style": 1,
                "label": _("Excerpts"),
                "custom_id": ViewState("x", current.key, page, 0, ask).custom_id(),
            }
        )
    report: list[dict[str, Any]] = []
    if page < len(current.refs) and current.refs[page]:
        report.append(
            {
                "type": 2,
                "style": 2,
                "label": _(REPORT_LABEL),
                "custom_id": ViewState("r", current.key, page, 0, ask).custom_id(),
            }
        )
    if len(buttons) + len(report) <= ROW_WIDTH:
        buttons, report = buttons + report, []
    for row in (buttons, report):
        if row:
            rows.append({"type": 1, "components": row})
    return rows
