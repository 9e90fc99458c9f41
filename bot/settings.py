"""Settings from the environment or a ``.env`` file (pydantic-settings).

Built once in ``bot.__main__`` and passed down; nothing reads the environment at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["DEFAULT_DATA_DIR", "Settings"]

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1] / "data"
"""The curated data shipped in the repository (``data/``). Defined here, not in the store, so
that reading the settings loads no database driver (``bot.store``); the store takes it from
here."""


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
    database_timeout: float = Field(
        default=2.0,
        gt=0,
        le=60,
        description="DATABASE_TIMEOUT: seconds one statement of the running bot may take on "
        "PostgreSQL (statement_timeout, lock waits included) or wait for another process's "
        "lock on SQLite (busy timeout); migrations and the curated load are exempt",
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

    log_format: Literal["text", "json"] = Field(
        default="text",
        description="LOG_FORMAT: text (default) or json (one JSON object a line, each line of "
        "an interaction carrying its id, command, server and shard)",
    )
    metrics_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="METRICS_PORT: serve /healthz and /metrics on this port (unset: off)",
    )
    metrics_host: str = Field(
        default="127.0.0.1",
        description="METRICS_HOST: the address /healthz and /metrics listen on (0.0.0.0 to "
        "let Prometheus in another container scrape them)",
    )
    locale: str = Field(
        default="en",
        description="LOCALE: the console's language: en (default), ru or zh-CN (on Discord each "
        "reader's own Discord language is used)",
    )
    cooldown_rate: int = Field(
        default=8,
        ge=0,
        description="COOLDOWN_RATE: how many times one user may run one command within "
        "COOLDOWN_SECONDS (0: no cooldown)",
    )
    cooldown_seconds: float = Field(
        default=20.0,
        gt=0,
        description="COOLDOWN_SECONDS: the window of COOLDOWN_RATE, in seconds",
    )

    discord_api_base: str | None = Field(
        default=None,
        description="DISCORD_API_BASE: the REST base URL (unset: Discord's own); for the "
        "benchmark's loopback fake of Discord only",
    )
    discord_gateway_url: str | None = Field(
        default=None,
        description="DISCORD_GATEWAY_URL: the gateway URL (unset: Discord's own); for the "
        "benchmark's loopback fake of Discord only",
    )

    shard_count: int | None = Field(
        default=None,
        ge=1,
        description="SHARD_COUNT: split the bot into this many gateway shards (unset: one "
        "connection, no sharding)",
    )
    shard_ids: Annotated[list[int] | None, NoDecode] = Field(
        default=None,
        description="SHARD_IDS: the shards this process runs, comma-separated (e.g. 0,1); "
        "needs SHARD_COUNT; unset: all of them",
    )

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        cleaned = value.strip()
        # The languages of bot/locale (bot.core.i18n reads them); the settings import no core.
        if cleaned.replace("_", "-").casefold() not in ("en", "en-us", "en-gb", "ru", "zh-cn"):
            raise ValueError(f"“{cleaned[:20]}” is not a language of the bot: en, ru or zh-CN")
        return cleaned

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _split_shard_ids(cls, value: Any) -> Any:
        """``"0, 2"`` -> ``[0, 2]``; blank -> unset."""
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",")]
            if not any(parts):
                return None
            try:
                return [int(part) for part in parts]
            except ValueError:
                raise ValueError(
                    f"SHARD_IDS must be shard numbers separated by commas (e.g. 0,1), not {value!r}"
                ) from None
        return value

    @model_validator(mode="after")
    def _check_shards(self) -> Settings:
        ids = self.shard_ids
        if ids is None:
            return self
        if self.shard_count is None:
            raise ValueError("SHARD_IDS needs SHARD_COUNT: set how many shards there are in all")
        if not ids:
            raise ValueError("SHARD_IDS names no shard; leave it unset to run all of them")
        wrong = [i for i in ids if not 0 <= i < self.shard_count]
        if wrong:
            raise ValueError(
                f"SHARD_IDS {', '.join(map(str, wrong))} out of range: with SHARD_COUNT="
                f"{self.shard_count} the shards are 0 to {self.shard_count - 1}"
            )
        if len(set(ids)) != len(ids):
            raise ValueError(f"SHARD_IDS names a shard twice: {','.join(map(str, ids))}")
        return self

    @property
    def token(self) -> str | None:
        """The token, or None when unset or blank."""
        if self.discord_token is None:
            return None
        value = self.discord_token.get_secret_value().strip()
        return value or None
