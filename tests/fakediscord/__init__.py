"""A fake Discord (REST + gateway on 127.0.0.1) for end-to-end tests of an unmodified
discord.py 2.7 bot.

    async with FakeDiscord.running() as fake:
        guild = fake.add_guild(name="SCO", channels=["general", "digest"])
        async with fake.client(bot):
            reply = await fake.invoke("member", {"country": "belarus"})
            assert reply.type == 4 and "Belarus" in reply.embeds[0]["title"]
"""

from .limits import check_payload
from .models import FakeChannel, FakeGuild, FakeMember, FakeRole, FakeUser
from .options import InvocationError
from .records import (
    ALREADY_ACKNOWLEDGED,
    CONNECTION_RESET,
    MISSING_ACCESS,
    MISSING_PERMISSIONS,
    SERVER_ERROR,
    UNKNOWN_CHANNEL,
    UNKNOWN_INTERACTION,
    UNKNOWN_MESSAGE,
    UNKNOWN_WEBHOOK,
    ApiError,
    RecordedRequest,
    Violation,
    rate_limited,
)
from .reply import Reply
from .server import FakeDiscord

__all__ = [
    "ALREADY_ACKNOWLEDGED",
    "CONNECTION_RESET",
    "MISSING_ACCESS",
    "MISSING_PERMISSIONS",
    "SERVER_ERROR",
    "UNKNOWN_CHANNEL",
    "UNKNOWN_INTERACTION",
    "UNKNOWN_MESSAGE",
    "UNKNOWN_WEBHOOK",
    "ApiError",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "InvocationError",
    "RecordedRequest",
    "Reply",
    "Violation",
    "check_payload",
    "rate_limited",
]
