"""Discord's message limits, asserted on any rendered page (shared by core and console tests)."""

from __future__ import annotations

from typing import Any

from bot.core.render import LIMITS, embed_length


def assert_page_within_limits(page: dict[str, Any]) -> None:
    embeds = page.get("embeds", [])
    assert len(embeds) <= LIMITS.embeds
    assert sum(embed_length(e) for e in embeds) <= LIMITS.message_total
    assert len(page.get("content") or "") <= LIMITS.content
    for e in embeds:
        assert 0 < len(e.get("title", "")) <= LIMITS.title
        assert len(e.get("description", "")) <= LIMITS.description
        assert len(e.get("fields", [])) <= LIMITS.fields
        for f in e.get("fields", []):
            assert 0 < len(f["name"]) <= LIMITS.field_name
            assert 0 < len(f["value"]) <= LIMITS.field_value
        assert len(e.get("footer", {}).get("text", "")) <= LIMITS.footer
    mentions = page["allowed_mentions"]
    assert mentions["parse"] == [] and not mentions.get("users") and not mentions.get("roles")
