"""/timeline: a PNG of the summits and the membership's growth, only what the store records
with a source, in an embed listing the sources; drawn off the event loop and cached per data
version; through the fake Discord (a multipart upload) and the console."""

from __future__ import annotations

import asyncio
import io
import struct
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.adapters.console import Console
from bot.adapters.discord.client import FactBot
from bot.app import App
from bot.core.dataset import DatasetVersion
from bot.core.models import Kind
from bot.core.moderation.drafts import Draft
from bot.core.permissions import MANAGE_GUILD, Member
from bot.core.ports import Store
from bot.core.reading.service import FactService
from bot.core.reading.timeline import TimelineAnswer, TimelineService
from tests.conftest import curated_documents
from tests.fakediscord import FakeDiscord

PNG = b"\x89PNG\r\n\x1a\n"


def _size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG)
    width, height = struct.unpack(">II", png[16:24])
    return width, height


async def test_the_timeline_holds_only_sourced_dated_entries(curated_store: Store) -> None:
    service = TimelineService(curated_store, FactService(curated_store), DatasetVersion("v", "c"))
    answer = await service.timeline()
    years = [s.year for s in answer.summits]
    assert years == sorted(years) and 2001 in years and 2024 in years
    assert len(answer.founding) == sum(
        1 for d in curated_documents() if d.kind is Kind.COUNTRY and d.data["founding_member"]
    )
    assert all(c.joined_year for c in answer.accessions)
    assert all(not c.joined_year for c in answer.undated)  # named beside the picture only
    assert all(s.member_states is not None or s.total is not None for s in answer.sizes)
    cited = {c.source for e in [*answer.summits, *answer.sizes] for c in e.citations}
    assert cited <= set(answer.sources)


async def test_the_picture_is_drawn_once_per_content(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.core.reading import _timeline_chart as timeline_chart

    threads: list[str] = []
    real = timeline_chart.draw_timeline

    def spy(answer: TimelineAnswer) -> bytes:
        threads.append(threading.current_thread().name)
        return real(answer)

    monkeypatch.setattr(timeline_chart, "draw_timeline", spy)
    service = TimelineService(app.store, app.facts, app.dataset)
    first = await service.timeline()
    png = await service.picture(first)
    assert threads and threads[0] != threading.main_thread().name  # off the event loop
    assert _size(png)[0] >= 600
    assert await service.picture(await service.timeline()) == png and service.drawn == 1
    other = TimelineService(app.store, app.facts, DatasetVersion("another", "x"))
    assert (await other.timeline()).key != first.key  # a new data version, a new picture
    # A server's own summit changes its picture, and only its own.
    mod = Member.of(1, "Alice", 55, MANAGE_GUILD)
    draft = Draft(Kind.FACT, "A fact about a summit.", "https://example.org/s", "An excerpt here.")
    await app.moderation.entries.add(mod, draft)
    assert (await service.timeline(55)).key == first.key  # a fact is not drawn
    assert (await service.timeline(None)).key == first.key


@pytest.fixture
async def fake(app: App) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord.running() as running:
        running.add_guild(name="SCO fans", channels=["general"])
        async with running.client(FactBot(app)):
            yield running


async def test_timeline_attaches_the_png_to_a_sourced_embed(app: App, fake: FakeDiscord) -> None:
    reply = await fake.invoke("timeline", timeout=60)
    assert reply.type == 5  # thinking, then the picture
    message = reply.message
    assert message is not None
    embed = message["embeds"][0]
    attachment = message["attachments"][0]
    assert embed["image"]["url"] == f"attachment://{attachment['filename']}"
    assert attachment["filename"].endswith(".png")
    upload = next(
        f for r in fake.requests for f in r.files if f["filename"] == attachment["filename"]
    )
    assert _size(upload["data"])[0] >= 600
    assert embed["description"].startswith("Drawn from what the store records with a source")
    sources = [f for f in embed["fields"] if f["name"] == "Source"]
    assert sources and all("Cited for:" in f["value"] for f in sources)
    assert app.dataset.version in embed["footer"]["text"]
    again = await fake.invoke("timeline", timeout=60)
    assert again.message is not None and again.message["attachments"][0]["size"] == upload["size"]
    assert app.timeline.drawn == 1  # cached: the same data version is drawn once
    fake.install_for_user()
    foreign = fake.add_guild(name="Elsewhere", bot_installed=False)
    elsewhere = await fake.invoke("timeline", guild=foreign, timeout=60)
    assert elsewhere.message is not None and elsewhere.message["attachments"]


async def test_console_timeline_writes_the_png_and_prints_its_path(
    app: App, tmp_path: Path
) -> None:
    out = io.StringIO()
    console = Console(app.facts, out=out, timeline=app.timeline, files_dir=tmp_path)
    assert await console.run_lines(["/timeline"]) == 0
    line = next(x for x in out.getvalue().splitlines() if x.startswith("Picture: "))
    path = Path(line.removeprefix("Picture: "))
    assert path.parent == await asyncio.to_thread(tmp_path.resolve)
    assert _size(await asyncio.to_thread(path.read_bytes))[0] >= 600
    assert "== SCO timeline ==" in out.getvalue()


async def test_the_picture_speaks_the_readers_language(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    from bot.core.i18n import reading_in
    from bot.core.reading import _timeline_chart as timeline_chart

    drawn: list[list[str]] = []
    real = Figure.savefig

    def spy(fig: Figure, *args: object, **kwargs: object) -> None:
        drawn.append([t.get_text() for t in fig.findobj(Text)])
        real(fig, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Figure, "savefig", spy)
    service = TimelineService(app.store, app.facts, app.dataset)
    answer = await service.timeline()
    english = await service.picture(answer)
    with reading_in("ru"):
        russian = await service.picture(answer)
        assert await service.picture(answer) == russian  # cached per language
    assert russian != english and service.drawn == 2
    assert "Summits" in drawn[0] and "Саммиты" in drawn[1] and "Summits" not in drawn[1]
    assert any("вступает" in text for text in drawn[1])  # "{country} joins"
    with reading_in("zh-CN"):
        await service.picture(answer)
    if timeline_chart._cjk_family() is None:  # no font with Han characters: English, not boxes
        assert "Summits" in drawn[2]
    else:
        assert "峰会" in drawn[2] and "Summits" not in drawn[2]
