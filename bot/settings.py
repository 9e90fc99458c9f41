"""Settings from the environment or a ``.env`` file (pydantic-settings).

Built once in ``bot.__main__`` and passed down; nothing reads the environment at import time.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.store.curated import DEFAULT_DATA_DIR

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Every setting, with the environment variable that sets it (see ``.env.example``)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    discord_token: SecretStr | None = Field(
        default=None,
        description="DISCORD_TOKEN: the bot token; without it `run` starts the console",
    )
    database_url: str = Field(
        default="sqlite:///scofactbot.db",
        description="DATABASE_URL: sqlite:///path (default) or postgresql://user@host/db",
    )
    data_dir: Path = Field(default=DEFAULT_DATA_DIR, description="DATA_DIR: the curated store")
    log_level: str = Field(default="INFO", description="LOG_LEVEL: DEBUG, INFO, WARNING, ERROR")
    dev_guild_id: int | None = Field(
        default=None, description="DEV_GUILD_ID: sync commands to this server only (instant)"
    )
    command_hash_file: Path = Field(
        default=Path(".command-hash"),
        description="COMMAND_HASH_FILE: where the hash of the last synced command schema is kept",
    )

    @property
    def token(self) -> str | None:
        """The token, or None when unset or blank."""
        if self.discord_token is None:
            return None
        value = self.discord_token.get_secret_value().strip()
        return value or None
