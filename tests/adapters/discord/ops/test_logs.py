"""LOG_FORMAT=json: one JSON object a line, each line of an interaction carrying its id,
command, server and shard; an error's line keeps the id the user is shown (issue 13)."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest

from bot.adapters.discord.client import FactBot
from bot.app import App
from bot.logs import JsonFormatter, bind, configure_logging
from tests.fakediscord import FakeDiscord


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The root logger writing JSON lines into a buffer (restored after the test)."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    root.handlers[:] = []  # so that configure_logging closes none of pytest's handlers
    configure_logging("INFO", "json")
    stream = io.StringIO()
    root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
    try:
        yield stream
    finally:
        root.handlers[:], root.level = saved


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_every_line_is_one_json_object_with_the_bound_fields(json_log: io.StringIO) -> None:
    log = logging.getLogger("bot.test")
    log.info("outside")
    with bind(interaction_id=42, command="entry add", guild_id=7, shard_id=0):
        log.warning("inside %s", "it", extra={"detail": "x"})
        try:
            raise ValueError("multi\nline")
        except ValueError:
            log.exception("failed")
    outside, inside, failed = _lines(json_log)
    assert outside["message"] == "outside" and "interaction_id" not in outside
    assert inside["message"] == "inside it" and inside["level"] == "WARNING"
    assert (inside["interaction_id"], inside["command"], inside["guild_id"]) == (42, "entry add", 7)
    assert inside["shard_id"] == 0 and inside["detail"] == "x"
    assert "ValueError: multi\nline" in failed["exc"] and failed["interaction_id"] == 42


def test_the_json_formatter_survives_odd_values() -> None:
    record = logging.LogRecord("x", logging.INFO, "f", 1, "%s", (object(),), None)
    record.weird = {1, 2}
    parsed = json.loads(JsonFormatter().format(record))
    assert parsed["logger"] == "x" and "weird" in parsed


async def test_an_interactions_error_line_carries_its_id_and_the_id_shown(
    app: App, json_log: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(guild_id: int | None = None) -> object:
        logging.getLogger("bot.core.reading.service").info("about to fail")
        raise RuntimeError("boom")

    monkeypatch.setattr(app.facts, "about", broken)
    async with FakeDiscord.running() as fake:
        guild = fake.add_guild(name="g")
        async with fake.client(FactBot(app)):
            reply = await fake.invoke("about")
            fake.log_errors.clear()  # logged on purpose
    shown = re.search(r"`([0-9a-f]{8})`", reply.content or "")
    assert shown is not None, reply.callback
    lines = _lines(json_log)
    mine = [line for line in lines if line.get("interaction_id") == int(reply.interaction["id"])]
    assert mine and mine[0]["message"] == "about to fail"
    assert all(line["command"] == "about" and line["guild_id"] == guild.id for line in mine)
    assert all("shard_id" in line for line in mine)
    error = next(line for line in mine if line["level"] == "ERROR")
    assert error["error_id"] == shown.group(1) and "RuntimeError: boom" in error["exc"]


async def test_a_forms_error_line_carries_the_forms_interaction(
    app: App, json_log: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("the queue broke")

    monkeypatch.setattr(app.moderation.review, "suggest", broken)
    async with FakeDiscord.running() as fake:
        guild = fake.add_guild(name="g")
        async with fake.client(FactBot(app)):
            opened = await fake.invoke("suggest", {"kind": "fact"})
            values = {"text": "t", "source": "s", "excerpt": "e", "links": ""}
            done = await fake.submit_modal(opened, values)
            fake.log_errors.clear()  # logged on purpose
    shown = re.search(r"`([0-9a-f]{8})`", done.content or "")
    assert shown is not None, done.callback
    error = next(line for line in _lines(json_log) if line.get("error_id") == shown.group(1))
    assert error["interaction_id"] == int(done.interaction["id"])
    assert error["guild_id"] == guild.id and error["command"].startswith("form entry")
    assert "shard_id" in error
