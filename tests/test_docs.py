"""The README documents what the bot offers: every slash command, console command and setting."""

from __future__ import annotations

import re
from pathlib import Path

from bot.adapters.console import COMMANDS
from bot.adapters.discord.facts_cog import FactsCog
from bot.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
ENV_EXAMPLE = (Path(__file__).resolve().parents[1] / ".env.example").read_text(encoding="utf-8")


def test_every_slash_command_is_in_the_readme() -> None:
    for command in FactsCog.__cog_app_commands__:
        assert f"`/{command.name}" in README, f"/{command.name} is not documented"


def test_every_console_command_is_in_the_readme() -> None:
    for name in COMMANDS:
        if name != "help":
            assert f"/{name}" in README


def test_every_setting_is_documented_in_readme_and_env_example() -> None:
    for field in Settings.model_fields:
        variable = field.upper()
        assert f"`{variable}`" in README, f"{variable} missing from README"
        assert re.search(rf"^#? ?{variable}=", ENV_EXAMPLE, re.M), f"{variable} not in .env.example"


def test_readme_quick_start_has_the_two_commands_ci_runs() -> None:
    assert "python3 manage.py run" in README and "python3 manage.py test" in README
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "manage.py test" in ci
