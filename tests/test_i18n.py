"""Russian and Chinese (issue 14): the catalogues hold every string the answers and the
commands use, the synced commands carry their localisations, and an interaction in ``ru`` or
``zh-CN`` is answered in that language (the digest in the server's), English otherwise."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import discord
import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.adapters.discord.client import FactBot
from bot.adapters.discord.locale import NAME_RULE, CatalogueTranslator, command_strings
from bot.app import App, build_app
from bot.catalogues import answer_strings
from bot.core.dates import day, day_range, plural
from bot.core.i18n import CATALOGUE_DIR, LANGUAGES, _, language_of, reading_in
from bot.settings import Settings
from tests.fakeclock import FakeClock
from tests.fakediscord import FakeDiscord
from tests.fakediscord.reply import iter_components

PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\([a-z]+\)s")


def catalogue(code: str) -> Catalog:
    with (CATALOGUE_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=code)


@pytest.fixture
async def tree(app: App) -> AsyncIterator[discord.app_commands.CommandTree[FactBot]]:
    """The command tree of the bot as it starts (its own setup_hook), without logging in."""
    async with FactBot(app, sync_on_start=False) as bot:
        await bot.setup_hook()
        await asyncio.sleep(0)  # the digest scheduler starts waiting for READY: closes at once
        yield bot.tree


# -- the catalogues ------------------------------------------------------------------------


async def test_every_string_of_the_answers_and_commands_is_translated_in_each_catalogue(
    tree: discord.app_commands.CommandTree[FactBot],
) -> None:
    """Babel's extractor over bot/ (``_``, ``N_``, ``ngettext``) and every name, description
    and choice the command tree hands to the translator: each has a translation (every
    plural form) in ru and zh_CN. After adding a string: ``python -m bot catalogues``."""
    wanted: dict[Any, str] = {}
    for message, filename, line, _comments in answer_strings():
        wanted.setdefault(message, f"{filename}:{line}")
    for message, where in (await command_strings(tree)).items():
        wanted.setdefault(message, where)
    assert len(wanted) > 300, "the extraction found too little: is it reading bot/?"
    for code in LANGUAGES:
        translated = catalogue(code)
        missing = []
        for message, where in wanted.items():
            key = message if isinstance(message, str) else message[0]
            found = translated.get(key)
            strings = found.string if found is not None else ""
            forms = strings if isinstance(strings, tuple) else (strings,)
            if found is None or found.fuzzy or not all(forms):
                missing.append(f"{where}: {key!r}")
        assert missing == [], f"untranslated in {code}: {missing}"


@pytest.mark.parametrize("code", LANGUAGES)
def test_translations_keep_the_placeholders_they_are_given(code: str) -> None:
    for message in catalogue(code):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        given = set(PLACEHOLDER.findall(" ".join([source, *message.auto_comments])))
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        for form in forms:
            assert set(PLACEHOLDER.findall(form)) <= given, (source, form)
            form.format(**{p.strip("{}").split(":")[0]: 1 for p in given if p[0] == "{"})


def test_russian_has_three_plural_forms_and_chinese_one() -> None:
    with reading_in("ru"):
        counted = [plural(n, "fact") for n in (1, 2, 5, 11, 21, 22, 112)]
    assert counted == [
        "1 факт",
        "2 факта",
        "5 фактов",
        "11 фактов",
        "21 факт",
        "22 факта",
        "112 фактов",
    ]
    with reading_in("zh-CN"):
        assert [plural(n, "quote") for n in (1, 3)] == ["1 条引语", "3 条引语"]
    assert [plural(n, "country") for n in (1, 3)] == ["1 country", "3 countries"]


def test_dates_follow_the_language_and_english_keeps_the_house_style() -> None:
    assert day(date(2025, 6, 10)) == "10 Jun 2025"
    assert day_range(date(2025, 8, 31), date(2025, 9, 1)) == "31 Aug – 1 Sep 2025"
    with reading_in("ru"):
        assert day(date(2025, 6, 10)) == "10 июн. 2025"
        assert day_range(date(2025, 8, 31), date(2025, 9, 1)).startswith("31 авг.")
    with reading_in("zh-CN"):
        assert day(date(2025, 6, 10)) == "2025年6月10日"


def test_discord_locales_name_the_catalogues_and_other_languages_read_english() -> None:
    assert [language_of(t) for t in ("ru", "zh-CN", "en-US", "zh-TW", "de", None)] == [
        "ru",
        "zh_CN",
        "en",
        "en",
        "en",
        "en",
    ]
    with reading_in("de"):
        assert _("Overview") == "Overview"


# -- the commands' localisations -------------------------------------------------------------


async def test_localised_command_names_follow_discords_rules_and_stay_distinct(
    tree: discord.app_commands.CommandTree[FactBot],
) -> None:
    translator = CatalogueTranslator()
    payloads = [await c.get_translated_payload(tree, translator) for c in tree.get_commands()]
    chat = [p for p in payloads if p.get("type", 1) == 1]
    for locale in ("ru", "zh-CN"):
        # A name the catalogue keeps as it is ("id") is sent without a localisation.
        names = [p.get("name_localizations", {}).get(locale, p["name"]) for p in chat]
        assert len(set(names)) == len(names), names
        for payload in chat:
            assert payload["description_localizations"][locale]
            options = payload.get("options", [])
            local = [o.get("name_localizations", {}).get(locale, o["name"]) for o in options]
            assert len(set(local)) == len(local), (payload["name"], local)
            for name in [payload["name_localizations"][locale], *local]:  # every command has one
                assert NAME_RULE.match(name) and name == name.lower(), name
    member = next(p for p in chat if p["name"] == "member")
    assert member["name_localizations"] == {"ru": "состав", "zh-CN": "成员国"}
    menu = next(p for p in payloads if p["name"] == "Find sources")
    assert menu["name_localizations"] == {"ru": "Найти источники", "zh-CN": "查找来源"}


# -- through the fake Discord ------------------------------------------------------------------


@pytest.fixture
async def fake(app: App) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord.running() as running:
        running.add_guild(name="SCO fans", channels=["general"])
        async with running.client(FactBot(app)):
            yield running


def _labels(message: dict[str, Any] | None) -> list[str]:
    found = []
    for component in iter_components(message):
        found += [component.get("label") or "", component.get("placeholder") or ""]
    return [label for label in found if label]


async def test_the_synced_commands_carry_russian_and_chinese_localisations(
    fake: FakeDiscord,
) -> None:
    """The fake checks the payload against Discord's spec and name rules on every sync."""
    registered = {c["name"]: c for c in fake.commands[None]}
    summit = registered["summit"]
    assert summit["name_localizations"] == {"ru": "саммит", "zh-CN": "峰会"}
    assert summit["description_localizations"]["ru"].startswith("Саммит")
    year = summit["options"][0]
    assert year["name_localizations"] == {"ru": "год", "zh-CN": "年份"}
    kind = registered["suggest"]["options"][0]
    assert [c["name_localizations"]["ru"] for c in kind["choices"]] == ["факт", "цитата"]


@pytest.mark.parametrize(
    ("locale", "title", "words"),
    [
        ("ru", "Китай", ["государство-основатель ШОС", "Источники", "Выдержки", "Показать раздел"]),
        ("zh-CN", "中国", ["上海合作组织创始成员国", "来源", "摘录", "显示某个部分"]),
        ("en-US", "China", ["a founding member state of the SCO", "Sources", "Excerpts"]),
    ],
)
async def test_an_answer_follows_the_readers_discord_language(
    fake: FakeDiscord, locale: str, title: str, words: list[str]
) -> None:
    reply = await fake.invoke("member", {"country": "china"}, locale=locale)
    embed = reply.embeds[0]
    assert embed["title"] == title
    shown = " ".join(
        [embed["description"], *(f["name"] for f in embed["fields"]), *_labels(reply.message)]
    )
    assert all(word in shown for word in words), shown
    # The facts stay in their sources' language: the membership statement is English.
    assert "Declaration on the establishment" in embed["description"]


async def test_languages_do_not_leak_between_readers_of_one_cached_answer(
    fake: FakeDiscord,
) -> None:
    russian = await fake.invoke("summit", {"year": 2025}, locale="ru")
    english = await fake.invoke("summit", {"year": 2025})
    chinese = await fake.invoke("summit", {"year": 2025}, locale="zh-CN")
    assert russian.embeds[0]["title"] == "Саммит 2025, Tianjin"
    assert english.embeds[0]["title"] == "2025 Tianjin summit"
    assert chinese.embeds[0]["title"] == "2025 年 Tianjin 峰会"
    assert "25-е заседание" in russian.embeds[0]["description"]
    assert "第 25 次会议" in chinese.embeds[0]["description"]
    # A "not found" is kept by the answer cache too: each reader gets it in their language.
    await fake.invoke("member", {"country": "Narnia"}, locale="ru")
    english_error = (await fake.invoke("member", {"country": "Narnia"})).embeds[0]
    assert english_error["title"] == "Not found"
    assert english_error["description"].startswith("No country called “Narnia”")


async def test_a_button_answers_in_the_language_of_who_pressed_it(fake: FakeDiscord) -> None:
    reply = await fake.invoke("member", {"country": "belarus"}, locale="ru")
    button = next(c for c in iter_components(reply.message) if c.get("label") == "Выдержки")
    excerpts = await fake.press(reply, str(button["custom_id"]), locale="zh-CN")
    assert excerpts.embeds[0]["title"].startswith("摘录 · ")


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("ru", ["Не найдено", "Не найдено: страна «Narnia».", "Члены: Беларусь", "Китай"]),
        ("zh-CN", ["未找到", "未记录名为“Narnia”的国家", "成员国：", "白俄罗斯"]),
    ],
)
async def test_no_such_country_and_did_you_mean_in_the_readers_language(
    fake: FakeDiscord, locale: str, expected: list[str]
) -> None:
    reply = await fake.invoke("member", {"country": "Narnia"}, locale=locale)
    embed = reply.embeds[0]
    assert reply.ephemeral
    shown = " ".join([embed["title"], embed["description"]])
    assert all(word in shown for word in expected), shown
    typo = await fake.invoke("quote", {"person": "Xi Jinpong Zedong"}, locale=locale)
    fields = typo.embeds[0].get("fields", [])
    if fields:  # "did you mean" comes only for names spelled much like what was typed
        assert fields[0]["name"] in ("Возможно, вы имели в виду", "您是不是要找")


# -- the digest: the server's language ---------------------------------------------------------

START = datetime(2025, 6, 10, 6, 0, tzinfo=UTC)


@pytest.fixture
async def digest_app(tmp_path: Path) -> AsyncIterator[App]:
    settings = Settings(
        discord_token="fake-token",
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        command_hash_file=tmp_path / "command-hash",
    )
    async with build_app(settings, clock=FakeClock(START)) as built:
        yield built


async def test_the_digest_is_written_in_the_servers_preferred_locale(digest_app: App) -> None:
    async with FakeDiscord.running() as fake:
        guild = fake.add_guild(name="ШОС", channels=["digest"], locale="ru")
        async with fake.client(FactBot(digest_app)):
            options = {"channel": guild.channel("digest"), "time": "09:00", "timezone": "UTC"}
            status = await fake.invoke("digest set", options, user=fake.owner, locale="zh-CN")
            assert status.embeds[0]["title"] == "每日摘要"  # the caller's own answer
            preview = await fake.invoke("digest preview", user=fake.owner, locale="zh-CN")
    embed = preview.embeds[0]
    assert " ".join(embed["title"].split()) == "Факт дня · вторник, 10 июня 2025 г."
    assert embed["footer"]["text"].startswith("Предпросмотр · Ежедневный дайджест 10 июн. 2025")
