"""``python -m bot store export --guild ID`` and ``store import FILE``: one server's entries out
of one database and, exactly, into another."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.app import build_app
from bot.core.models import Kind
from bot.core.moderation.drafts import Draft
from bot.core.permissions import MANAGE_GUILD, Member
from bot.settings import Settings

GUILD = 77


async def _seed(url: str) -> None:
    async with build_app(Settings(database_url=url)) as app:
        alice = Member.of(1, "Alice", GUILD, MANAGE_GUILD)
        draft = Draft(Kind.FACT, "A zebra fact of 2024.", "https://example.org/z", "An excerpt.")
        await app.moderation.entries.add(alice, draft)
        await app.moderation.entries.retire(alice, "s1", "testing")


def test_export_then_import_restores_a_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    first, second = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    asyncio.run(_seed(first))
    out = tmp_path / "export.json"
    monkeypatch.setenv("DATABASE_URL", first)
    assert main(["store", "export", "--guild", str(GUILD), "--output", str(out)]) == 0
    exported = json.loads(out.read_text())
    assert [v["action"] for v in exported["versions"]] == ["add", "retire"]

    monkeypatch.setenv("DATABASE_URL", second)
    assert main(["store", "import", str(out)]) == 0
    assert "imported, 0 entries in force" in capsys.readouterr().out
    assert main(["store", "import", str(out)]) == 1  # never over what is there
    assert "holds nothing of it" in capsys.readouterr().err
    assert main(["store", "export", "--guild", str(GUILD)]) == 0
    again = json.loads(capsys.readouterr().out)
    assert {**again, "exported_at": None} == {**exported, "exported_at": None}

    (tmp_path / "bad.json").write_text("{}")
    assert main(["store", "import", str(tmp_path / "bad.json")]) == 1
