"""The fake Discord, proven against an unmodified discord.py 2.7 bot defined here."""

from __future__ import annotations

import asyncio
import io
import json
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.fakediscord import (
    MISSING_ACCESS,
    UNKNOWN_CHANNEL,
    FakeDiscord,
    FakeGuild,
    InvocationError,
    check_payload,
)
from tests.fakediscord.limits import embed_chars

GUILD_ID = 4_000_000_000_000_001
COUNTRIES = ["belarus", "china", "india", "iran", "kazakhstan", "kyrgyzstan", "pakistan"]
PAGES = ["Page one", "Page two", "Page three"]


# --- the bot under test --------------------------------------------------------------------------


class Pager(discord.ui.View):
    """Paging buttons that only the invoker may use."""

    def __init__(self, owner_id: int) -> None:
        super().__init__(timeout=60)
        self.owner_id = owner_id
        self.page = 0

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message("This menu is not yours.", ephemeral=True)
        return False

    async def show(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(content=PAGES[self.page], view=self)

    @discord.ui.button(label="Previous", custom_id="pager:prev")
    async def prev(self, interaction: discord.Interaction, _: discord.ui.Button[Pager]) -> None:
        self.page = max(0, self.page - 1)
        await self.show(interaction)

    @discord.ui.button(label="Next", custom_id="pager:next")
    async def next(self, interaction: discord.Interaction, _: discord.ui.Button[Pager]) -> None:
        self.page = min(len(PAGES) - 1, self.page + 1)
        await self.show(interaction)

    @discord.ui.button(label="Refresh", custom_id="pager:refresh")
    async def refresh(self, interaction: discord.Interaction, _: discord.ui.Button[Pager]) -> None:
        await interaction.response.defer()  # type 6, then edit the message the button is on
        await interaction.edit_original_response(content=f"{PAGES[self.page]} (refreshed)")

    @discord.ui.select(
        custom_id="pager:jump",
        options=[discord.SelectOption(label=p, value=str(i)) for i, p in enumerate(PAGES)],
    )
    async def jump(
        self, interaction: discord.Interaction, select: discord.ui.Select[Pager]
    ) -> None:
        self.page = int(select.values[0])
        await self.show(interaction)


class Feedback(discord.ui.Modal, title="Feedback"):
    topic: discord.ui.TextInput[Feedback] = discord.ui.TextInput(
        label="Topic", custom_id="topic", max_length=50
    )
    details: discord.ui.TextInput[Feedback] = discord.ui.TextInput(
        label="Details", custom_id="details", style=discord.TextStyle.paragraph, required=False
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        text = f"Thanks for your feedback on {self.topic.value}: {self.details.value or '-'}"
        await interaction.response.send_message(text, ephemeral=True)


digest = app_commands.Group(name="digest", description="The daily digest")
digest_admin = app_commands.Group(name="admin", description="Digest admin", parent=digest)


@digest.command(name="set", description="Post the digest in a channel")
async def digest_set(
    interaction: discord.Interaction, channel: discord.TextChannel, time: str, timezone: str
) -> None:
    await interaction.response.send_message(f"Digest in {channel.mention} at {time} {timezone}")


@digest.command(name="show", description="Show today's digest")
async def digest_show(interaction: discord.Interaction) -> None:
    await interaction.response.defer(thinking=True)
    await interaction.followup.send("Today: nothing happened.")


@digest_admin.command(name="reset", description="Forget the digest settings")
async def digest_reset(interaction: discord.Interaction) -> None:
    await interaction.response.defer(ephemeral=True)
    await interaction.edit_original_response(content="Reset.")


def make_bot(**options: Any) -> commands.Bot:
    bot = commands.Bot(
        command_prefix=commands.when_mentioned,
        intents=discord.Intents.default(),
        allowed_mentions=discord.AllowedMentions.none(),
        **options,
    )
    tree = bot.tree

    @tree.command(description="About this bot")
    async def about(interaction: discord.Interaction) -> None:
        embed = discord.Embed(title="SCO facts", description="Sourced facts about the SCO.")
        embed.add_field(name="Members", value="10").set_footer(text="v1")
        await interaction.response.send_message(embed=embed)

    @tree.command(description="When a country joined")
    @app_commands.describe(country="A member state", year="A year")
    async def member(
        interaction: discord.Interaction, country: str, year: app_commands.Range[int, 1996, 2100]
    ) -> None:
        await interaction.response.send_message(f"{country.title()} in {year}")

    @member.autocomplete("country")
    async def member_country(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=c.title(), value=c) for c in COUNTRIES if current in c]

    @tree.command(description="Pages of facts")
    async def pages(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(PAGES[0], view=Pager(interaction.user.id))

    @tree.command(description="Send feedback")
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Feedback())

    @tree.command(description="Post to a channel by id")
    async def post(interaction: discord.Interaction, channel_id: str) -> None:
        try:
            await bot.http.send_message(int(channel_id), params=_params("hello"))
            await interaction.response.send_message("posted", ephemeral=True)
        except discord.HTTPException as exc:
            await interaction.response.send_message(f"failed: {exc.code}", ephemeral=True)

    @tree.command(description="Breaks the limits")
    async def bad(interaction: discord.Interaction) -> None:
        embed = discord.Embed(title="too many")
        for i in range(26):
            embed.add_field(name=f"f{i}", value="v")
        await interaction.response.send_message(embed=embed)

    @tree.command(description="Never answers")
    async def silent(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.3)
        await interaction.response.send_message("late")

    @tree.command(description="Guild only", guild=discord.Object(GUILD_ID))
    @app_commands.default_permissions(manage_guild=True)
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong", ephemeral=True)

    @tree.context_menu(name="Inspect")
    async def inspect(interaction: discord.Interaction, user: discord.Member) -> None:
        await interaction.response.send_message(f"{user.name} {user.id}", ephemeral=True)

    tree.add_command(digest)

    async def setup_hook() -> None:
        await tree.sync()
        await tree.sync(guild=discord.Object(GUILD_ID))

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


def _params(content: str) -> Any:
    return discord.http.handle_message_parameters(
        content=content, allowed_mentions=discord.AllowedMentions.none()
    )


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord.running() as f:
        f.add_guild(GUILD_ID, "SCO Guild", channels=["general", "digest", "news"])
        yield f


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[commands.Bot]:
    async with fake.client(make_bot()) as client:
        assert isinstance(client, commands.Bot)
        yield client


@pytest.fixture
def guild(fake: FakeDiscord) -> FakeGuild:
    return fake.guilds[GUILD_ID]


# --- login, sync, gateway ------------------------------------------------------------------------


async def test_login_and_sync_payloads(fake: FakeDiscord, bot: commands.Bot) -> None:
    calls = [(r.method, r.path) for r in fake.requests]
    app = fake.app_id
    assert calls[:4] == [
        ("GET", "/users/@me"),
        ("GET", "/oauth2/applications/@me"),
        ("PUT", f"/applications/{app}/commands"),
        ("PUT", f"/applications/{app}/guilds/{GUILD_ID}/commands"),
    ]
    assert all(r.headers["Authorization"] == "Bot fake-token" for r in fake.requests)
    assert bot.user is not None and bot.user.id == app and bot.application_id == app
    synced = fake.requests[2].json
    assert {c["name"] for c in synced} == {
        "about",
        "member",
        "pages",
        "feedback",
        "post",
        "bad",
        "silent",
        "digest",
        "Inspect",
    }
    registered = {c["name"]: c for c in fake.commands[None]}
    assert registered["member"]["application_id"] == str(app) and registered["member"]["id"]
    assert [c["name"] for c in fake.commands[GUILD_ID]] == ["ping"]
    # What discord.py made of the answer: AppCommand objects with our ids.
    fetched = await bot.tree.fetch_commands()
    assert {c.id for c in fetched} == {int(c["id"]) for c in fake.commands[None]}

    session = fake.gateway.session_for(GUILD_ID)
    assert session.identify["token"] == "fake-token"
    assert session.identify["intents"] == discord.Intents.default().value
    assert [p["t"] for p in session.log[:2]] == ["READY", "GUILD_CREATE"]
    assert [p["s"] for p in session.log[:2]] == [1, 2]
    assert session.log[0]["d"]["resume_gateway_url"] == fake.ws_url + "resume"
    conn = fake.gateway.connections[0]
    assert conn.query == {"v": "10", "encoding": "json", "compress": "zlib-stream"}
    assert conn.received[0]["op"] == 1  # discord.py heartbeats right after HELLO

    g = bot.get_guild(GUILD_ID)
    assert g is not None and g.name == "SCO Guild" and g.owner_id == fake.owner.id
    assert [c.name for c in g.text_channels] == ["general", "digest", "news"]
    assert g.default_role.permissions.send_messages and g.me.guild_permissions.embed_links
    # Without the members intent GUILD_CREATE lists only the bot, as on Discord.
    assert [m.id for m in g.members] == [app]


async def test_guild_added_after_login_reaches_the_bot(
    fake: FakeDiscord, bot: commands.Bot
) -> None:
    late = fake.add_guild(name="Late")
    await fake.wait_for(lambda: bot.get_guild(late.id), "GUILD_CREATE of the late guild")
    channel = fake.add_channel(late, "facts")
    await fake.wait_for(lambda: bot.get_channel(channel.id), "CHANNEL_CREATE")


async def test_discord_py_is_pointed_at_the_fake_and_restored() -> None:
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    async with FakeDiscord.running() as fake:
        assert f"http://127.0.0.1:{fake.port}/api/v10" == discord.http.Route.BASE
        assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == fake.ws_url
    assert discord.http.Route.BASE == base == "https://discord.com/api/v10"
    assert gateway == discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY


async def test_auto_sharded_bot_asks_for_the_gateway(fake: FakeDiscord) -> None:
    sharded = commands.AutoShardedBot(
        command_prefix="!", intents=discord.Intents.default(), chunk_guilds_at_startup=False
    )

    @sharded.tree.command(description="Hi")
    async def hi(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            "hi", allowed_mentions=discord.AllowedMentions.none()
        )

    async def setup_hook() -> None:
        await sharded.tree.sync()

    sharded.setup_hook = setup_hook  # type: ignore[method-assign]
    async with fake.client(sharded):
        assert fake.requests_to("GET", "/gateway/bot")
        assert fake.gateway.session_for(GUILD_ID).identify["shard"] == [0, 1]
        assert (await fake.invoke("hi")).content == "hi"


async def test_members_intent_chunks_the_guild(fake: FakeDiscord) -> None:
    intents = discord.Intents.default()
    intents.members = True
    client = discord.Client(intents=intents)
    async with fake.client(client):
        g = client.get_guild(GUILD_ID)
        assert g is not None and g.chunked and len(g.members) == len(fake.guilds[GUILD_ID].members)


# --- slash commands ------------------------------------------------------------------------------


async def test_constant_embed(fake: FakeDiscord, bot: commands.Bot, guild: FakeGuild) -> None:
    reply = await fake.invoke("about")
    assert reply.type == 4 and not reply.ephemeral
    assert reply.embeds[0]["title"] == "SCO facts" and reply.embeds[0]["fields"][0]["value"] == "10"
    assert reply.data["allowed_mentions"] == {"parse": []}
    assert reply.latency is not None and 0 < reply.latency < 1
    assert reply.message is not None and reply.message["interaction_metadata"]["name"] == "about"
    general = guild.channel("general").id
    assert fake.channel_messages[general] == [reply.message]
    callback = fake.requests_to("POST", r"/interactions/\d+/.+/callback")[0]
    assert callback.query == {"with_response": "1"}
    assert callback.response["resource"]["message"]["id"] == reply.message["id"]


async def test_options_are_typed_and_validated(fake: FakeDiscord, bot: commands.Bot) -> None:
    reply = await fake.invoke("member", {"country": "belarus", "year": 2024})
    assert reply.content == "Belarus in 2024"
    sent = reply.interaction["data"]["options"]
    assert sent == [
        {"name": "country", "type": 3, "value": "belarus"},
        {"name": "year", "type": 4, "value": 2024},
    ]
    with pytest.raises(InvocationError, match="unknown option 'colour'"):
        await fake.invoke("member", {"country": "iran", "year": 2023, "colour": "red"})
    with pytest.raises(InvocationError, match="expected an integer"):
        await fake.invoke("member", {"country": "iran", "year": "2023"})
    with pytest.raises(InvocationError, match="outside"):
        await fake.invoke("member", {"country": "iran", "year": 1900})
    with pytest.raises(InvocationError, match="required option 'year'"):
        await fake.invoke("member", {"country": "iran"})
    with pytest.raises(InvocationError, match="no registered command 'members'"):
        await fake.invoke("members")


async def test_autocomplete(fake: FakeDiscord, bot: commands.Bot) -> None:
    reply = await fake.autocomplete("member", "country", "stan")
    assert reply.type == 8
    assert [c["value"] for c in reply.choices] == ["kazakhstan", "kyrgyzstan", "pakistan"]
    focused = reply.interaction["data"]["options"][0]
    assert focused == {"name": "country", "type": 3, "value": "stan", "focused": True}
    with pytest.raises(InvocationError, match="has no autocomplete"):
        await fake.autocomplete("member", "year", "20")


async def test_subcommand_group(fake: FakeDiscord, bot: commands.Bot, guild: FakeGuild) -> None:
    news = guild.channel("news")
    reply = await fake.invoke(
        "digest set", {"channel": news.id, "time": "09:00", "timezone": "Europe/Minsk"}
    )
    assert reply.content == f"Digest in <#{news.id}> at 09:00 Europe/Minsk"
    data = reply.interaction["data"]
    assert data["options"][0]["name"] == "set" and data["options"][0]["type"] == 1
    assert data["resolved"]["channels"][str(news.id)]["name"] == "news"

    show = await fake.invoke("digest show")  # defer(thinking=True) then followup.send
    assert show.type == 5 and show.content == "Today: nothing happened."
    assert show.followups == [show.message]

    reset = await fake.invoke("digest admin reset")  # ephemeral defer, then edit original
    assert reset.ephemeral and reset.content == "Reset." and reset.edits == [reset.edits[0]]
    assert reset.interaction["data"]["options"][0]["options"][0]["name"] == "reset"

    with pytest.raises(InvocationError, match="needs a subcommand"):
        await fake.invoke("digest")
    with pytest.raises(InvocationError, match="unknown subcommand 'clear'"):
        await fake.invoke("digest clear")


async def test_guild_and_context_menu_commands(fake: FakeDiscord, bot: commands.Bot) -> None:
    with pytest.raises(InvocationError, match="needs permissions 32"):
        await fake.invoke("ping")  # the default user may not manage the guild
    assert (await fake.invoke("ping", user=fake.owner)).content == "pong"
    manage_guild = discord.Permissions(manage_guild=True)
    assert (await fake.invoke("ping", permissions=manage_guild)).content == "pong"
    with pytest.raises(InvocationError, match="no registered command 'ping'"):
        await fake.invoke("ping", dm=True)
    reply = await fake.user_command("Inspect", fake.owner)
    assert reply.content == f"owner {fake.owner.id}"


async def test_dms_and_user_messages(
    fake: FakeDiscord, bot: commands.Bot, guild: FakeGuild
) -> None:
    reply = await fake.invoke("about", dm=True)
    assert (
        reply.type == 4 and reply.interaction["context"] == 1 and "member" not in reply.interaction
    )
    assert (
        reply.message is not None and reply.message["channel_id"] == reply.interaction["channel_id"]
    )

    general = guild.channel("general").id
    in_general = lambda m: m.channel.id == general  # noqa: E731 (the bot's DM reply arrives too)
    waiter = asyncio.ensure_future(bot.wait_for("message", check=in_general, timeout=5))
    fake.post_user_message(general, "hello bot")
    message = await waiter
    assert message.channel.id == general and message.author.id == fake.default_user.id
    assert message.content == ""  # the bot lacks the message content intent, as on Discord


# --- components and modals -----------------------------------------------------------------------


async def test_paging_buttons_only_for_the_invoker(fake: FakeDiscord, bot: commands.Bot) -> None:
    reply = await fake.invoke("pages")
    assert reply.content == "Page one"
    assert reply.custom_ids == ["pager:prev", "pager:next", "pager:refresh", "pager:jump"]

    turned = await fake.press(reply, "pager:next")
    assert turned.type == 7 and turned.message_id == reply.message_id
    assert reply.content == "Page two"  # the message itself changed

    stranger = fake.add_user("stranger")
    refused = await fake.press(reply, "pager:next", user=stranger)
    assert refused.type == 4 and refused.ephemeral
    assert refused.content == "This menu is not yours."
    assert reply.content == "Page two"
    with pytest.raises(InvocationError, match="cannot see ephemeral"):
        await fake.press(refused, "anything", user=fake.owner)

    refreshed = await fake.press(reply, "pager:refresh")
    assert refreshed.type == 6 and refreshed.message_id == reply.message_id
    await refreshed.wait_edits()
    assert reply.content == "Page two (refreshed)"

    jumped = await fake.press(reply, "pager:jump", values=["2"])
    assert jumped.type == 7 and reply.content == "Page three"
    with pytest.raises(InvocationError, match="not among"):
        await fake.press(reply, "pager:jump", values=["7"])
    with pytest.raises(InvocationError, match="has no component 'pager:last'"):
        await fake.press(reply, "pager:last")


async def test_modal_round_trip(fake: FakeDiscord, bot: commands.Bot) -> None:
    opened = await fake.invoke("feedback")
    assert opened.type == 9 and opened.modal is not None
    assert opened.modal["title"] == "Feedback"
    submitted = await fake.submit_modal(opened, {"topic": "dates", "details": "2001 is right"})
    assert submitted.ephemeral
    assert submitted.content == "Thanks for your feedback on dates: 2001 is right"
    rows = submitted.interaction["data"]["components"]
    assert rows[0]["type"] == 1 and rows[0]["components"][0]["value"] == "dates"

    with pytest.raises(InvocationError, match="required"):
        await fake.submit_modal(opened, {"details": "no topic"})
    with pytest.raises(InvocationError, match="no inputs"):
        await fake.submit_modal(opened, {"topic": "x", "mood": "happy"})
    with pytest.raises(InvocationError, match="outside"):
        await fake.submit_modal(opened, {"topic": "x" * 51})
    with pytest.raises(InvocationError, match="was shown to user"):
        await fake.submit_modal(opened, {"topic": "x"}, user=fake.owner)


# --- reconnects ----------------------------------------------------------------------------------


async def test_reconnect_resumes_and_interactions_still_work(
    fake: FakeDiscord, bot: commands.Bot
) -> None:
    session = fake.gateway.session_for(GUILD_ID)
    await fake.reconnect()
    assert session.resumes == 1 and len(fake.gateway.connections) == 2
    resumed = fake.gateway.connections[1]
    assert resumed.path == "/resume"
    resume = next(m for m in resumed.received if m["op"] == 6)["d"]
    assert resume["session_id"] == session.session_id and resume["seq"] == session.log[-2]["s"]
    assert session.log[-1]["t"] == "RESUMED"
    assert (await fake.invoke("about")).type == 4


async def test_events_sent_while_disconnected_are_replayed(
    fake: FakeDiscord, bot: commands.Bot
) -> None:
    session = await fake.disconnect()
    reply = await fake.invoke("about")  # dispatched while the bot is away
    assert reply.type == 4
    assert session.resumes == 1 and "INTERACTION_CREATE" in session.replayed


async def test_invalidated_session_identifies_again(fake: FakeDiscord, bot: commands.Bot) -> None:
    async def no_wait(shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py sleeps 5 s before every IDENTIFY but the first; not in this test."""

    bot.before_identify_hook = no_wait  # type: ignore[method-assign]
    old = await fake.disconnect(resume=False)
    await fake.wait_for(lambda: len(fake.gateway.live_sessions()) == 1, "a new session")
    assert fake.gateway.session_for(GUILD_ID) is not old
    assert (await fake.invoke("about")).type == 4


# --- errors, limits, timeouts --------------------------------------------------------------------


async def test_channel_errors_and_history(
    fake: FakeDiscord, bot: commands.Bot, guild: FakeGuild
) -> None:
    news = guild.channel("news").id
    assert (await fake.invoke("post", {"channel_id": str(news)})).content == "posted"
    assert [m["content"] for m in fake.channel_messages[news]] == ["hello"]
    history = [m async for m in guild_channel(bot, news).history(limit=5)]
    assert [m.content for m in history] == ["hello"]

    fake.fail_channel(news, MISSING_ACCESS)
    assert (await fake.invoke("post", {"channel_id": str(news)})).content == "failed: 50001"
    fake.fail_channel(news, UNKNOWN_CHANNEL)
    assert (await fake.invoke("post", {"channel_id": str(news)})).content == "failed: 10003"
    fake.fail_channel(news, None)
    assert (await fake.invoke("post", {"channel_id": "12345"})).content == "failed: 10003"


def guild_channel(bot: commands.Bot, channel_id: int) -> discord.TextChannel:
    channel = bot.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    return channel


async def test_unknown_routes_are_recorded(fake: FakeDiscord, bot: commands.Bot) -> None:
    with pytest.raises(discord.NotFound):
        await bot.http.request(discord.http.Route("GET", "/guilds/{g}/bans", g=GUILD_ID))
    assert [r.path for r in fake.unknown_requests] == [f"/guilds/{GUILD_ID}/bans"]
    with pytest.raises(AssertionError, match="unknown route GET"):
        fake.assert_clean()
    fake.unknown_requests.clear()


async def test_limit_violations_are_refused_and_recorded(
    fake: FakeDiscord, bot: commands.Bot
) -> None:
    reply = await fake.invoke("bad")
    assert reply.status == 400 and reply.callback is None
    assert reply.rejected == [["$.data.embeds[0].fields: 26 items, more than maxItems 25"]]
    assert [v.kind for v in fake.violations] == ["interaction_callback"]
    # discord.py raised HTTPException in the command, and logged it.
    await fake.wait_for(lambda: fake.log_errors, "discord.py to log the 400")
    assert "Ignoring exception in command 'bad'" in fake.log_errors[0]
    with pytest.raises(AssertionError, match="fields"):
        fake.assert_clean()
    fake.violations.clear()
    fake.log_errors.clear()


async def test_a_silent_command_times_out_clearly(fake: FakeDiscord, bot: commands.Bot) -> None:
    with pytest.raises(AssertionError, match=r"timed out after 0.1 s waiting for a callback"):
        await fake.invoke("silent", timeout=0.1)
    await asyncio.sleep(0.3)  # let the late answer arrive before the bot closes


async def test_late_callbacks_get_unknown_interaction() -> None:
    async with FakeDiscord.running(callback_deadline=0.1, check_clean=False) as fake:
        fake.add_guild(GUILD_ID, "SCO Guild")
        async with fake.client(make_bot()):
            reply = await fake.invoke("silent")
            assert reply.status == 404 and reply.latency is not None and reply.latency > 0.1
            assert "Discord allows 0.1 s" in str(fake.violations[0])
            await fake.wait_for(lambda: fake.log_errors, "discord.py to log the NotFound")
            assert "10062" in fake.log_errors[0]


# --- check_payload -------------------------------------------------------------------------------

NO_PINGS = {"parse": [], "replied_user": False}


def message(**fields: Any) -> dict[str, Any]:
    return {"content": "hi", "allowed_mentions": NO_PINGS, **fields}


def command(**fields: Any) -> dict[str, Any]:
    return {"name": "member", "description": "When a country joined", "type": 1, **fields}


def string_option(**fields: Any) -> dict[str, Any]:
    return {"type": 3, "name": "country", "description": "A member state", **fields}


def choices(n: int, size: int = 5) -> list[dict[str, Any]]:
    return [{"name": f"c{i}", "value": f"{i}".rjust(size, "x")} for i in range(n)]


GOOD = [
    ("interaction_callback", {"type": 4, "data": message(embeds=[{"title": "t"}])}),
    ("interaction_callback", {"type": 5, "data": {"flags": 64}}),
    ("interaction_callback", {"type": 5}),
    ("interaction_callback", {"type": 6}),
    ("interaction_callback", {"type": 7, "data": {"content": "page 2", "components": []}}),
    ("interaction_callback", {"type": 8, "data": {"choices": choices(25)}}),
    ("followup", message()),
    ("channel_message", message(allowed_mentions={"parse": [], "users": [], "roles": []})),
    ("deferred_edit", message()),
    ("webhook_edit", {"content": "edited"}),
    ("commands", [command(options=[string_option(choices=choices(25, 100))])]),
    ("commands", [{"name": "Inspect", "type": 2, "description": ""}]),
]
MODAL_ROW = {"type": 1, "components": [{"type": 4, "custom_id": "x", "style": 1, "label": "X"}]}
BAD = [
    ("channel_message", message(embeds=[{"fields": [{"name": "n", "value": "v"}] * 26}]), "25"),
    ("channel_message", message(content="x" * 2001), "more than 2000"),
    (
        "followup",
        message(
            embeds=[{"title": "t" * 256, "description": "d" * 4096}, {"description": "d" * 1649}]
        ),
        "6001 characters",
    ),
    ("followup", message(embeds=[{"title": "t"}] * 11), "more than maxItems 10"),
    ("followup", {"content": "hi"}, "allowed_mentions: missing"),
    ("followup", message(allowed_mentions={"parse": ["everyone"]}), "must ping no one"),
    ("channel_message", message(allowed_mentions={"users": ["1"]}), "must ping no one"),
    ("interaction_callback", {"type": 4, "data": message(content="x" * 2001)}, "2000"),
    ("interaction_callback", {"type": 4, "data": {"allowed_mentions": NO_PINGS}}, "empty"),
    ("interaction_callback", {"type": 5, "data": {"content": "hi"}}, "only set the ephemeral"),
    ("interaction_callback", {"type": 5, "data": {"flags": 4}}, "only set the ephemeral"),
    ("interaction_callback", {"type": 8, "data": {"choices": choices(26)}}, "25"),
    (
        "interaction_callback",
        {"type": 8, "data": {"choices": [{"name": "", "value": "v"}]}},
        "fewer than minLength 1",
    ),
    ("interaction_callback", {"type": 8, "data": {"choices": choices(1, 101)}}, "100"),
    (
        "interaction_callback",
        {"type": 9, "data": {"custom_id": "m", "title": "T", "components": [MODAL_ROW] * 6}},
        "1 to 5",
    ),
    (
        "interaction_callback",
        {"type": 9, "data": {"custom_id": "m", "components": [MODAL_ROW]}},
        "title: required",
    ),
    ("interaction_callback", {"type": 3}, "not an interaction callback type"),
    ("commands", [command(name="Member")], "lowercase"),
    ("commands", [command(name="mem ber")], "regex"),
    ("commands", [command(name="m" * 33)], "more than maxLength 32"),
    ("commands", [command(description="")], "needs a description"),
    ("commands", [command(description="d" * 101)], "100"),
    ("commands", [command(options=[string_option(choices=choices(26))])], "26"),
    ("commands", [command(options=[string_option(choices=choices(1, 101))])], "100"),
    ("commands", [command(options=[string_option(name=f"o{i}") for i in range(26)])], "26"),
    (
        "commands",
        [command(options=[string_option(name=f"o{i}", choices=choices(25, 99)) for i in range(4)])],
        "8000",
    ),
    (
        "commands",
        [command(options=[string_option(name="a"), string_option(name="b", required=True)])],
        "after an optional",
    ),
    (
        "commands",
        [command(options=[string_option(autocomplete=True, choices=choices(2))])],
        "autocomplete",
    ),
    ("commands", [command(), command()], "duplicate command"),
]


@pytest.mark.parametrize(("kind", "body"), GOOD)
def test_check_payload_accepts_good_bodies(kind: str, body: Any) -> None:
    assert check_payload(kind, body) == []


@pytest.mark.parametrize(("kind", "body", "expected"), BAD)
def test_check_payload_finds_violations(kind: str, body: Any, expected: str) -> None:
    errors = check_payload(kind, body)
    assert any(expected in e for e in errors), errors


def test_embed_chars_counts_the_documented_fields() -> None:
    embed = {
        "title": "ab",
        "description": "cd",
        "fields": [{"name": "e", "value": "f"}],
        "footer": {"text": "g"},
        "author": {"name": "h"},
        "url": "https://ignored",
    }
    assert embed_chars([embed, embed]) == 16


def test_check_payload_rejects_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="unknown payload kind"):
        check_payload("message", {})


# --- zlib-stream -----------------------------------------------------------------------------


async def test_zlib_stream_is_one_context_per_connection(fake: FakeDiscord) -> None:
    url = fake.ws_url + "?v=10&encoding=json&compress=zlib-stream"
    async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
        inflate = zlib.decompressobj()
        frames: list[bytes] = []

        async def receive() -> dict[str, Any]:
            frame = await ws.receive_bytes(timeout=5)
            frames.append(frame)
            assert frame.endswith(b"\x00\x00\xff\xff")  # every message ends in a Z_SYNC_FLUSH
            parsed: dict[str, Any] = json.loads(inflate.decompress(frame))
            return parsed

        assert (await receive())["op"] == 10
        await ws.send_json({"op": 1, "d": None})
        assert (await receive())["op"] == 11
        await ws.send_json({"op": 2, "d": {"token": "fake-token", "intents": 0, "properties": {}}})
        ready, guild_create = await receive(), await receive()
        assert (ready["t"], ready["s"]) == ("READY", 1)
        assert (guild_create["t"], guild_create["s"]) == ("GUILD_CREATE", 2)
        assert guild_create["d"]["id"] == str(GUILD_ID)
        # The stream shares one context: a later frame alone cannot be inflated from scratch.
        with pytest.raises(zlib.error):
            zlib.decompressobj().decompress(frames[-1])


async def test_uncompressed_gateway_and_bad_tokens(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(fake.ws_url + "?v=10&encoding=json") as ws:
            assert json.loads(await ws.receive_str(timeout=5))["op"] == 10
            await ws.send_json({"op": 2, "d": {"token": "wrong", "properties": {}}})
            closing = await ws.receive(timeout=5)
            assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == 4004
        async with http.get(fake.http_url + "/api/v10/users/@me") as resp:
            assert resp.status == 401 and resp.headers["Content-Type"] == "application/json"
    assert fake.gateway.errors == ["gateway: IDENTIFY with a wrong token"]
    fake.gateway.errors.clear()


# --- user installs, contexts, uploads ------------------------------------------------------------


def _installable_bot() -> commands.Bot:
    bot = commands.Bot(
        command_prefix=commands.when_mentioned,
        intents=discord.Intents.default(),
        allowed_mentions=discord.AllowedMentions.none(),
        allowed_installs=app_commands.AppInstallationType(guild=True),
        allowed_contexts=app_commands.AppCommandContext(guild=True),
    )

    @bot.tree.command(description="Where am I, and who installed me?")
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def where(interaction: discord.Interaction) -> None:
        text = f"guild-installed={interaction.is_guild_integration()} context={interaction.context}"
        file = discord.File(io.BytesIO(b"\x89PNG fake"), filename="where.png")
        await interaction.response.send_message(text, file=file)

    @bot.tree.command(description="Server installs only")
    async def admin(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("admin")

    async def setup_hook() -> None:
        await bot.tree.sync()

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


async def test_user_installs_contexts_and_uploads() -> None:
    async with FakeDiscord.running() as fake:
        home = fake.add_guild(name="home")
        away = fake.add_guild(name="away", bot_installed=False)
        async with fake.client(_installable_bot()):
            by_name = {c["name"]: c for c in fake.commands[None]}
            assert by_name["where"]["integration_types"] == [0, 1]
            assert by_name["admin"]["integration_types"] == [0]
            assert by_name["admin"]["contexts"] == [0]
            here = await fake.invoke("where", guild=home)
            assert "guild-installed=True" in here.content
            upload = fake.requests_to("POST", r"/interactions/\d+/[^/]+/callback")[-1].files[0]
            assert upload["filename"] == "where.png" and upload["data"] == b"\x89PNG fake"
            assert here.message is not None and here.message["attachments"][0]["size"] == 9
            for where in ({"guild": away}, {"private": True}):
                with pytest.raises(InvocationError, match="not installed"):
                    await fake.invoke("where", **where)  # type: ignore[arg-type]
            fake.install_for_user()
            there = await fake.invoke("where", guild=away)
            assert "guild-installed=False" in there.content
            assert there.interaction["authorizing_integration_owners"] == {
                "1": str(fake.default_user.id)
            }
            group = await fake.invoke("where", private=True)
            assert group.interaction["context"] == 2 and group.type == 4
            for where in ({"guild": away}, {"private": True}, {"dm": True}):
                with pytest.raises(InvocationError):
                    await fake.invoke("admin", **where)  # type: ignore[arg-type]
            assert len(fake.channel_messages[away.text_channels[0].id]) == 1  # the answer
            heard = [
                p["t"]
                for session in fake.gateway.sessions.values()
                for p in session.log
                if str(away.id) in json.dumps(p.get("d"))
            ]
            assert set(heard) == {"INTERACTION_CREATE"}  # nothing else of a server it is not in
