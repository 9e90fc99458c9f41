"""Report an error, end to end through the fake Discord: the button under every answer that
shows facts or quotes, the form (a select of the page's entries inside a label, then what is
wrong and an optional source), the correction in the server's review queue, and what approving
or rejecting it does; outside a server that installed the bot the button says where reports go.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.adapters.discord.client import FactBot
from bot.adapters.discord.moderation.review_views import REVIEW_APPROVE, REVIEW_REJECT
from bot.app import App
from bot.core.moderation.render_corrections import REPORT_ELSEWHERE
from bot.core.render.state import REPORT_LABEL
from tests.adapters.discord.moderation.test_moderation_e2e import FACT, _add, _id, _text
from tests.fakediscord import FakeDiscord, FakeGuild, InvocationError
from tests.fakediscord.reply import Reply

CURATED = "fact:membership-six-founding-members"
QUERY = {"query": "SCO began in 2001 with six member states"}
SHOWN = "began in 2001 with six member states: China"
PROBLEM = "It names five founders, not six; the source lists six countries by name."


@pytest.fixture
async def fake(app: App) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord.running() as running:
        running.add_guild(name="Zebra fans", channels=["general"])
        running.add_guild(name="Elsewhere", channels=["lobby"])
        async with running.client(FactBot(app)):
            yield running


def _guilds(fake: FakeDiscord) -> tuple[FakeGuild, FakeGuild]:
    first, second = list(fake.guilds.values())
    return first, second


def _rows(reply: Reply) -> list[dict[str, Any]]:
    return list((reply.message or {}).get("components") or [])


def _buttons(reply: Reply) -> list[dict[str, Any]]:
    rows = _rows(reply)
    return [c for row in rows for c in row["components"] if c["type"] == 2]


def _report_id(reply: Reply) -> str:
    found = [b["custom_id"] for b in _buttons(reply) if b.get("label") == REPORT_LABEL]
    assert len(found) == 1, [b.get("label") for b in _buttons(reply)]
    return found[0]


def _select(modal: dict[str, Any]) -> dict[str, Any]:
    return next(c["component"] for c in modal["components"] if c["component"]["type"] == 3)


async def _report(
    fake: FakeDiscord, answer: Reply, entry: str, problem: str = PROBLEM, **kw: Any
) -> Reply:
    opened = await fake.press(answer, _report_id(answer), **kw)
    assert opened.type == 9 and opened.modal is not None
    values = {"entry": entry, "problem": problem, "evidence": "https://example.org/founders"}
    return await fake.submit_modal(opened, values)


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("member", {"country": "belarus"}),
        ("summit", {"year": 2024}),
        ("quote", {"person": "fan-xianrong"}),
        ("search", {"query": "890 billion"}),
        ("fact", {}),
        ("source", {"id": "xinhua-grand-plan-2025"}),
    ],
)
async def test_answers_with_facts_or_quotes_carry_the_button_within_discords_limits(
    fake: FakeDiscord, command: str, options: dict[str, Any]
) -> None:
    answer = await fake.invoke(command, options)
    custom_id = _report_id(answer)
    assert len(custom_id) <= 100
    assert all(len(row["components"]) <= 5 for row in _rows(answer))
    assert len(_rows(answer)) <= 5
    opened = await fake.press(answer, custom_id)
    options_offered = _select(opened.modal)["options"]  # type: ignore[arg-type]
    assert 1 <= len(options_offered) <= 25
    assert all(o["value"].split(":")[0] in ("fact", "quote") for o in options_offered)


async def test_a_page_of_many_pages_keeps_every_row_within_five_buttons(fake: FakeDiscord) -> None:
    answer = await fake.invoke("member", {"country": "china"})
    facts = await fake.press(answer, answer.custom_ids[0], values=["f"])
    message = facts.message
    rows = message["components"]
    assert all(len(row["components"]) <= 5 for row in rows)
    labels = [c.get("label") for row in rows for c in row["components"]]
    assert REPORT_LABEL in labels


async def test_a_curated_correction_is_queued_approved_and_hides_the_entry_here_only(
    app: App, fake: FakeDiscord
) -> None:
    here, elsewhere = _guilds(fake)
    reporter = fake.default_user
    answer = await fake.invoke("search", QUERY, guild=here)
    assert SHOWN in _text(answer)
    opened = await fake.press(answer, _report_id(answer))
    labels = [c["label"] for c in opened.modal["components"]]  # type: ignore[index]
    assert labels == [
        "Which entry is wrong?",
        "What is wrong?",
        "Source link or excerpt (optional)",
    ]
    assert CURATED in [o["value"] for o in _select(opened.modal)["options"]]  # type: ignore[arg-type]
    values = {"entry": CURATED, "problem": PROBLEM + " @everyone <@1>", "evidence": ""}
    filed = await fake.submit_modal(opened, values)
    assert filed.ephemeral and "report #1" in _text(filed) and "curated fact" in _text(filed)
    assert filed.callback["data"]["allowed_mentions"] == {"parse": []}

    card = await fake.invoke("entry review", user=fake.owner)
    text = _text(card)
    assert "Correction #1 (1 of 1 waiting)" in text and "membership-six-founding-members" in text
    assert "five founders" in text and "hides this curated entry" in text
    approved = await fake.press(card, _id(card, REVIEW_APPROVE), user=fake.owner)
    assert approved.type == 7 and "is hidden in this server now" in str(card.message)

    assert SHOWN not in _text(await fake.invoke("search", QUERY, guild=here))
    assert SHOWN in _text(await fake.invoke("search", QUERY, guild=elsewhere, user=fake.owner))
    await fake.wait_for(
        lambda: any("was accepted" in str(m.get("content")) for m in fake.messages.values()),
        "the reporter's DM",
    )
    dm = fake.dm_channel(reporter)
    assert any("report #1" in str(m.get("content")) for m in fake.channel_messages[dm.id])
    reports = await app.moderation.corrections.curated_reports()
    assert [(r.corrects, r.guild_id, r.status.value) for r in reports] == [
        ("membership-six-founding-members", here.id, "approved")
    ]


async def test_approving_a_correction_of_a_server_entry_opens_its_edit_form(
    fake: FakeDiscord,
) -> None:
    await _add(fake)
    answer = await fake.invoke("search", {"query": "zebra council"})
    filed = await _report(fake, answer, "fact:s1", "Astana is wrong: it first met in Minsk.")
    assert "this server's fact `s1`" in _text(filed)

    card = await fake.invoke("entry review", user=fake.owner)
    assert "opens the entry's edit form" in _text(card)
    form = await fake.press(card, _id(card, REVIEW_APPROVE), user=fake.owner)
    assert form.type == 9 and "report #1" in form.modal["title"]  # type: ignore[index]
    prefilled = {
        c["components"][0]["custom_id"]: c["components"][0].get("value")
        for c in form.modal["components"]  # type: ignore[index]
    }
    assert prefilled["text"] == FACT["text"]
    fixed = FACT["text"].replace("Astana", "Minsk")
    done = await fake.submit_modal(form, {"text": fixed})
    assert "Correction #1 approved: `s1` is at version 2" in _text(done)
    await fake.wait_for(
        lambda: any("corrected fact `s1`" in str(m.get("content")) for m in fake.messages.values()),
        "the reporter's DM",
    )
    assert "Minsk" in _text(await fake.invoke("search", {"query": "zebra council"}))
    history = await fake.invoke("entry history", {"id": "s1"}, user=fake.owner)
    assert "Why: correction \\#1" in _text(history)  # inert() escapes the #
    empty = await fake.invoke("entry review", user=fake.owner)
    assert "No suggestions or error reports are waiting" in str(empty.callback)


async def test_a_correction_is_rejected_like_a_suggestion(fake: FakeDiscord) -> None:
    answer = await fake.invoke("search", QUERY)
    await _report(fake, answer, CURATED)
    card = await fake.invoke("entry review", user=fake.owner)
    opened = await fake.press(card, _id(card, REVIEW_REJECT), user=fake.owner)
    await fake.submit_modal(opened, {"reason": "The source does list six."})
    assert "Correction #1 rejected" in str(card.message)
    assert SHOWN in _text(await fake.invoke("search", QUERY))


async def test_reports_share_the_suggestions_rate_limit(fake: FakeDiscord) -> None:
    for n in range(5):
        opened = await fake.invoke("suggest", {"kind": "fact"})
        await fake.submit_modal(opened, {**FACT, "text": f"Zebra claim {n} {'x ' * n}from 2024."})
    answer = await fake.invoke("search", QUERY)
    limited = await _report(fake, answer, CURATED)
    assert limited.ephemeral and "Try again in 60 minutes" in _text(limited)
    card = await fake.invoke("entry review", user=fake.owner)
    assert "Correction" not in _text(card)


async def test_outside_an_installed_server_the_button_says_where_reports_go(
    fake: FakeDiscord,
) -> None:
    fake.install_for_user()
    in_dm = await fake.invoke("search", QUERY, dm=True)
    told = await fake.press(in_dm, _report_id(in_dm))
    assert told.type == 4 and told.ephemeral and told.modal is None
    assert REPORT_ELSEWHERE in str(told.callback)
    foreign = fake.add_guild(name="Foreign", bot_installed=False)
    there = await fake.invoke("search", QUERY, guild=foreign)
    told_there = await fake.press(there, _report_id(there))
    assert told_there.modal is None and REPORT_ELSEWHERE in str(told_there.callback)


async def test_the_form_takes_only_an_entry_it_offers(fake: FakeDiscord) -> None:
    answer = await fake.invoke("search", QUERY)
    opened = await fake.press(answer, _report_id(answer))
    with pytest.raises(InvocationError, match="offers no"):
        await fake.submit_modal(opened, {"entry": "fact:s999", "problem": PROBLEM})
    with pytest.raises(InvocationError, match="length 5 outside"):
        await fake.submit_modal(opened, {"entry": CURATED, "problem": "wrong"})


async def test_the_find_sources_answer_has_the_button_too(fake: FakeDiscord) -> None:
    here, _ = _guilds(fake)
    said = fake.post_user_message(here.channel("general"), "Did SCO trade reach 890 billion?")
    private = await fake.message_command("Find sources", said["id"])
    assert private.ephemeral
    opened = await fake.press(private, _report_id(private))
    offered = [o["value"] for o in _select(opened.modal)["options"]]  # type: ignore[arg-type]
    assert offered and all(v.startswith(("fact:", "quote:")) for v in offered)
    filed = await fake.submit_modal(opened, {"entry": offered[0], "problem": PROBLEM})
    assert "report #1" in _text(filed)
    card = await fake.invoke("entry review", user=fake.owner)
    assert "Correction #1" in _text(card) and offered[0].split(":")[1] in _text(card)


async def test_a_russian_reader_gets_the_form_and_the_thank_you_in_russian(
    fake: FakeDiscord,
) -> None:
    answer = await fake.invoke("search", QUERY, locale="ru")
    report = [b for b in _buttons(answer) if b.get("label") == "Сообщить об ошибке"]
    assert len(report) == 1, [b.get("label") for b in _buttons(answer)]
    opened = await fake.press(answer, report[0]["custom_id"], locale="ru")
    assert opened.modal is not None and opened.modal["title"] == "Сообщить об ошибке"
    labels = [c["label"] for c in opened.modal["components"]]
    assert labels == [
        "В какой записи ошибка?",
        "Что не так?",
        "Ссылка на источник или выдержка (по желанию)",
    ]
    problem = opened.modal["components"][1]["component"]
    assert problem["placeholder"].startswith("Напр.: саммит был в 2019 году")
    values = {"entry": CURATED, "problem": PROBLEM, "evidence": ""}
    filed = await fake.submit_modal(opened, values, locale="ru")
    embed = filed.embeds[0]
    assert filed.ephemeral and embed["title"] == "Сообщение получено"
    assert embed["description"].startswith("Спасибо! Ваше сообщение об ошибке №1")
    assert "курируемый факт `membership-six-founding-members`" in embed["description"]
    # Spaces pass Discord's length check; the service's check answers in Russian too.
    again = await fake.press(answer, report[0]["custom_id"], locale="ru")
    spaced = {"entry": CURATED, "problem": "нет          да"}
    refused = (await fake.submit_modal(again, spaced, locale="ru")).embeds[0]
    assert refused["description"].startswith("«Что не так» — слишком коротко")
    assert "минимум 10 символов" in refused["description"]
