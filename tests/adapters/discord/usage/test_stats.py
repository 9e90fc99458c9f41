"""Usage counts and the questions nobody could answer (issue 13): the store on every backend,
/stats through the fake Discord, the two clicks from a question to a suggestion, export,
removal with the server, the 90-day purge and ``python -m bot store gaps``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.adapters.discord.client import FactBot
from bot.adapters.discord.usage.stats_cog import GAP_SELECT
from bot.app import App, build_app
from bot.core.permissions import Permissions
from bot.core.ports import Store
from bot.core.records import UsageCount
from bot.core.usage.render import render_stats
from bot.core.usage.service import Gap, Period, ServerStats, Tally, Usage
from bot.settings import Settings
from bot.store import usage_store
from tests.fakeclock import FakeClock
from tests.fakediscord import FakeDiscord, FakeGuild, InvocationError
from tests.fakediscord.reply import Reply
from tests.limits import assert_page_within_limits

DAY = date(2025, 3, 27)  # FakeClock's first day


def _row(guild: int, day: date, what: str, key: str, count: int = 1) -> UsageCount:
    return UsageCount(guild_id=guild, day=day, what=what, key=key, count=count)


async def test_the_store_adds_reads_totals_purges_and_forgets(store: Store) -> None:
    usage = usage_store(store)
    await usage.ping()
    await usage.add_usage([_row(1, DAY, "command", "member"), _row(1, DAY, "gap:country", "x")])
    await usage.add_usage([_row(1, DAY, "command", "member", 2), _row(2, DAY, "gap:country", "x")])
    await usage.add_usage([_row(2, DAY - timedelta(days=100), "gap:person", "old", 9)])
    rows = await usage.usage(1, DAY)
    assert {(r.what, r.key, r.count) for r in rows} == {
        ("command", "member", 3),
        ("gap:country", "x", 1),
    }
    assert await usage.usage(1, DAY + timedelta(days=1)) == []
    recent = await usage.usage_totals("gap:", DAY - timedelta(days=10), limit=10)
    assert recent == [("gap:country", "x", 2, 2)]
    everything = await usage.usage_totals("gap:", date(2000, 1, 1), limit=10)
    assert everything[0] == ("gap:person", "old", 9, 1)
    assert await usage.purge_usage(DAY - timedelta(days=89)) == 1
    assert len(await usage.usage_totals("gap:", date(2000, 1, 1), limit=10)) == 1
    assert await usage.forget_usage(1) == 2
    assert await usage.usage(1, date(2000, 1, 1)) == []
    assert len(await usage.usage(2, date(2000, 1, 1))) == 1


class _FlakyUsageStore:
    """Refuses the first write, keeps the rest."""

    def __init__(self) -> None:
        self.rows: list[UsageCount] = []
        self.fail = True

    async def add_usage(self, counts: Sequence[UsageCount]) -> None:
        if self.fail:
            self.fail = False
            raise OSError("disk full")
        self.rows.extend(counts)

    async def purge_usage(self, before: date) -> int:
        return 0


async def test_counts_wait_in_memory_until_a_write_succeeds() -> None:
    counts = _FlakyUsageStore()
    usage = Usage(counts, FakeClock(), Permissions(_NoRoles()))  # type: ignore[arg-type]
    tally = Tally(views=[("country", "belarus")], words=["rail"], gaps=[("person", "x")])
    await usage.record(1, "member", tally)
    await usage.record(1, "member", None)
    await usage.record(None, "member", None)  # outside a server: not counted
    assert usage.pending == 4
    with pytest.raises(OSError):
        await usage.flush()
    await usage.record(1, "member", None)
    assert await usage.flush() == 4 and usage.pending == 0
    written = {(r.what, r.key): r.count for r in counts.rows}
    assert written == {
        ("command", "member"): 3,
        ("view:country", "belarus"): 1,
        ("word", "rail"): 1,
        ("gap:person", "x"): 1,
    }


class _NoRoles:
    async def moderator_role(self, guild_id: int) -> int | None:
        return None


@pytest.fixture
async def running(settings: Settings) -> AsyncIterator[tuple[FakeDiscord, App, FakeClock]]:
    clock = FakeClock()
    async with build_app(settings, clock=clock) as app, FakeDiscord.running() as fake:
        fake.add_guild(name="SCO fans", channels=["general"])
        fake.add_guild(name="Elsewhere", channels=["lobby"])
        bot = FactBot(app)
        async with fake.client(bot):
            fake.bot = bot  # type: ignore[attr-defined]
            yield fake, app, clock


async def _counted(fake: FakeDiscord) -> None:
    """Wait until every command answered has been counted too (that happens after the answer)."""
    bot: FactBot = fake.bot  # type: ignore[attr-defined]
    await fake.wait_for(lambda: bot.fact_tree.in_flight == 0, "the commands to be counted")
    await bot.app.usage.flush()


def _guilds(fake: FakeDiscord) -> list[FakeGuild]:
    return list(fake.guilds.values())


def _text(reply: Reply) -> str:
    embed = reply.embeds[0]
    fields = "\n".join(f"{f['name']}: {f['value']}" for f in embed.get("fields", []))
    return f"{embed.get('description', '')}\n{fields}"


def _field(reply: Reply, starts: str) -> str:
    return next(f["value"] for f in reply.embeds[0]["fields"] if f["name"].startswith(starts))


async def _ask_things(fake: FakeDiscord) -> None:
    asks = [
        ("member", {"country": "Narnia"}),
        ("member", {"country": "narnia "}),  # the same question
        ("member", {"country": "belarus"}),
        ("member", {"country": "belarus"}),
        ("member", {"country": "belarus"}),
        ("summit", {"year": 2017}),
        ("quote", {"person": "nobody atall"}),
        ("fact", {"topic": "zzqqxx"}),
        ("search", {"query": "railway"}),
        ("search", {"query": "zebra unicorn"}),
    ]
    for command, options in asks:
        await fake.invoke(command, options)


async def test_stats_shows_this_servers_use_and_what_found_nothing(
    running: tuple[FakeDiscord, App, FakeClock],
) -> None:
    fake, _, clock = running
    _, second = _guilds(fake)
    await _ask_things(fake)
    await fake.invoke("member", {"country": "atlantis"}, guild=second)  # another server's
    await clock.advance(timedelta(days=10))  # outside the last 7 days, inside the 30
    await fake.invoke("member", {"country": "narnia"})
    await _counted(fake)
    reply = await fake.invoke("stats", user=fake.owner)
    assert reply.type == 4 and reply.ephemeral
    text = _text(reply)
    assert "**1** in the last 7 days, **11** in the last 30" in text
    assert "country` belarus: 3 (7 days: 0)" in _field(reply, "Most viewed")
    words = _field(reply, "Most searched")
    assert "railway: 1" in words and "zebra: 1" in words and "unicorn: 1" in words
    gaps = _field(reply, "Questions that found nothing").splitlines()
    assert gaps[0] == "unknown countries: narnia: 3 (7 days: 1)"  # most frequent first
    assert {g.rsplit(":", 1)[0].rsplit(":", 1)[0] for g in gaps[1:]} == {
        "summit years not recorded: 2017",
        "unknown people: nobody atall",
        "unknown topics: zzqqxx",
        "searches with no hits: zebra unicorn",
    }
    assert "atlantis" not in text and "railway" not in _field(reply, "Questions")
    assert "· " in _field(reply, "Commands per day") or "10 ·" in _field(reply, "Commands per")


async def test_stats_is_for_moderators_only(running: tuple[FakeDiscord, App, FakeClock]) -> None:
    fake, _, _ = running
    member = fake.add_user("member")
    with pytest.raises(InvocationError):  # Discord hides it: Manage Server by default
        await fake.invoke("stats", user=member)
    registered = next(c for c in fake.commands[None] if c["name"] == "stats")
    saved = registered.pop("default_member_permissions")  # the owner's override in Integrations
    try:
        refused = await fake.invoke("stats", user=member)
        assert refused.ephemeral and "Only moderators" in _text(refused)
        here = _guilds(fake)[0]
        role = fake.add_role(here, "Fact keepers")
        keeper = fake.add_user("keeper")
        fake.add_member(here, keeper, roles=[role])
        await fake.invoke("config moderator-role", {"role": role.id}, user=fake.owner)
        shown = await fake.invoke("stats", user=keeper)  # the moderator role is enough
        assert shown.ephemeral and "in the last 7 days" in _text(shown)
    finally:
        registered["default_member_permissions"] = saved


async def test_a_question_becomes_a_suggestion_in_two_clicks(
    running: tuple[FakeDiscord, App, FakeClock],
) -> None:
    fake, _, _ = running
    await _ask_things(fake)
    await _counted(fake)
    stats = await fake.invoke("stats", user=fake.owner)
    assert GAP_SELECT in stats.custom_ids
    form = await fake.press(stats, GAP_SELECT, values=["0"], user=fake.owner)  # click 1
    assert form.type == 9 and form.modal is not None
    prefilled = json.dumps(form.callback)
    assert "narnia" in prefilled
    done = await fake.submit_modal(  # click 2
        form,
        {
            "text": "Narnia is not an SCO member; it is a fictional country.",
            "source": "https://example.org/narnia",
            "excerpt": "Narnia is a fictional country.",
            "links": "",
        },
        user=fake.owner,
    )
    assert done.type == 4, done.callback
    review = await fake.invoke("entry review", user=fake.owner)
    assert "Suggestion #1 (1 of 1 waiting)" in _text(review)
    assert "Narnia is not an SCO member; it is a fictional country." in _text(review)


async def test_usage_is_exported_imported_and_removed_with_the_server(
    running: tuple[FakeDiscord, App, FakeClock], tmp_path: Path
) -> None:
    fake, app, _ = running
    guild = _guilds(fake)[0]
    await fake.invoke("member", {"country": "narnia"})
    await _counted(fake)
    export = await app.moderation.ledger.export_guild(guild.id)
    assert ("gap:country", "narnia", 1) in {(r.what, r.key, r.count) for r in export.usage}
    fresh = Settings(database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    async with build_app(fresh) as other:
        await other.moderation.ledger.import_guild(export)
        assert await other.usage_store.usage(guild.id, date.min) == export.usage

    await fake.dispatch("GUILD_DELETE", {"id": str(guild.id)}, guild_id=guild.id)
    for _ in range(200):  # on_guild_remove runs in its own task
        if not await app.usage_store.usage(guild.id, date.min):
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError("the usage of a server the bot left was kept")


async def test_counts_older_than_90_days_are_purged(
    running: tuple[FakeDiscord, App, FakeClock],
) -> None:
    fake, app, clock = running
    guild = _guilds(fake)[0]
    await fake.invoke("member", {"country": "narnia"})
    await clock.advance(timedelta(days=89))
    await fake.invoke("about")
    await _counted(fake)
    assert {r.day for r in await app.usage_store.usage(guild.id, date.min)} == {
        DAY,
        DAY + timedelta(days=89),
    }
    await clock.advance(timedelta(days=1))
    await fake.invoke("about")
    await _counted(fake)
    assert DAY not in {r.day for r in await app.usage_store.usage(guild.id, date.min)}


async def test_store_gaps_lists_unanswered_questions_across_servers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    async with build_app(Settings(database_url=url)) as app:
        today = app.usage.today()
        await app.usage_store.add_usage(
            [
                _row(1, today, "gap:country", "narnia", 2),
                _row(2, today, "gap:country", "narnia", 3),
                _row(2, today, "gap:search", "zebra unicorn", 1),
                _row(2, today, "command", "member", 7),
            ]
        )
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env
    code = await asyncio.to_thread(main, ["store", "gaps"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[1].split() == ["5", "2", "unknown", "countries:", "narnia"]
    assert out[2].split()[:2] == ["1", "1"] and out[2].endswith(
        "searches with no hits: zebra unicorn"
    )
    assert len(out) == 3


async def test_the_question_menu_answers_its_owner_in_its_server_only(
    running: tuple[FakeDiscord, App, FakeClock],
) -> None:
    fake, _, _ = running
    await fake.invoke("member", {"country": "narnia"})
    await _counted(fake)
    stats = await fake.invoke("stats", user=fake.owner)
    other = fake.add_user("another moderator")
    with pytest.raises(InvocationError):  # Discord lets no one else touch an ephemeral message
        await fake.press(stats, GAP_SELECT, values=["0"], user=other)
    form = await fake.press(stats, GAP_SELECT, values=["0"], user=fake.owner)
    assert form.type == 9


def test_the_stats_message_stays_within_discords_limits_at_its_fullest() -> None:
    today = DAY
    long = "x" * 40 + " @everyone **bold** " + "y" * 40
    period = Period(
        days=30,
        commands=10**6,
        per_command=[(f"command{i}", 10**5) for i in range(10)],
        viewed=[("country", f"{long}{i}", 10**5) for i in range(10)],
        words=[(f"{long}{i}"[:100], 10**5) for i in range(10)],
        gaps=[Gap("search", f"{long}{i}"[:100], 10**5) for i in range(10)],
    )
    stats = ServerStats(
        guild_id=1,
        today=today,
        per_day=[(today - timedelta(days=29 - i), 10**5) for i in range(30)],
        week=period,
        month=period,
    )
    page = render_stats(stats).pages[0]
    assert_page_within_limits(page)
    assert "@everyone" not in json.dumps(page)  # typed text is made inert
